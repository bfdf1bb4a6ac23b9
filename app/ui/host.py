"""For type checkers only: what the main screen's mixins may use of their host screen."""

from __future__ import annotations

from textual.screen import Screen

from app.chat import ChatService
from storage import Message, Store
from widgets.conversation import Conversation
from widgets.prompt_input import PromptInput


class ScreenHost(Screen[None]):
    session_id: str | None
    streaming: bool
    editing: Message | None
    show_archived: bool
    filter_text: str

    @property
    def store(self) -> Store: ...
    @property
    def chat(self) -> ChatService: ...
    @property
    def conversation(self) -> Conversation: ...
    @property
    def prompt_box(self) -> PromptInput: ...

    def refresh_sessions(self) -> None: ...
    async def open_session(self, session_id: str, select: str | None = None) -> None: ...
    async def show_active_thread(self) -> None: ...
    async def action_new_session(self) -> None: ...
    def _busy(self) -> bool: ...
    def _set_streaming(self, streaming: bool) -> None: ...
