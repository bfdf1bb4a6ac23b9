"""Answer before the deadline: the fast route answers at once while the deep route works, and
at the deadline the best answer so far is final.

Both answers are stored as siblings of the prompt. The deep answer thinks under a budget that
ends `ANSWER_SHARE` into the deadline: a model still thinking then is asked for its answer now
(app/backend/budget.py, as `think_seconds` does), so it has the rest of the time to write it.
Deep wins when it finished in time; otherwise its stream is stopped at the deadline (its text
so far kept, marked cancelled) and the fast answer stands. The reason is one line, stored in
the winner's route note, so its badge says which answer won and why, after a restart too.

`DeadlineRace` runs in two steps so a screen can stream the fast answer its own way between
them: `start` (fast begun, deep working in the background), then `settle` (wait until the
deadline or deep's end). `race` is both, for `aha ask --by`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from app.chat import ESCALATE_ROUTE, FALLBACK_ROUTE, ChatService, Turn
from app.turn import ACTIVE_LEAF, _ActiveLeaf
from storage import Message, MessageStatus
from storage.attachments_repo import AttachmentLike

# The share of the deadline deep may think before it is asked to answer now.
ANSWER_SHARE = 0.75
# Shortest thinking budget worth giving deep (a deadline already nearly spent).
MIN_THINK_S = 0.5


@dataclass
class Race:
    fast: Turn
    deep: Turn | None
    winner: Message
    reason: str  # one line: which answer won and why
    brief: str = ""  # the same, short, for the winner's badge

    @property
    def deep_won(self) -> bool:
        return (
            self.deep is not None
            and self.deep.final is not None
            and (self.winner.id == self.deep.final.id)
        )


class DeadlineRace:
    def __init__(self, chat: ChatService, seconds: float) -> None:
        self.chat = chat
        self.seconds = seconds
        self.started = time.monotonic()
        self.fast: Turn | None = None
        self.deep: Turn | None = None
        self._deep_task: asyncio.Task[None] | None = None
        self._why_no_deep = ""

    def left(self) -> float:
        """Seconds until the deadline (never negative)."""
        return max(0.0, self.seconds - (time.monotonic() - self.started))

    async def start(
        self,
        session_id: str,
        prompt: str,
        parent_id: str | None | _ActiveLeaf = ACTIVE_LEAF,
        attachments: Sequence[AttachmentLike] = (),
    ) -> Turn:
        """Store the prompt, begin the fast answer (the caller streams it) and start deep."""
        self.started = time.monotonic()
        chat = self.chat
        fast = await chat.begin_turn(
            session_id,
            prompt,
            parent_id=parent_id,
            force_route=FALLBACK_ROUTE,
            attachments=attachments,
        )
        self.fast = fast
        available = await chat.availability(ESCALATE_ROUTE)
        if not available.ok:
            self._why_no_deep = f"deep route unavailable ({available.detail})"
            return fast
        deep = await chat.begin_answer(fast.user, force_route=ESCALATE_ROUTE)
        deep.think_seconds = max(MIN_THINK_S, self.seconds * ANSWER_SHARE - self._spent())
        self.deep = deep
        self._deep_task = asyncio.create_task(_drain(chat, deep))
        return fast

    def _spent(self) -> float:
        return time.monotonic() - self.started

    async def settle(self) -> Race:
        """After the fast answer finished: wait for deep until the deadline; the winner is
        the active leaf and carries the reason in its route note."""
        fast, deep, task = self.fast, self.deep, self._deep_task
        assert fast is not None and fast.final is not None, "start, and stream the fast answer"
        if deep is None or task is None:
            why = f"fast: {self._why_no_deep}"
            return self._won(Race(fast, None, fast.final, why, "deep unavailable"))
        # Until deep wins, the thread goes on from the fast answer (starting deep's row made it
        # the newest leaf).
        self.chat.store.set_active_leaf(fast.session_id, fast.final.id)
        try:
            async with asyncio.timeout(self.left()):
                await asyncio.shield(task)
        except TimeoutError:
            await self.cancel()
            why = f"fast: deep was not done by the {self.seconds:g} s deadline"
            return self._won(Race(fast, deep, fast.final, why, "deep not done in time"))
        final = deep.final
        if final is None or final.status is not MessageStatus.COMPLETE:
            return self._won(Race(fast, deep, fast.final, "fast: deep failed", "deep failed"))
        self.chat.store.set_active_leaf(fast.session_id, final.id)
        how = "finished" if deep.time_limit_s is None else "asked to answer now, finished"
        why = f"deep: {how} in {self._spent():.1f} s, inside the {self.seconds:g} s deadline"
        return self._won(Race(fast, deep, final, why, f"deep in time ({self._spent():.1f} s)"))

    async def cancel(self) -> None:
        """Stop deep (its text so far is kept, marked cancelled)."""
        task = self._deep_task
        if task is None or task.done():
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    def _won(self, race: Race) -> Race:
        """Store the reason in the winner's route note (shown in its badge)."""
        winner, store = race.winner, self.chat.store
        mark = f"by {self.seconds:g} s: {race.brief}"
        note = " · ".join(n for n in (winner.route_note, mark) if n)
        store.update_route(winner.id, winner.route or "", winner.model or "", note)
        race.winner = store.get_message(winner.id) or winner
        return race


async def race(
    chat: ChatService,
    session_id: str,
    prompt: str,
    seconds: float,
    show_fast: Callable[[Turn], Awaitable[None]],
    attachments: Sequence[AttachmentLike] = (),
) -> Race:
    """Fast shown as it streams (`show_fast`), deep drained in the background, both stored."""
    contest = DeadlineRace(chat, seconds)
    fast = await contest.start(session_id, prompt, attachments=attachments)
    try:
        await show_fast(fast)
    except BaseException:
        await contest.cancel()
        raise
    return await contest.settle()


async def _drain(chat: ChatService, turn: Turn) -> None:
    async for _ in chat.stream_turn(turn):
        pass
