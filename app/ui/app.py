"""The aha Textual application."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

import storage.db as storage_db
from app import paths, signals
from app.backend.preload import preload_fast_model
from app.brainstorm.service import BrainstormService
from app.chat import ChatService
from app.config import Settings
from app.ui.brainstorm import BrainstormScreen, brainstorm_menu
from app.ui.chat import MainScreen
from app.ui.context import AhaContext
from app.ui.drafts import DraftsScreen, answer_to_draft, draft_commands
from app.ui.usage import choose_deep_model, show_session_usage
from storage import Store
from themes import DEFAULT_THEME, VARIABLE_DEFAULTS, register_themes
from widgets.markdown import use_fast_markdown
from widgets.message_view import AssistantMessage

SESSION_COMMANDS = (
    ("export", "Export session", "Write the open session as Markdown or JSON (ctrl+s)"),
    ("rename", "Rename session", "Give the open session a new title"),
    (
        "archive",
        "Archive or unarchive session",
        "Hide the open session from the list, or restore it",
    ),
    ("delete", "Delete session", "Delete the open session and all its messages (asks first)"),
    ("show_archived", "Show or hide archived sessions", "Toggle archived sessions in the list"),
)
# Give the first frame a moment before the model loads in the background.
PRELOAD_DELAY_S = 0.3
# After SIGTERM or SIGHUP, how long a clean exit may take before the process just ends.
EXIT_BACKSTOP_S = 5.0


class AhaApp(App[None]):
    TITLE = "aha"
    # Absolute, so subclasses defined elsewhere (tests, bench) still find it.
    CSS_PATH = Path(__file__).parent / "aha.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        # priority: the prompt box and the drafts editor bind ctrl+d to delete-right.
        Binding("ctrl+d", "open_drafts", "Drafts", id="drafts.open", priority=True),
        Binding("ctrl+d", "close_drafts", "Chat", id="drafts.close", priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        database_path: Path | str | None = None,
        theme: str | None = None,
        initial_draft: str | None = None,
        initial_brainstorm: str | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        if settings.keymap:
            self.set_keymap(dict(settings.keymap))  # [keymap]: binding ids to the user's keys
        # `aha draft open ID` starts on the drafts screen; ctrl+d comes back to the last draft.
        self.initial_draft = initial_draft
        # `aha brainstorm "problem"` starts on a new brainstorm (a session id).
        self.initial_brainstorm = initial_brainstorm
        self.database_path = database_path or paths.database_path()
        self.requested_theme = theme or settings.ui.theme
        use_fast_markdown(settings.ui.fast_markdown)  # else, or on another Textual: stock
        # Built in on_mount, once the database is open; every screen is handed it.
        self.context: AhaContext

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def chat(self) -> ChatService:
        return self.context.chat

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Keys and their ids",
            "Every key aha binds, with the id [keymap] remaps it by",
            self.action_show_keymap,
        )
        if isinstance(screen, DraftsScreen):
            yield from draft_commands(screen)
            yield SystemCommand(
                "Back to conversations", "Leave the drafts (ctrl+d)", self.pop_screen
            )
        if not isinstance(screen, MainScreen):
            return
        yield SystemCommand(
            "Drafts",
            "Write blog posts with a live outline and structure critique (ctrl+d)",
            self.action_open_drafts,
        )
        yield SystemCommand(
            "Search conversations", "Full-text search (ctrl+f)", screen.action_search
        )
        yield SystemCommand(
            "New session", "Start an empty session (ctrl+n)", screen.action_new_session
        )
        yield SystemCommand(
            "Brainstorm",
            "Frame an ML problem, collect ideas, critique them, plan experiments (ctrl+b)",
            screen.action_brainstorm,
        )
        for action, title, help_text in SESSION_COMMANDS:
            yield SystemCommand(title, help_text, partial(screen.action_current_session, action))
        yield SystemCommand(
            "Choose deep model",
            "Find servers on 127.0.0.1 and pick the deep route's model",
            partial(choose_deep_model, self, self.context),
        )
        yield SystemCommand(
            "Session usage",
            "Tokens, speed, time to first token and cost of the open session",
            lambda: show_session_usage(self, self.context, screen.session_id),
        )

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        self._end_on_signals()
        register_themes(self)
        if self.requested_theme in self.available_themes:
            self.theme = self.requested_theme
        else:
            self.theme = DEFAULT_THEME
            self.notify(
                f"Unknown theme {self.requested_theme!r}; using {DEFAULT_THEME}.",
                severity="warning",
            )
        # A write waiting on another process's lock says so here, not on the raw terminal.
        storage_db.lock_notice = self._notify_waiting
        store = Store.open(self.database_path)
        recovered = store.recover_interrupted()
        # Critiques carry no owner pid; one left streaming for minutes lost its writer.
        store.recover_critiques()
        chat = ChatService(store, self.settings)
        self.context = AhaContext(
            self.settings, store, chat, BrainstormService(store, chat), self, self.initial_draft
        )
        self.push_screen(MainScreen(self.context))
        if self.initial_draft is not None:
            self.push_screen(DraftsScreen(self.context, self.initial_draft))
        if self.initial_brainstorm is not None:
            self.open_brainstorm(self.initial_brainstorm)
        if recovered:
            self.notify(
                f"{recovered} answer(s) were cut off when aha last stopped; "
                "their text is kept, marked interrupted."
            )
        if self.settings.ui.preload_model:
            # Counted from the first frame, so the model's import never races the first paint.
            self.call_after_refresh(self.set_timer, PRELOAD_DELAY_S, self._start_preload)

    def _end_on_signals(self) -> None:
        """SIGTERM or SIGHUP (the terminal closed): exit as Ctrl+Q does, so the answer in
        flight is cancelled through its worker and stored `interrupted` at once."""
        loop = asyncio.get_running_loop()

        def ended(signum: int) -> None:
            signals.note(signum)
            self.exit(return_code=signals.exit_status())
            # The terminal may be gone (SIGHUP): if a clean exit is held up (a model still
            # loading in a worker thread), end anyway; the answer was stored on the way out.
            backstop = threading.Timer(EXIT_BACKSTOP_S, os._exit, (signals.exit_status(),))
            backstop.daemon = True
            backstop.start()

        for signum in signals.ENDING_SIGNALS:
            try:
                loop.add_signal_handler(signum, ended, signum)
            except (NotImplementedError, RuntimeError, ValueError):
                return  # not the main thread (tests) or no signals here: default behaviour

    def _notify_waiting(self, line: str) -> None:
        if threading.current_thread() is threading.main_thread():
            self.notify(line + "…", severity="warning")
        else:
            self.call_from_thread(self.notify, line + "…", severity="warning")

    def _start_preload(self) -> None:
        """Load the embedded model off the UI thread so the first answer doesn't wait for it."""
        self.run_worker(
            partial(preload_fast_model, self.settings),
            thread=True,
            group="preload",
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place where a failed worker becomes a notification instead of a crash."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.notify(f"{type(error).__name__}: {error}", title="Error", severity="error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_drafts":
            return isinstance(self.screen, MainScreen)
        if action == "close_drafts":
            return isinstance(self.screen, DraftsScreen)
        return True

    def action_show_keymap(self) -> None:
        self.push_screen(_keys_screen(dict(self.settings.keymap)))

    def action_open_drafts(self) -> None:
        if isinstance(self.screen, MainScreen):
            self.open_draft(self.context.last_draft_id)

    def action_close_drafts(self) -> None:
        if isinstance(self.screen, DraftsScreen):
            self.pop_screen()  # the screen saves the draft as it goes

    def on_assistant_message_to_draft(self, event: AssistantMessage.ToDraft) -> None:
        answer_to_draft(self.context, self, event.message_id, event.view)

    # Navigation (app.ui.context.Navigator): screens never import each other ----------------

    def _main_screen(self) -> MainScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)

    async def _back_to_main(self) -> MainScreen | None:
        """Close every screen above the chat screen (each saves what it holds as it goes)."""
        main = self._main_screen()
        if main is not None:
            while self.screen is not main:
                self.pop_screen()
        return main

    def chat_busy(self) -> bool:
        main = self._main_screen()
        return main is not None and main.streaming

    async def open_session(self, session_id: str | None, message: str | None = None) -> None:
        main = await self._back_to_main()
        if main is None:
            return
        if session_id is None:
            await main.action_new_session()
        else:
            await main.open_session(session_id, select=message)

    async def send_prompt(self, session_id: str, text: str, parent: str | None) -> None:
        main = await self._back_to_main()
        if main is not None:
            await main.send_branch_prompt(session_id, text, parent)

    async def discuss(self, prompt: str) -> bool:
        if self.chat_busy():
            return False
        main = await self._back_to_main()
        if main is None:
            return False
        await main.action_new_session()
        main.prompt_box.load_text(prompt)
        main.prompt_box.move_cursor(main.prompt_box.document.end)
        main.prompt_box.focus()
        return True

    def open_draft(self, draft_id: str | None) -> None:
        if draft_id is not None:
            self.context.last_draft_id = draft_id
        if isinstance(self.screen, DraftsScreen):
            self.screen.run_worker(self.screen.open_draft(draft_id), exit_on_error=False)
            return
        self.push_screen(DraftsScreen(self.context, draft_id))

    def open_brainstorm(self, session_id: str) -> None:
        self.push_screen(BrainstormScreen(self.context, session_id))

    def brainstorm_menu(self, current_session: str | None) -> None:
        brainstorm_menu(self.context, self, current_session)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in signals.ENDING_SIGNALS:
            try:
                loop.remove_signal_handler(signum)
            except (NotImplementedError, RuntimeError, ValueError):
                break
        context: AhaContext | None = getattr(self, "context", None)
        if context is not None:
            context.store.close()


def _keys_screen(keymap: dict[str, str]) -> Screen[None]:
    from app.ui.keys_screen import KeysScreen

    return KeysScreen(keymap)


def run_tui(
    settings: Settings,
    theme: str | None = None,
    initial_draft: str | None = None,
    initial_brainstorm: str | None = None,
) -> int:
    if settings.keymap:  # a typo in [keymap] is one line, not a key that silently does nothing
        import sys

        from app.config import config_place
        from app.ui.keymap import keymap_problem

        problem = keymap_problem(settings.keymap)
        if problem is not None:
            binding_id, why = problem
            place = config_place(("keymap", binding_id))
            print(f"aha: config error: {place}: keymap.{binding_id}: {why}", file=sys.stderr)
            return 2
    # Opened once before the first frame: a locked, damaged, newer or unwritable database is
    # one line on the terminal (StorageError, printed by the command line), not a crash screen.
    Store.open(paths.database_path()).close()
    app = AhaApp(
        settings, theme=theme, initial_draft=initial_draft, initial_brainstorm=initial_brainstorm
    )
    app.run()
    return app.return_code or 0
