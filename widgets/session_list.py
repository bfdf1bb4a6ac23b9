"""The sidebar: sessions by last activity; choosing one opens it."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from storage import Session

UNTITLED = "New session"


class SessionList(OptionList):
    DEFAULT_CSS = """
    SessionList {
        width: 32;
        height: 1fr;
        border: none;
        border-right: vkey $border-blurred;
        background: $surface;
    }
    """

    class SessionSelected(Message):
        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def show_sessions(self, sessions: Sequence[Session], active_id: str | None) -> None:
        self.clear_options()
        self.add_options(Option(s.title or UNTITLED, id=s.id) for s in sessions)
        if active_id is not None:
            try:
                self.highlighted = self.get_option_index(active_id)
            except Exception:  # noqa: BLE001 - an unsaved new session is not listed yet
                self.highlighted = None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.SessionSelected(event.option.id))
