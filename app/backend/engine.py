"""The engine interface shared by the in-process and litellm implementations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from app.backend.events import ChatMessage, StreamEvent


@dataclass(frozen=True, slots=True)
class Availability:
    """Whether an engine can answer now, and if not, why, in a few words."""

    ok: bool
    detail: str = ""


class Engine(Protocol):
    """Messages in, a stream of typed events out.

    Implementations never raise out of `stream` for provider problems: they yield `Failed`.
    Cancelling the consuming task stops generation.
    """

    @property
    def model_label(self) -> str:
        """Short model name for badges and the database."""
        ...

    async def check(self) -> Availability:
        """Cheap reachability check (no generation)."""
        ...

    def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[StreamEvent]: ...


@asynccontextmanager
async def closing_stream(
    events: AsyncIterator[StreamEvent],
) -> AsyncIterator[AsyncIterator[StreamEvent]]:
    """Close an engine's stream when leaving the block, in the task that iterated it (so a
    remote route's HTTP response is released at once, not when the generator is collected)."""
    try:
        yield events
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
