"""The sidebar: a filter box and the sessions by last activity; choosing one opens it."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input
from textual.widgets.option_list import Option

from app.sanitize import one_line
from storage.models import Session
from widgets.record_list import RecordList

UNTITLED = "New session"


def session_option(session: Session) -> Option:
    mark = "⌂ " if session.archived else ""
    return Option(mark + (one_line(session.title) or UNTITLED), id=session.id)


class SessionList(RecordList):
    """Sessions; keys act on the highlighted one (the screen does the work)."""

    BINDINGS = [
        Binding("r,f2", "request('rename')", "Rename", id="sessions.rename"),
        Binding("a", "request('archive')", "Archive", id="sessions.archive"),
        Binding("d,delete", "request('delete')", "Delete", id="sessions.delete"),
        Binding("A", "request('show_archived')", "Archived", id="sessions.show_archived"),
        Binding("slash", "request('filter')", "Filter", id="sessions.filter"),
    ]

    class SessionSelected(Message):
        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    class ActionRequested(Message):
        """rename / archive / delete / show_archived / filter on the highlighted session."""

        def __init__(self, action: str, session_id: str | None) -> None:
            super().__init__()
            self.action = action
            self.session_id = session_id

    def show_sessions(self, sessions: Sequence[Session], active_id: str | None) -> None:
        self.show_records((session_option(s) for s in sessions), active_id)

    def action_message(self, action: str, record_id: str | None) -> Message:
        return self.ActionRequested(action, record_id)

    def selected_message(self, record_id: str) -> Message:
        return self.SessionSelected(record_id)


class SessionSidebar(Vertical):
    """Filter-as-you-type box above the session list."""

    DEFAULT_CSS = """
    SessionSidebar {
        width: 32;
        height: 1fr;
        border-right: vkey $border-blurred;
        background: $surface;
    }
    SessionSidebar > Input {
        border: none;
        height: 1;
        padding: 0 1;
        background: $surface;
    }
    SessionSidebar > Input:focus {
        background: $boost;
    }
    """

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter sessions", id="session-filter")
        yield SessionList(id="sessions")

    @on(Input.Changed, "#session-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    @on(Input.Submitted, "#session-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        """Enter in the filter opens the highlighted match, or the first one (as a fuzzy
        finder does); with no match it goes to the list, which says nothing is there."""
        event.stop()
        sessions = self.query_one(SessionList)
        sessions.focus()
        if sessions.option_count == 0:
            return
        if sessions.highlighted is None:
            sessions.highlighted = 0
        chosen = sessions.highlighted_id
        if chosen is not None:
            self.post_message(SessionList.SessionSelected(chosen))
