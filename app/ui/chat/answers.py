"""Answers and branches on the chat screen: send, edit, regenerate, continue, fork, switch,
check, ask deep. A controller the screen owns; the screen's message handlers call it.

Every change to the tree goes through the chat service or the store; the views only redraw.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from app.chat import ChatService, Turn, _ActiveLeaf
from app.ui.answer_stream import stream_into
from storage import Message, MessageStatus, StorageError, Store
from storage.attachments_repo import AttachmentLike
from widgets.attachment_tray import chip_text
from widgets.message_view import AssistantMessage

if TYPE_CHECKING:
    from app.ui.chat.screen import MainScreen

OTHER_ROUTE = {"fast": "deep", "deep": "fast"}

# Stores and routes a new prompt: (session id, prompt, parent, attachments) -> the turn.
TurnStarter = Callable[
    [str, str, "str | None | _ActiveLeaf", Sequence[AttachmentLike]], Awaitable[Turn]
]


class _NotSaved(Exception):
    """The prompt could not be stored; it is back in the prompt box and the user was told."""


class AnswerController:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.store: Store = screen.ctx.store
        self.chat: ChatService = screen.ctx.chat

    # Running an answer ----------------------------------------------------------------------

    def start_answer(self, work: Awaitable[object]) -> None:
        self.screen.set_streaming(True)
        self.screen.run_worker(work, group="stream", exclusive=True, exit_on_error=False)

    async def prompt_answer(
        self,
        prompt: str,
        parent: str | None | _ActiveLeaf,
        start: TurnStarter | None = None,
        escalate: bool = True,
        attachments: Sequence[AttachmentLike] = (),
    ) -> Turn | None:
        """A new prompt: as a follow-up (parent = active leaf) or an edit (a sibling), with
        the attachments sent before it. `start` stores and routes it
        (`ChatService.begin_turn` unless a mode says otherwise); the turn, once streamed, or
        None when the prompt could not be stored."""
        store = self.store
        try:
            if self.screen.session_id is None:
                self.screen.session_id = store.create_session().id
                self.screen.remember_open_session()
        except StorageError as exc:
            self._keep_unsaved(prompt, exc, attachments)
            return None
        session_id = self.screen.session_id
        chips = [chip_text(a) for a in attachments]
        view = await self.screen.conversation.add_user(prompt, chips=chips)
        starter = start or self._begin_turn

        async def begin() -> Turn:
            try:
                turn: Turn = await starter(session_id, prompt, parent, attachments)
            except StorageError as exc:
                await view.remove()  # it was never stored: do not show it as if it were
                self._keep_unsaved(prompt, exc, attachments)
                raise _NotSaved from None
            view.message_id = turn.user.id
            return turn

        return await self.run_turn(begin, escalate)

    async def _begin_turn(
        self,
        session_id: str,
        prompt: str,
        parent: str | None | _ActiveLeaf,
        attachments: Sequence[AttachmentLike] = (),
    ) -> Turn:
        return await self.chat.begin_turn(
            session_id, prompt, parent_id=parent, attachments=attachments
        )

    def _keep_unsaved(
        self, prompt: str, exc: StorageError, attachments: Sequence[AttachmentLike] = ()
    ) -> None:
        """A prompt the database refused goes back into the prompt box (unless something new
        was typed there meanwhile), its attachments back into the tray, and the reason is
        shown: nothing typed is lost."""
        box = self.screen.prompt_box
        if not box.text.strip():
            box.text = prompt
            self.screen.attaching.give_back(attachments)
        self.screen.notify(f"Not saved: {exc}", title="Database", severity="error", timeout=15)

    async def run_turn(
        self, begin: Callable[[], Awaitable[Turn]], escalate: bool = True
    ) -> Turn | None:
        """Start a turn, stream it into a new answer view, and leave the tree consistent
        whatever happens (completion, failure, or Escape at any point); the turn streamed
        (None when it never began or the database refused it)."""
        conversation = self.screen.conversation
        turn: Turn | None = None
        view: AssistantMessage | None = None
        try:
            try:
                turn = await begin()
            except _NotSaved:
                return None
            # The chat service finishes the row whatever ends this block (Escape included).
            async with self.chat.running(turn):
                self.screen.refresh_sessions()
                decision = turn.decision
                view = AssistantMessage(
                    turn.route,
                    turn.assistant.model or "",
                    decision.reasons,
                    decision.score,
                    turn.note,
                    content=turn.prefix,
                    message_id=turn.assistant.id,
                )
                await conversation.add_assistant(view)
                await stream_into(view, self.chat, turn)
        except StorageError as exc:
            # The answer is on screen; the database could not take (all of) it.
            self.screen.notify(f"Answer not fully saved: {exc}", title="Database", severity="error")
            return None
        finally:
            if view is not None and turn is not None:
                await view.finish(turn.final)
            if self.screen.session_id is not None:
                conversation.update_siblings(self.store.sibling_positions(self.screen.session_id))
            self.screen.set_streaming(False)
            self.screen.refresh_sessions()
        # Completed (not cancelled, not crashed): with escalate = "auto", a weak fast answer
        # is asked again on the deep route at once, as a sibling, in this same worker.
        if not escalate or turn is None or turn.final is None:
            return turn
        auto_check = self.chat.settings.checks.run == "auto" and "```" in turn.final.content
        if auto_check and turn.final.status is MessageStatus.COMPLETE:
            # [checks] run = "auto": an answer with code is checked as soon as it is complete.
            self.screen.set_streaming(True)
            await self._check_answer(turn.final.id)
            return turn
        weak = self.chat.escalation_offer(turn.final)
        if weak and turn.final is not None and self.chat.settings.router.escalate == "auto":
            self.screen.notify(f"fast answer looked weak ({', '.join(weak)}); asking deep")
            self.screen.set_streaming(True)
            await self.escalate(turn.final)
        return turn

    # Checks: an answer's code against its tests, repair rounds --------------------------------

    def check(self, answer_id: str) -> None:
        if not self.screen.busy():
            self.start_answer(self._check_answer(answer_id))

    def show_check_output(self, answer_id: str) -> None:
        checks = self.store.checks_of(answer_id)
        if checks:
            from app.ui.chat.check_output import CheckOutputScreen

            self.screen.app.push_screen(CheckOutputScreen(checks[-1]))

    async def _check_answer(self, answer_id: str) -> None:
        """In the stream worker: check, then repair and escalate as the checker decides;
        each new turn is shown like any answer, each result on its answer's status line."""
        from app.checks.run import BLOCKED
        from app.checks.service import Checker

        answer = self.store.get_message(answer_id)
        if answer is None:
            self.screen.set_streaming(False)
            return

        async def show(turn: Turn, label: str) -> None:
            self.screen.notify(f"Check: {label}…", timeout=4)
            # The request (tests wanted, the failure to fix) is a message of the thread too.
            request = await self.screen.conversation.add_user(turn.user.content)
            request.message_id = turn.user.id

            async def begun() -> Turn:
                return turn

            await self.run_turn(begun, escalate=False)
            self.screen.set_streaming(True)

        try:
            self.screen.notify("Checking the code against its tests in the sandbox…", timeout=4)
            outcome = await Checker(self.chat, show).check(answer)
        finally:
            self.screen.set_streaming(False)
        for check in outcome.rounds:
            view = self.screen.conversation.view_of(check.answer.id)
            if isinstance(view, AssistantMessage):
                view.show_check(check.result.badge)
        if outcome.rounds and outcome.rounds[-1].result.status == BLOCKED:
            self.screen.notify(outcome.rounds[-1].result.output, severity="warning", timeout=10)
        elif outcome.note:
            self.screen.notify(
                outcome.note, severity="warning" if not outcome.passed else "information"
            )
        elif outcome.rounds:
            last = outcome.rounds[-1]
            self.screen.notify(f"{last.result.badge} ({last.answer.route})")

    # Agreement across samples: more answers to the same prompt, the majority shown ---------

    # The cascade: ask a weak fast answer again on the deep route ----------------------------

    async def ask_deep(self, answer_id: str) -> None:
        if self.screen.busy():
            return
        answer = self.store.get_message(answer_id)
        if answer is None or not self.chat.escalation_offer(answer):
            self.screen.notify(
                "Only a weak fast answer is asked again on deep.", severity="warning"
            )
            return
        self.start_answer(self.escalate(answer))

    async def escalate(self, answer: Message) -> None:
        """In the stream worker: a deep sibling of `answer`, or one line saying why not."""
        try:
            problem = await self.chat.escalation_problem(answer)
        except BaseException:
            self.screen.set_streaming(False)
            raise
        if problem is not None:
            self.screen.notify(problem, severity="warning")
            self.screen.set_streaming(False)
            return
        store = self.store
        prompt = store.get_message(answer.parent_id or "")
        assert prompt is not None

        async def begin() -> Turn:
            await self.screen.conversation.show_thread(
                store.thread(prompt.id), store.sibling_positions(prompt.session_id)
            )
            self.screen.prompt_box.focus()  # the weak answer was replaced; type on while it streams
            return await self.chat.escalate(answer)

        await self.run_turn(begin)

    # Feedback: a deep answer that was more than the prompt needed ----------------------------

    def mark_overkill(self, answer_id: str) -> None:
        problem = self.chat.mark_overkill(answer_id)
        if problem is not None:
            self.screen.notify(problem, severity="warning")
            return
        self.screen.notify(
            "Noted: the router will send prompts like this to fast a little more often"
        )

    # Branch actions (asked for by the views' messages) --------------------------------------

    def edit(self, prompt_id: str, text: str) -> None:
        if self.screen.busy():
            return
        self.screen.editing = self.store.get_message(prompt_id)
        self.screen.attaching.keep_for_edit(prompt_id)
        box = self.screen.prompt_box
        box.load_text(text)
        box.border_title = "editing · Enter sends a new branch · Esc keeps the original"
        box.focus()
        box.move_cursor(box.document.end)
        self.screen.refresh_bindings()

    async def answer_again(self, answer_id: str, other_route: bool, continue_it: bool) -> None:
        """A new sibling answer to the same prompt; the old answer stays in its branch."""
        if self.screen.busy():
            return
        store = self.store
        answer = store.get_message(answer_id)
        if answer is None or answer.parent_id is None:
            return
        prompt = store.get_message(answer.parent_id)
        if prompt is None:
            return
        force = OTHER_ROUTE.get(answer.route or "") if other_route else None
        if force is not None:
            # Asked before anything is added: a route that cannot answer gets one line, not
            # an error sibling in the tree.
            available = await self.chat.availability(force)
            if not available.ok:
                self.screen.notify(
                    f"Cannot answer on the {force} route: {available.detail}",
                    severity="warning",
                )
                return
        await self.screen.conversation.show_thread(
            store.thread(prompt.id), store.sibling_positions(prompt.session_id)
        )
        self.screen.prompt_box.focus()  # the selected answer was replaced; type on while it streams

        async def begin() -> Turn:
            return await self.chat.begin_answer(
                prompt, force_route=force, continue_from=answer if continue_it else None
            )

        self.start_answer(self.run_turn(begin))

    async def switch_sibling(self, message_id: str, step: int) -> None:
        """Show the neighbouring branch, followed down to its latest leaf."""
        if self.screen.busy() or self.screen.session_id is None:
            return
        store = self.store
        siblings = store.siblings(message_id)
        ids = [m.id for m in siblings]
        if message_id not in ids or len(ids) < 2:
            return
        target = ids[(ids.index(message_id) + step) % len(ids)]
        store.set_active_leaf(self.screen.session_id, store.latest_leaf(target))
        await self.screen.show_active_thread()
        self.screen.conversation.select(target)

    async def fork(self, message_id: str) -> None:
        if self.screen.busy():
            return
        forked = self.store.fork_session(message_id)
        await self.screen.open_session(forked.id)
        self.screen.prompt_box.focus()
        self.screen.notify(f"Forked into a new session: {forked.title}")
