"""Answer before the deadline: the fast route answers at once while the deep route works, and
at the deadline the best answer so far is final.

Both answers are stored as siblings of the prompt. Deep wins when it finished in time;
otherwise its stream is stopped at the deadline (its text so far kept, marked cancelled) and
the fast answer stands. The reason is one line for the badge.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.chat import ESCALATE_ROUTE, FALLBACK_ROUTE, ChatService, Turn
from storage import Message, MessageStatus


@dataclass
class Race:
    fast: Turn
    deep: Turn | None
    winner: Message
    reason: str


async def race(
    chat: ChatService,
    session_id: str,
    prompt: str,
    seconds: float,
    show_fast: Callable[[Turn], Awaitable[None]],
) -> Race:
    """Fast shown as it streams (`show_fast`), deep drained in the background, both stored."""
    started = time.monotonic()
    fast = await chat.begin_turn(session_id, prompt, force_route=FALLBACK_ROUTE)
    deep: Turn | None = None
    deep_task: asyncio.Task[None] | None = None
    available = await chat.availability(ESCALATE_ROUTE)
    if available.ok:
        deep = await chat.begin_answer(fast.user, force_route=ESCALATE_ROUTE)
        deep_task = asyncio.create_task(_drain(chat, deep))
    await show_fast(fast)
    assert fast.final is not None
    if deep is None or deep_task is None:
        why = available.detail if not available.ok else "deep did not start"
        return Race(fast, None, fast.final, f"fast: deep route unavailable ({why})")
    # Until deep wins, the thread goes on from the fast answer (starting deep's row made it
    # the newest leaf).
    chat.store.set_active_leaf(session_id, fast.final.id)
    left = seconds - (time.monotonic() - started)
    try:
        async with asyncio.timeout(max(0.0, left)):
            await asyncio.shield(deep_task)
    except TimeoutError:
        deep_task.cancel()
        try:
            await deep_task
        except asyncio.CancelledError:
            pass
        return Race(
            fast, deep, fast.final, f"fast: deep was not done by the {seconds:g} s deadline"
        )
    final = deep.final
    if final is None or final.status is not MessageStatus.COMPLETE:
        return Race(fast, deep, fast.final, "fast: deep failed")
    chat.store.set_active_leaf(session_id, final.id)
    spent = time.monotonic() - started
    return Race(fast, deep, final, f"deep: finished in {spent:.1f} s, inside the deadline")


async def _drain(chat: ChatService, turn: Turn) -> None:
    async for _ in chat.stream_turn(turn):
        pass
