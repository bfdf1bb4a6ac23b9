"""What every screen works with, built once by the App at start and handed to each screen.

Screens reach the store, the services and the settings through `AhaContext` with their types
known, instead of through attributes of an untyped App. Moving between screens goes through
`Navigator` (the App implements it), so no screen imports another screen's package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.brainstorm.service import BrainstormService
from app.chat import ChatService
from app.config import Settings
from storage import Store


class Navigator(Protocol):
    """The moves between screens; each screen package asks for them, the App makes them."""

    async def open_session(self, session_id: str | None, message: str | None = None) -> None:
        """The chat screen on a session (None: a new, empty one); `message` highlighted."""

    async def send_prompt(self, session_id: str, text: str, parent: str | None) -> None:
        """The chat screen on `session_id`, answering `text` as a child of `parent`."""

    async def discuss(self, prompt: str) -> bool:
        """The chat screen on a new session with `prompt` waiting in the prompt box; False
        when the chat screen is busy streaming (nothing changes then)."""

    def chat_busy(self) -> bool:
        """Whether the chat screen is streaming an answer."""

    def open_draft(self, draft_id: str | None) -> None:
        """The drafts screen on a draft (None: the last one, or a new one)."""

    def open_brainstorm(self, session_id: str) -> None:
        """The brainstorm screen on a brainstorm (a session id)."""

    def brainstorm_menu(self, current_session: str | None) -> None:
        """The open session's brainstorm, or the picker of brainstorms."""


@dataclass
class AhaContext:
    settings: Settings
    store: Store
    chat: ChatService
    brainstorms: BrainstormService
    nav: Navigator
    # The draft Ctrl+D comes back to: the one last opened, written to or found.
    last_draft_id: str | None = None
