"""The conversation pane: the active thread of a session, newest at the bottom."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual import on
from textual.containers import VerticalScroll
from textual.widgets import Static

from storage import Message
from widgets.message_base import MessageView
from widgets.message_view import AssistantMessage, UserMessage

EMPTY_HINT = (
    "Ask anything. Easy prompts go to the fast model, hard ones to the deep route;\n"
    "each answer shows which, and why.   Enter sends · Ctrl+J newline · Ctrl+N new session\n"
    "Esc selects a message: e edit · r regenerate · f fork · ←/→ switch branch"
)


class Conversation(VerticalScroll, can_focus=False):
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

    @property
    def views(self) -> list[MessageView]:
        return list(self.query_children(MessageView))

    async def show_thread(
        self,
        messages: Sequence[Message],
        siblings: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        """Replace what is shown with `messages` (root first)."""
        await self.remove_children()
        views: list[MessageView | Static] = [self._view_for(m) for m in messages]
        if not views:
            views = [Static(EMPTY_HINT, classes="empty-hint", markup=False)]
        await self.mount_all(views)
        if siblings:
            self.update_siblings(siblings)
        self.scroll_end(animate=False)
        self.anchor()

    def update_siblings(self, siblings: Mapping[str, tuple[int, int]]) -> None:
        for view in self.views:
            if view.message_id in siblings:
                view.set_siblings(*siblings[view.message_id])

    @staticmethod
    def _view_for(message: Message) -> MessageView:
        if message.role == "user":
            return UserMessage(message.content, message.id)
        return AssistantMessage.from_message(message)

    def view_of(self, message_id: str) -> MessageView | None:
        return next((v for v in self.views if v.message_id == message_id), None)

    def select(self, message_id: str | None = None, highlight: bool = False) -> bool:
        """Focus a message (the last one when no id is given) and bring it into view."""
        views = self.views
        view = self.view_of(message_id) if message_id else (views[-1] if views else None)
        if view is None:
            return False
        for other in views:
            other.remove_class("-highlight")
        view.set_class(highlight, "-highlight")
        self.release_anchor()
        view.focus(scroll_visible=False)
        self.scroll_to_widget(view, animate=False, top=highlight)
        return True

    @on(MessageView.Navigate)
    def _navigate(self, event: MessageView.Navigate) -> None:
        """Move the selection; past either end the message bubbles up to the screen."""
        views = self.views
        if event.view not in views:
            return
        index = views.index(event.view) + event.step
        if 0 <= index < len(views):
            event.stop()
            self.release_anchor()
            views[index].focus(scroll_visible=False)
            self.scroll_to_widget(views[index], animate=False)

    async def add_user(self, text: str, message_id: str | None = None) -> UserMessage:
        await self.query(".empty-hint").remove()
        view = UserMessage(text, message_id)
        await self.mount(view)
        self.anchor()
        return view

    async def add_assistant(self, view: AssistantMessage) -> AssistantMessage:
        await self.mount(view)
        self.anchor()
        return view
