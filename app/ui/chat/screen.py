"""The chat screen: sessions on the left, the conversation, the prompt box, the footer.

Message handlers live here and hand the work to the screen's controllers: `answers`
(send, branch, check, ask deep), `sessions` (rename, archive, delete, export) and `attaching`
(the `@` picker, the attachments waiting for the next prompt, the chips on stored prompts).
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, HelpPanel, Input

from app.chat import ACTIVE_LEAF, _ActiveLeaf
from app.ui.chat.answers import AnswerController
from app.ui.chat.attaching import AttachController
from app.ui.chat.deliberate import DeliberateController
from app.ui.chat.meter import MeterController
from app.ui.chat.sessions import SessionController
from app.ui.context import AhaContext
from app.ui.search import SearchScreen
from storage import Message, StorageError
from storage.search_repo import SearchHit
from widgets.attachment_tray import AttachmentTray
from widgets.context_meter import ContextMeter
from widgets.conversation import Conversation
from widgets.message_base import MessageView
from widgets.message_view import AssistantMessage, UserMessage
from widgets.prompt_input import PromptInput
from widgets.session_list import SessionList, SessionSidebar

# The preference naming the session on screen ("" for a new, empty one), reopened at start.
OPEN_SESSION_KEY = "ui.open_session"
# The F4 choice for branches too long for their window ("trim" or "summarise").
OVERFLOW_KEY = "ui.context_overflow"


class MainScreen(Screen[None]):
    CSS_PATH = Path(__file__).parent / "chat.tcss"
    BINDINGS = [
        # Escape means the most useful thing for where you are; check_action picks one.
        Binding("escape", "hide_keys", "Hide keys", id="keys.hide"),
        Binding("escape", "cancel", "Cancel answer", id="conversation.cancel"),
        Binding("escape", "stop_editing", "Stop editing", id="prompt.stop_editing"),
        Binding("escape", "select_message", "Select message", id="conversation.select"),
        Binding("escape", "focus_prompt", "Prompt", id="prompt.back"),
        # priority: run at once, before keys typed after it reach the prompt box (a
        # non-priority binding runs only after the key has bubbled back up, so a quick
        # "Ctrl+N, text, Enter" sent the text to the old session).
        Binding("ctrl+n", "new_session", "New session", id="session.new", priority=True),
        Binding("ctrl+f", "search", "Search", id="search.open"),
        # ctrl+o: the prompt box (a TextArea) binds neither key; ctrl+b is the brainstorm.
        Binding("ctrl+o", "toggle_sidebar", "Sessions", id="session.toggle_sidebar"),
        Binding("ctrl+b", "brainstorm", "Brainstorm", id="brainstorm.open", priority=True),
        Binding("ctrl+s", "current_session('export')", "Export", id="session.export"),
        Binding("ctrl+l", "focus_prompt", "Prompt", id="prompt.focus", show=False),
        # Shown only while the last answer is a weak fast one (app/router/cascade.py).
        Binding("ctrl+g", "ask_deep", "Ask deep", id="answer.ask_deep"),
        # The prompt box's modes (app/ui/chat/deliberate.py), shown on its lower border.
        Binding("f2", "toggle_deliberate", "Deliberate", id="answer.deliberate"),
        Binding("f3", "cycle_deadline", "Deadline", id="answer.deadline"),
        # What a branch too long for its window loses: its oldest turns, or their summary.
        Binding("f4", "toggle_overflow", "Old turns", id="context.overflow"),
        # `@` at the start of a word in the prompt opens the same picker.
        Binding("ctrl+t", "attach", "Attach", id="prompt.attach"),
        Binding("ctrl+r", "detach", "Detach", id="prompt.detach"),
    ]

    def __init__(self, ctx: AhaContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.store = ctx.store
        self.chat = ctx.chat
        self.answers = AnswerController(self)
        self.deliberate = DeliberateController(self, self.answers)
        self.sessions = SessionController(self)
        self.attaching = AttachController(self)
        self.meter = MeterController(self)
        self.session_id: str | None = None
        self.streaming = False
        self.editing: Message | None = None
        self.show_archived = False
        self.filter_text = ""

    @property
    def conversation(self) -> Conversation:
        return self.query_one(Conversation)

    @property
    def prompt_box(self) -> PromptInput:
        return self.query_one(PromptInput)

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="body"):
            yield SessionSidebar(id="sidebar")
            with Vertical(id="main"):
                yield Conversation(id="conversation")
                yield AttachmentTray(id="attachments")
                yield PromptInput(id="prompt")
                yield ContextMeter(id="context-meter")
        yield Footer()

    async def on_mount(self) -> None:
        """Reopen what was on screen when aha last quit (a session, or a new empty one);
        the most recent session when nothing was recorded or that one is gone."""
        self.conversation.chips_source = self.attaching.chips_for
        overflow = self.store.get_preference(OVERFLOW_KEY)
        if overflow == "summarise":
            self.ctx.settings.context.overflow = "summarise"
        elif overflow == "trim":
            self.ctx.settings.context.overflow = "trim"
        remembered = self.store.get_preference(OPEN_SESSION_KEY)
        sessions = self.store.list_sessions()
        if remembered and self.store.get_session(remembered) is not None:
            await self.open_session(remembered)
        elif sessions and remembered != "":
            await self.open_session(sessions[0].id)
        else:
            await self.conversation.show_thread([])
            self.refresh_sessions()
        self.show_modes()
        # Right after the first frame (the router and a thread read stay off it).
        self.call_after_refresh(self.meter.update)
        self.prompt_box.focus()

    def remember_open_session(self) -> None:
        """Best effort: a full or read-only disk must not stop a session from opening."""
        try:
            self.store.set_preference(OPEN_SESSION_KEY, self.session_id or "")
        except StorageError:
            pass

    # Sessions -------------------------------------------------------------------------------

    def refresh_sessions(self) -> None:
        sessions = self.store.list_sessions(
            include_archived=self.show_archived, filter_text=self.filter_text or None
        )
        self.query_one(SessionList).show_sessions(sessions, self.session_id)
        session = self.store.get_session(self.session_id) if self.session_id else None
        self.sub_title = session.title if session and session.title else "new session"

    async def open_session(self, session_id: str, select: str | None = None) -> None:
        """Show a session's active thread; `select` focuses and highlights one message."""
        self.session_id = session_id
        self.remember_open_session()
        self._stop_editing()
        await self.show_active_thread()
        self.refresh_sessions()
        self.meter.schedule()
        if select is not None:
            # After the next refresh: the thread's answers are laid out by then (Markdown
            # takes a frame), so the hit is scrolled to where it really is, not to 0.
            self.call_after_refresh(self.conversation.select, select, True)

    async def show_active_thread(self) -> None:
        if self.session_id is None:
            await self.conversation.show_thread([])
            return
        await self.conversation.show_thread(
            self.store.active_thread(self.session_id),
            self.store.sibling_positions(self.session_id),
        )

    def busy(self) -> bool:
        if self.streaming:
            self.notify("An answer is streaming: Escape cancels it.", severity="warning")
        return self.streaming

    @on(SessionList.SessionSelected)
    async def session_selected(self, event: SessionList.SessionSelected) -> None:
        if not self.busy() and event.session_id != self.session_id:
            await self.open_session(event.session_id)
        self.prompt_box.focus()

    @on(SessionSidebar.FilterChanged)
    def filter_changed(self, event: SessionSidebar.FilterChanged) -> None:
        self.filter_text = event.text
        self.refresh_sessions()

    async def action_new_session(self) -> None:
        if self.busy():
            return
        self.session_id = None
        self.remember_open_session()
        self._stop_editing()
        await self.conversation.show_thread([])
        self.refresh_sessions()
        self.meter.schedule()
        self.prompt_box.focus()

    async def action_current_session(self, action: str) -> None:
        """Act on the open session (from a key or the command palette)."""
        if self.session_id is None:
            self.notify("No session yet: send a prompt first.", severity="warning")
            return
        await self.sessions.act(action, self.session_id)

    def action_brainstorm(self) -> None:
        """The open session's brainstorm, or the list of brainstorms (a new one first)."""
        if not self.busy():
            self.ctx.nav.brainstorm_menu(self.session_id)

    def action_toggle_sidebar(self) -> None:
        """Ctrl+O reaches the session list from anywhere: shown and focused; pressed again
        while the list has the focus, hidden, and the prompt box takes the focus back."""
        sidebar = self.query_one(SessionSidebar)
        sessions = sidebar.query_one(SessionList)
        if sidebar.display and self.focused is sessions:
            sidebar.display = False
            self.prompt_box.focus()
            return
        sidebar.display = True
        sessions.focus()
        if sessions.highlighted is None and sessions.option_count:
            sessions.highlighted = 0

    # Search ---------------------------------------------------------------------------------

    def action_search(self) -> None:
        if not self.busy():
            self.app.push_screen(SearchScreen(self.ctx), self._open_hit)

    async def _open_hit(self, hit: SearchHit | None) -> None:
        """Open the hit's session on the hit's branch, with the message highlighted."""
        if hit is None:
            return
        self.store.set_active_leaf(hit.session_id, self.store.latest_leaf(hit.message_id))
        await self.open_session(hit.session_id, select=hit.message_id)

    # Focus and Escape -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        focused = self.focused
        if action == "hide_keys":
            return bool(self.query(HelpPanel))
        if action == "cancel":
            return self.streaming
        if action == "stop_editing":
            return not self.streaming and self.editing is not None
        if action == "select_message":
            return (
                not self.streaming
                and self.editing is None
                and isinstance(focused, PromptInput)
                and bool(self.conversation.views)
            )
        if action == "ask_deep":
            last = self._last_answer()
            return (
                not self.streaming
                and self.ctx.settings.router.escalate == "ask"
                and last is not None
                and last.offers_deep
            )
        if action == "detach":
            return self.attaching.waiting()
        if action == "focus_prompt" and parameters == ():
            return not isinstance(focused, PromptInput | Input)
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def set_streaming(self, streaming: bool) -> None:
        self.streaming = streaming
        self.refresh_bindings()
        self.meter.schedule()  # an answer began or ended: the branch is longer

    @on(PromptInput.Changed, "#prompt")
    def _prompt_changed(self) -> None:
        self.meter.schedule()

    def action_focus_prompt(self) -> None:
        self.prompt_box.focus()

    def action_hide_keys(self) -> None:
        """Escape closes the keys panel first (it used to select a message behind it)."""
        self.app.action_hide_help_panel()

    def action_select_message(self) -> None:
        self.conversation.select()

    def action_stop_editing(self) -> None:
        self._stop_editing()

    def _stop_editing(self) -> None:
        if self.editing is not None:
            self.editing = None
            self.attaching.end_edit()  # the edited prompt's attachments stay on the original
            self.meter.schedule()
            self.prompt_box.border_title = None
            self.refresh_bindings()

    def _last_answer(self) -> AssistantMessage | None:
        return self.conversation.last_answer()  # None while the newest is not mounted

    async def action_ask_deep(self) -> None:
        last = self._last_answer()
        if last is not None and last.message_id is not None:
            await self.answers.ask_deep(last.message_id)

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "stream")

    # Prompts --------------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def prompt_submitted(self, event: PromptInput.Submitted) -> None:
        if self.busy():
            return  # the text stays in the box: nothing typed is lost
        if self.attaching.loading:
            self.notify("Still reading an attachment: send again in a moment.", timeout=4)
            return  # the text stays, and the file joins this prompt once read
        event.prompt_input.clear()
        attachments = self.attaching.take()
        parent: str | None | _ActiveLeaf = ACTIVE_LEAF
        if self.editing is not None:
            # An edit is a sibling of the edited prompt: show the thread above it, branch there.
            edited_parent = self.editing.parent_id
            parent = edited_parent
            await self.conversation.show_thread(
                self.store.thread(edited_parent) if edited_parent else []
            )
            self._stop_editing()
        self.answers.start_answer(self.deliberate.prompt(event.text, parent, attachments))

    # Attachments: the picker and the tray above the prompt box --------------------------------

    def on_prompt_input_attach_requested(self, event: PromptInput.AttachRequested) -> None:
        self.attaching.open_picker(typed_at=True)

    def action_attach(self) -> None:
        self.attaching.open_picker()

    def action_detach(self) -> None:
        self.attaching.remove_last()

    # The prompt box's modes: deliberate (samples on every answer) and a deadline ----------------

    def show_modes(self) -> None:
        self.prompt_box.border_subtitle = self.deliberate.label() or None

    def action_toggle_deliberate(self) -> None:
        self.notify(self.deliberate.toggle_deliberate(), timeout=4)
        self.show_modes()

    def action_toggle_overflow(self) -> None:
        context = self.ctx.settings.context
        context.overflow = "trim" if context.overflow == "summarise" else "summarise"
        try:
            self.store.set_preference(OVERFLOW_KEY, context.overflow)
        except StorageError:
            pass  # a read-only database keeps the choice for this run only
        if context.overflow == "summarise":
            line = "Too long a branch: the fast model summarises its oldest turns (stored)"
        else:
            line = "Too long a branch: its oldest turns are left out"
        self.notify(line, timeout=4)
        self.meter.schedule()

    def action_cycle_deadline(self) -> None:
        self.notify(self.deliberate.cycle_deadline(), timeout=4)
        self.show_modes()

    async def send_branch_prompt(self, session_id: str, text: str, parent: str | None) -> None:
        """Open `session_id` and answer `text` as a child of `parent` (a brainstorm idea
        developed as a branch of the stage prompt that produced it)."""
        if self.busy():
            return
        await self.open_session(session_id)
        # Show the thread the new prompt continues (it branches off above the active leaf).
        thread = self.store.thread(parent) if parent else []
        await self.conversation.show_thread(thread, self.store.sibling_positions(session_id))
        self.answers.start_answer(self.answers.prompt_answer(text, parent))

    @on(MessageView.Navigate)
    def _navigate_off_the_end(self, event: MessageView.Navigate) -> None:
        """Down from the last message goes back to the prompt box."""
        views = self.conversation.views
        if event.step > 0 and views and event.view is views[-1]:
            self.prompt_box.focus()

    # What the views ask for: handed to the controllers ---------------------------------------

    async def on_session_list_action_requested(self, event: SessionList.ActionRequested) -> None:
        await self.sessions.act(event.action, event.session_id)

    def on_assistant_message_check(self, event: AssistantMessage.Check) -> None:
        self.answers.check(event.message_id)

    def on_assistant_message_agree(self, event: AssistantMessage.Agree) -> None:
        self.deliberate.agree(event.message_id)

    def on_assistant_message_revise(self, event: AssistantMessage.Revise) -> None:
        self.deliberate.revise(event.message_id)

    def on_assistant_message_check_output(self, event: AssistantMessage.CheckOutput) -> None:
        self.answers.show_check_output(event.message_id)

    async def on_assistant_message_ask_deep(self, event: AssistantMessage.AskDeep) -> None:
        await self.answers.ask_deep(event.message_id)

    def on_assistant_message_overkill(self, event: AssistantMessage.Overkill) -> None:
        self.answers.mark_overkill(event.message_id)

    async def on_assistant_message_regenerate(self, event: AssistantMessage.Regenerate) -> None:
        await self.answers.answer_again(event.message_id, event.other_route, continue_it=False)

    async def on_assistant_message_continue(self, event: AssistantMessage.Continue) -> None:
        await self.answers.answer_again(event.message_id, other_route=False, continue_it=True)

    def on_user_message_edit(self, event: UserMessage.Edit) -> None:
        self.answers.edit(event.message_id, event.text)

    async def on_message_view_switch_sibling(self, event: MessageView.SwitchSibling) -> None:
        await self.answers.switch_sibling(event.message_id, event.step)

    async def on_message_view_fork(self, event: MessageView.Fork) -> None:
        await self.answers.fork(event.message_id)
