"""The drafts list: title, words and when each was last edited; keys act on the highlighted one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets.option_list import Option

from storage.drafts_models import Draft
from widgets.record_list import RecordList

UNTITLED = "Untitled draft"


def edited_label(stamp: str, now: datetime | None = None) -> str:
    """When a draft was last edited, as a writer reads it: the time today, else the date."""
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp[:16]
    today = (now or datetime.now().astimezone()).date()
    return when.strftime("%H:%M") if when.date() == today else when.date().isoformat()


def clock(stamp: str) -> str:
    """A stored UTC timestamp as the local time of day, HH:MM:SS."""
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp
    return when.strftime("%H:%M:%S")


def moment(stamp: str) -> str:
    """A stored timestamp to the second, in local time: "today 12:03:04" or a dated one."""
    day = edited_label(stamp)
    return f"{'today' if ':' in day else day} {clock(stamp)}"


def draft_option(draft: Draft) -> Option:
    label = Text(no_wrap=True, overflow="ellipsis")
    label.append(draft.title or UNTITLED, style="bold" if draft.title else "italic")
    label.append(f"\n{draft.words} words · {edited_label(draft.updated_at)}", style="dim")
    return Option(label, id=draft.id)


class DraftList(RecordList):
    """Drafts, most recently edited first. Enter opens; n, d, v ask the screen to act."""

    BINDINGS = [
        Binding("n", "request('new')", "New", id="drafts.list.new"),
        Binding("d,delete", "request('delete')", "Delete", id="drafts.list.delete"),
        Binding("v", "request('versions')", "Versions", id="drafts.list.versions"),
    ]

    class DraftSelected(Message):
        def __init__(self, draft_id: str) -> None:
            super().__init__()
            self.draft_id = draft_id

    class ActionRequested(Message):
        """new / delete / versions on the highlighted draft."""

        def __init__(self, action: str, draft_id: str | None) -> None:
            super().__init__()
            self.action = action
            self.draft_id = draft_id

    def show_drafts(self, drafts: Sequence[Draft], active_id: str | None) -> None:
        self.show_records((draft_option(d) for d in drafts), active_id)

    def action_message(self, action: str, record_id: str | None) -> Message:
        return self.ActionRequested(action, record_id)

    def selected_message(self, record_id: str) -> Message:
        return self.DraftSelected(record_id)
