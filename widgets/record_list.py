"""A list of stored records (sessions, drafts): the highlighted one's id, keys that ask the
screen to act on it, and Enter to open it. Subclasses say which messages carry those."""

from __future__ import annotations

from collections.abc import Iterable

from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class RecordList(OptionList):
    """Records as options whose ids are the records' ids; the screen does the work."""

    DEFAULT_CSS = """
    RecordList {
        height: 1fr;
        border: none;
        background: $surface;
    }
    """

    def show_records(self, options: Iterable[Option], active_id: str | None) -> None:
        """List `options`, highlighting `active_id` when it is among them."""
        self.clear_options()
        self.add_options(options)
        if active_id is not None:
            try:
                self.highlighted = self.get_option_index(active_id)
            except Exception:  # noqa: BLE001 - not listed (unsaved yet, or deleted meanwhile)
                self.highlighted = None

    @property
    def highlighted_id(self) -> str | None:
        if self.highlighted is None:
            return None
        return self.get_option_at_index(self.highlighted).id

    def action_request(self, action: str) -> None:
        self.post_message(self.action_message(action, self.highlighted_id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.selected_message(event.option.id))

    def action_message(self, action: str, record_id: str | None) -> Message:
        """The message asking the screen to do `action` on the highlighted record."""
        raise NotImplementedError

    def selected_message(self, record_id: str) -> Message:
        """The message asking the screen to open a record."""
        raise NotImplementedError
