"""The conversation pane: the active thread of a session, newest at the bottom."""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.widgets import Static

from storage import Message
from widgets.message_view import AssistantMessage, UserMessage

EMPTY_HINT = (
    "Ask anything. Easy prompts go to the fast model, hard ones to the deep route;\n"
    "each answer shows which, and why.   Enter sends · Ctrl+J newline · Ctrl+N new session"
)


class Conversation(VerticalScroll):
    DEFAULT_CSS = """
    Conversation {
        height: 1fr;
        padding: 0 1;
    }
    Conversation > .empty-hint {
        color: $text-muted;
        margin: 1 0;
    }
    """

    def on_mount(self) -> None:
        self.anchor()

    async def show_thread(self, messages: Sequence[Message]) -> None:
        """Replace what is shown with `messages` (root first)."""
        await self.remove_children()
        views = [self._view_for(m) for m in messages]
        if not views:
            views = [Static(EMPTY_HINT, classes="empty-hint", markup=False)]
        await self.mount_all(views)
        self.scroll_end(animate=False)
        self.anchor()

    @staticmethod
    def _view_for(message: Message) -> UserMessage | AssistantMessage:
        if message.role == "user":
            return UserMessage(message.content, message.id)
        return AssistantMessage.from_message(message)

    async def add_user(self, text: str) -> UserMessage:
        await self.query(".empty-hint").remove()
        view = UserMessage(text)
        await self.mount(view)
        self.anchor()
        return view

    async def add_assistant(self, view: AssistantMessage) -> AssistantMessage:
        await self.mount(view)
        self.anchor()
        return view
