"""The drafts list: title, words and when each was last edited; keys act on the highlighted one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from storage.drafts_models import Draft

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


class DraftList(OptionList):
    """Drafts, most recently edited first. Enter opens; n, d, v ask the screen to act."""

    DEFAULT_CSS = """
    DraftList {
        height: 1fr;
        border: none;
        background: $surface;
    }
    """

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
        self.clear_options()
        self.add_options(draft_option(d) for d in drafts)
        if active_id is not None:
            try:
                self.highlighted = self.get_option_index(active_id)
            except Exception:  # noqa: BLE001 - a draft deleted meanwhile is simply not listed
                self.highlighted = None

    @property
    def highlighted_id(self) -> str | None:
        if self.highlighted is None:
            return None
        return self.get_option_at_index(self.highlighted).id

    def action_request(self, action: str) -> None:
        self.post_message(self.ActionRequested(action, self.highlighted_id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.DraftSelected(event.option.id))
