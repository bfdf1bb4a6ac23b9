"""Agreement across samples as a model job: N answers to one prompt on its route, each a
stored sibling, and the majority shown (`aha ask --samples N`, `aha eval`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass

from app.chat import ChatService
from app.checks.agree import Agreement, agreement, majority_index
from app.turn import Turn
from storage.models import Message, MessageStatus

DEFAULT_SAMPLES = 3  # asked for without a count while `[checks] samples` is off (1)

Progress = Callable[[int, int], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class Sampled:
    answers: list[Message]  # the complete samples, the first answer first
    agreement: Agreement
    shown: Message  # the majority answer, now the thread's active leaf


async def drain(service: ChatService, turn: Turn) -> Message | None:
    """Stream `turn` to its end, showing nothing: its stored final message."""
    async with aclosing(service.stream_turn(turn)) as events:
        async for _ in events:
            pass
    return turn.final


async def draw_samples(
    service: ChatService, turn: Turn, count: int, progress: Progress | None = None
) -> Sampled:
    """`turn` has answered (its final message complete): draw `count - 1` more answers on its
    route and count how many agree on the final result. A sample that fails counts as one
    with no result (it cannot agree)."""
    first = turn.final
    assert first is not None
    answers = [first]
    for number in range(2, count + 1):
        if progress is not None:
            waiting = progress(number, count)
            if waiting is not None:
                await waiting
        sibling = await service.begin_answer(turn.user, force_route=turn.route)
        final = await drain(service, sibling)
        if final is not None and final.status is MessageStatus.COMPLETE:
            answers.append(final)
    return show_majority(service, turn.session_id, answers, count)


def show_majority(
    service: ChatService, session_id: str, answers: list[Message], count: int
) -> Sampled:
    """How many of `count` samples agree (`answers` are the complete ones; the rest count as
    samples with no result), and the majority answer made the thread's active leaf."""
    agreed = agreement([a.content for a in answers] + [""] * (count - len(answers)))
    shown = answers[majority_index(agreed)]
    service.store.set_active_leaf(session_id, shown.id)
    return Sampled(answers, agreed, shown)


def sample_count(service: ChatService) -> int:
    """How many samples to draw when asked without a count: `[checks] samples`, else 3."""
    configured = service.settings.checks.samples
    return configured if configured > 1 else DEFAULT_SAMPLES


def wants_deep(service: ChatService, route: str | None, agreed: Agreement) -> bool:
    """Too little agreement on the fast route, and `router.escalate` asks deep by itself."""
    settings = service.settings
    low = agreed.share < settings.checks.min_agreement
    return low and route == "fast" and settings.router.escalate == "auto"
