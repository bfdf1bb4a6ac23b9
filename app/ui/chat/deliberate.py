"""Answers that take longer to be sure of, on the chat screen: samples and their agreement
(`a` on an answer, and every answer while "deliberate" is on), critique and revise (`v`), and
a deadline (while one is set, fast answers at once and deep works until the deadline; the best
answer by then is final).

The two modes belong to the prompt box: shown on its lower border, changed with F2 and F3,
kept across restarts as preferences. Each answer they add is an ordinary stored sibling,
streamed like any answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.chat import ChatService, Turn, _ActiveLeaf
from app.checks.agree import final_result
from storage import Message, MessageStatus, StorageError, Store
from storage.attachments_repo import AttachmentLike
from widgets.message_view import AssistantMessage

if TYPE_CHECKING:
    from app.config import Settings
    from app.ui.chat.answers import AnswerController
    from app.ui.chat.screen import MainScreen

DELIBERATE_KEY = "ui.deliberate"
DEADLINE_KEY = "ui.deadline"
# What F3 steps through, in seconds (0: no deadline).
DEADLINES = (0.0, 15.0, 30.0, 60.0, 120.0)


@dataclass
class AnswerModes:
    """How the prompt box's answers are asked for."""

    deliberate: bool = False  # every answer with a short final result is sampled
    deadline_s: float = 0.0  # fast at once, deep until then (0: off)

    @classmethod
    def load(cls, store: Store, settings: Settings) -> AnswerModes:
        """The modes last chosen; deliberate starts on when `[checks] samples` asks for it."""
        deliberate = store.get_preference(DELIBERATE_KEY)
        deadline = store.get_preference(DEADLINE_KEY) or "0"
        try:
            seconds = float(deadline)
        except ValueError:
            seconds = 0.0
        on = deliberate == "1" if deliberate is not None else settings.checks.samples > 1
        return cls(on, seconds if seconds in DEADLINES else 0.0)

    def save(self, store: Store) -> None:
        """Best effort: a read-only database keeps the mode for this run only."""
        try:
            store.set_preference(DELIBERATE_KEY, "1" if self.deliberate else "0")
            store.set_preference(DEADLINE_KEY, f"{self.deadline_s:g}")
        except StorageError:
            pass

    def next_deadline(self) -> None:
        index = DEADLINES.index(self.deadline_s) if self.deadline_s in DEADLINES else 0
        self.deadline_s = DEADLINES[(index + 1) % len(DEADLINES)]

    def label(self, samples: int) -> str:
        """The prompt box's lower border: what the next prompt will get ("" for plain)."""
        parts = []
        if self.deadline_s:
            parts.append(f"by {self.deadline_s:g} s: fast now, deep until then · F3")
        if self.deliberate:
            parts.append(f"deliberate: {samples} samples · F2")
        return " · ".join(parts)


def worth_sampling(answer: Message) -> bool:
    """An answer samples can agree on: a short final result, and no code (code is checked
    against its tests instead)."""
    return "```" not in answer.content and final_result(answer.content) is not None


class DeliberateController:
    def __init__(self, screen: MainScreen, answers: AnswerController) -> None:
        self.screen = screen
        self.answers = answers
        self.store: Store = screen.ctx.store
        self.chat: ChatService = screen.ctx.chat
        self.modes = AnswerModes.load(self.store, self.chat.settings)

    # The modes ------------------------------------------------------------------------------

    def label(self) -> str:
        from app.checks.samples import sample_count

        return self.modes.label(sample_count(self.chat))

    def toggle_deliberate(self) -> str:
        self.modes.deliberate = not self.modes.deliberate
        self.modes.save(self.store)
        from app.checks.samples import sample_count

        if self.modes.deliberate:
            return (
                f"Deliberate: every answer with a short result is sampled"
                f" {sample_count(self.chat)} times and the majority shown"
            )
        return "Deliberate off: one answer per prompt"

    def cycle_deadline(self) -> str:
        self.modes.next_deadline()
        self.modes.save(self.store)
        seconds = self.modes.deadline_s
        if not seconds:
            return "No deadline: each prompt goes where the router sends it"
        return f"Deadline {seconds:g} s: fast answers at once, deep's answer wins if done by then"

    # A prompt from the prompt box -----------------------------------------------------------

    async def prompt(
        self,
        text: str,
        parent: str | None | _ActiveLeaf,
        attachments: Sequence[AttachmentLike] = (),
    ) -> None:
        """In the stream worker: answer `text` (after its attachments) the way the modes say."""
        if self.modes.deadline_s:
            await self._by_deadline(text, parent, self.modes.deadline_s, attachments)
            return
        deliberate = self.modes.deliberate
        turn = await self.answers.prompt_answer(
            text, parent, escalate=not deliberate, attachments=attachments
        )
        final = turn.final if turn is not None else None
        if deliberate and final is not None and final.status is MessageStatus.COMPLETE:
            if worth_sampling(final):
                self.screen.set_streaming(True)
                await self._agree(final.id)

    async def _by_deadline(
        self,
        text: str,
        parent: str | None | _ActiveLeaf,
        seconds: float,
        attachments: Sequence[AttachmentLike] = (),
    ) -> None:
        """Fast streams at once while deep works; at the deadline the best answer is final
        and shown, its badge saying which won and why."""
        from app.deadline import DeadlineRace

        contest = DeadlineRace(self.chat, seconds)
        try:
            turn = await self.answers.prompt_answer(
                text, parent, start=contest.start, escalate=False, attachments=attachments
            )
            fast = turn.final if turn is not None else None
            if fast is None or fast.status is not MessageStatus.COMPLETE:
                return  # cancelled or failed: deep is stopped below, its text kept
            self.screen.set_streaming(True)
            if contest.deep is not None:
                self.screen.notify(
                    f"Deep is working: {contest.left():.0f} s left · Esc keeps the fast answer",
                    timeout=4,
                )
            result = await contest.settle()
            await self.screen.show_active_thread()
            self.screen.prompt_box.focus()  # the thread was drawn again; type on
            self.screen.notify(result.reason, timeout=6)
        finally:
            await contest.cancel()
            self.screen.set_streaming(False)

    # Samples and their agreement ------------------------------------------------------------

    def agree(self, answer_id: str) -> None:
        if not self.screen.busy():
            self.answers.start_answer(self._agree(answer_id))

    async def _agree(self, answer_id: str) -> None:
        """In the stream worker: `[checks] samples` answers in all (3 when that is off), each
        a stored sibling streamed like any answer; the one with the majority result is shown
        with the agreement on its status line. Too little agreement on the fast route asks
        deep, following `router.escalate`."""
        from app.checks.samples import sample_count, show_majority, wants_deep

        store = self.store
        answer = store.get_message(answer_id)
        prompt = store.get_message(answer.parent_id or "") if answer is not None else None
        if answer is None or prompt is None:
            self.screen.set_streaming(False)
            return
        count = sample_count(self.chat)
        answers = [answer]
        try:
            for number in range(2, count + 1):
                self.screen.notify(f"Sample {number} of {count}…", timeout=3)
                await self.screen.conversation.show_thread(
                    store.thread(prompt.id), store.sibling_positions(prompt.session_id)
                )
                final = await self._sample(prompt, answer.route)
                if final is not None and final.status is MessageStatus.COMPLETE:
                    answers.append(final)
            sampled = show_majority(self.chat, prompt.session_id, answers, count)
            agreed, shown = sampled.agreement, sampled.shown
            await self.screen.show_active_thread()
            self.screen.prompt_box.focus()  # the thread was drawn again; type on
            what = f" on {agreed.result!r}" if agreed.result else " (no final result found)"
            view = self.screen.conversation.view_of(shown.id)
            if isinstance(view, AssistantMessage):
                view.show_agreement(agreed.badge + what)
            self.screen.notify(f"{agreed.badge}{what}")
            if wants_deep(self.chat, shown.route, agreed):
                self.screen.notify(f"only {agreed.badge}; asking deep")
                await self.answers.escalate(shown)
                return
        finally:
            self.screen.set_streaming(False)

    def revise(self, answer_id: str) -> None:
        if not self.screen.busy():
            self.answers.start_answer(self._revise(answer_id))

    async def _revise(self, answer_id: str) -> None:
        """In the stream worker: the critique (numbered, quoting), then the revised answer
        streamed as a sibling of the original, with the critique folded above it."""
        from app.checks.revise import begin_revision, finish_revision

        answer = self.store.get_message(answer_id)
        if answer is None:
            self.screen.set_streaming(False)
            return
        try:
            self.screen.notify("Critiquing the answer on its route…", timeout=4)
            revision = await begin_revision(self.chat, answer)
            if revision.turn is None or revision.problem:
                self.screen.notify(f"Cannot revise: {revision.problem}", severity="warning")
                return
            prompt = self.store.get_message(answer.parent_id or "")
            if prompt is not None:
                await self.screen.conversation.show_thread(
                    self.store.thread(prompt.id), self.store.sibling_positions(prompt.session_id)
                )
            turn = revision.turn

            async def begin() -> Turn:
                return turn

            await self.answers.run_turn(begin, escalate=False)
            self.screen.set_streaming(True)
            if finish_revision(self.chat, revision) is not None:
                await self.screen.show_active_thread()  # the critique shows, folded, above it
                self.screen.prompt_box.focus()  # the thread was drawn again; type on
        finally:
            self.screen.set_streaming(False)

    async def _sample(self, prompt: Message, route: str | None) -> Message | None:
        """One more answer to `prompt` on `route`, streamed as a sibling; its stored row."""
        turns: list[Turn] = []

        async def begin() -> Turn:
            turn = await self.chat.begin_answer(prompt, force_route=route)
            turns.append(turn)
            return turn

        await self.answers.run_turn(begin, escalate=False)
        self.screen.set_streaming(True)  # the samples go on in this worker
        return turns[0].final if turns else None
