"""The main screen: sessions on the left, the conversation, the prompt box, the footer."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header

from app.backend.events import Content, Thinking
from app.chat import ChatService, Turn
from storage import MessageStatus, Store
from widgets.conversation import Conversation
from widgets.message_view import AssistantMessage
from widgets.prompt_input import PromptInput
from widgets.session_list import SessionList


class MainScreen(Screen[None]):
    CSS_PATH = Path(__file__).parent / "main_screen.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel answer", id="conversation.cancel"),
        Binding("ctrl+n", "new_session", "New session", id="session.new"),
        Binding("ctrl+b", "toggle_sidebar", "Sessions", id="session.toggle_sidebar"),
        Binding("ctrl+l", "focus_prompt", "Prompt", id="prompt.focus", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.session_id: str | None = None
        self.streaming = False

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined,no-any-return]

    @property
    def chat(self) -> ChatService:
        return self.app.chat  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="body"):
            yield SessionList(id="sessions")
            with Vertical(id="main"):
                yield Conversation(id="conversation")
                yield PromptInput(id="prompt")
        yield Footer()

    async def on_mount(self) -> None:
        sessions = self.store.list_sessions()
        if sessions:
            await self.open_session(sessions[0].id)
        else:
            await self.query_one(Conversation).show_thread([])
            self.refresh_sessions()
        self.query_one(PromptInput).focus()

    # Sessions -------------------------------------------------------------------------------

    def refresh_sessions(self) -> None:
        self.query_one(SessionList).show_sessions(self.store.list_sessions(), self.session_id)
        session = self.store.get_session(self.session_id) if self.session_id else None
        self.sub_title = session.title if session and session.title else "new session"

    async def open_session(self, session_id: str) -> None:
        self.session_id = session_id
        await self.query_one(Conversation).show_thread(self.store.active_thread(session_id))
        self.refresh_sessions()

    def _busy(self) -> bool:
        if self.streaming:
            self.notify("An answer is streaming: Escape cancels it.", severity="warning")
        return self.streaming

    @on(SessionList.SessionSelected)
    async def session_selected(self, event: SessionList.SessionSelected) -> None:
        if not self._busy() and event.session_id != self.session_id:
            await self.open_session(event.session_id)
        self.query_one(PromptInput).focus()

    async def action_new_session(self) -> None:
        if self._busy():
            return
        self.session_id = None
        await self.query_one(Conversation).show_thread([])
        self.refresh_sessions()
        self.query_one(PromptInput).focus()

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(SessionList)
        sidebar.display = not sidebar.display

    def action_focus_prompt(self) -> None:
        self.query_one(PromptInput).focus()

    # Prompts --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.streaming  # shown in the footer only while an answer streams
        return True

    def _set_streaming(self, streaming: bool) -> None:
        self.streaming = streaming
        self.refresh_bindings()

    @on(PromptInput.Submitted)
    def prompt_submitted(self, event: PromptInput.Submitted) -> None:
        if self._busy():
            return  # the text stays in the box: nothing typed is lost
        event.prompt_input.clear()
        self._set_streaming(True)
        self.run_worker(
            self._answer(event.text), group="stream", exclusive=True, exit_on_error=False
        )

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "stream")

    async def _answer(self, prompt: str) -> None:
        conversation = self.query_one(Conversation)
        turn: Turn | None = None
        view: AssistantMessage | None = None
        try:
            if self.session_id is None:
                self.session_id = self.store.create_session().id
            await conversation.add_user(prompt)
            turn = await self.chat.begin_turn(self.session_id, prompt)
            self.refresh_sessions()
            decision = turn.decision
            view = AssistantMessage(
                turn.route,
                turn.assistant.model or "",
                decision.reasons,
                decision.score,
                turn.note,
                message_id=turn.assistant.id,
            )
            await conversation.add_assistant(view)
            # aclosing: a cancel that lands while a widget is updating (outside the stream) still
            # ends the stream now, so its partial text is stored before the view is finished.
            async with aclosing(self.chat.stream_turn(turn)) as events:
                async for event in events:
                    if isinstance(event, Content):
                        await view.append(event.text)
                    elif isinstance(event, Thinking):
                        await view.append_thinking(event.text)
        except asyncio.CancelledError:
            if turn is not None and turn.final is None:
                turn.final = self.store.finish_assistant(
                    turn.assistant.id, MessageStatus.CANCELLED, ""
                )
            raise
        finally:
            if view is not None and turn is not None:
                await view.finish(turn.final)
            self._set_streaming(False)
            self.refresh_sessions()
