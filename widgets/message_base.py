"""What every message in the conversation shares: focus, keys and the messages they post.

A message is selected by focusing it (Escape from the prompt box selects the last one); its
keys then act on it. Views never change data themselves: they post a message up and the
screen, which owns the chat service, decides.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message


class MessageView(Vertical, can_focus=True):
    """Base of UserMessage and AssistantMessage."""

    DEFAULT_CSS = """
    MessageView {
        height: auto;
        margin: 1 0 0 0;
        padding: 0 1;
    }
    MessageView:focus {
        background: $boost;
        outline-left: thick $accent;
    }
    MessageView.-highlight {
        outline-left: thick $warning;
    }
    MessageView > .siblings {
        color: $text-muted;
        height: 1;
        display: none;
    }
    MessageView.-has-siblings > .siblings {
        display: block;
    }
    """

    BINDINGS = [
        Binding("up,k", "navigate(-1)", "Prev", id="message.previous", show=False),
        Binding("down,j", "navigate(1)", "Next", id="message.next", show=False),
        Binding("left,h,[", "sibling(-1)", "‹ Branch", id="message.sibling_previous"),
        Binding("right,l,]", "sibling(1)", "Branch ›", id="message.sibling_next"),
        Binding("f", "fork", "Fork", id="message.fork"),
    ]

    class Navigate(Message):
        """Move the selection to the previous (-1) or next (+1) message."""

        def __init__(self, view: MessageView, step: int) -> None:
            super().__init__()
            self.view = view
            self.step = step

    class SwitchSibling(Message):
        """Show the previous (-1) or next (+1) sibling branch of a message."""

        def __init__(self, message_id: str, step: int) -> None:
            super().__init__()
            self.message_id = message_id
            self.step = step

    class Fork(Message):
        """Copy the thread up to this message into a new session."""

        def __init__(self, message_id: str) -> None:
            super().__init__()
            self.message_id = message_id

    def __init__(self, message_id: str | None = None) -> None:
        super().__init__()
        self.message_id = message_id
        self.sibling_index = 0
        self.sibling_count = 1

    def set_siblings(self, index: int, count: int) -> None:
        """Show `‹ 2/3 ›` when this message has siblings (other branches)."""
        self.sibling_index, self.sibling_count = index, count
        self.set_class(count > 1, "-has-siblings")
        for label in self.query(".siblings"):
            label.update(f"‹ {index + 1}/{count} ›  (←/→ switch branch)")  # type: ignore[attr-defined]
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sibling":
            return self.sibling_count > 1
        if action == "fork":
            return self.message_id is not None
        return True

    def action_navigate(self, step: int) -> None:
        self.post_message(self.Navigate(self, step))

    def action_sibling(self, step: int) -> None:
        if self.message_id is not None and self.sibling_count > 1:
            self.post_message(self.SwitchSibling(self.message_id, step))

    def action_fork(self) -> None:
        if self.message_id is not None:
            self.post_message(self.Fork(self.message_id))
