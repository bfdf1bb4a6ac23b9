"""The engine interface shared by the in-process and litellm implementations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from app.backend.events import ChatMessage, Content, Failed, StreamEvent


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

    def stream(
        self, messages: Sequence[ChatMessage], temperature: float | None = None
    ) -> AsyncIterator[StreamEvent]:
        """`temperature` overrides the route's setting for this one request (None: keep it)."""
        ...


class WithTemperature:
    """An engine that samples at another temperature than its route's, for one turn: the
    brainstorm's diverge stage asks for several varied answers to one prompt."""

    def __init__(self, engine: Engine, temperature: float) -> None:
        self.engine = engine
        self.temperature = temperature

    @property
    def model_label(self) -> str:
        return self.engine.model_label

    async def check(self) -> Availability:
        return await self.engine.check()

    def stream(
        self, messages: Sequence[ChatMessage], temperature: float | None = None
    ) -> AsyncIterator[StreamEvent]:
        chosen = self.temperature if temperature is None else temperature
        return self.engine.stream(messages, temperature=chosen)


def with_temperature(engine: Engine, temperature: float | None) -> Engine:
    """`engine` itself when `temperature` is None, else one sampling at `temperature`."""
    return engine if temperature is None else WithTemperature(engine, temperature)


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


class AnswerFailed(Exception):
    """A whole-answer request failed; the message is the engine's one line."""


async def answer_text(
    engine: Engine, messages: Sequence[ChatMessage], temperature: float | None = None
) -> str:
    """The whole answer to ``messages`` as one string, control sequences stripped, for the
    steps that read an answer rather than show it streaming (a critique, a summary)."""
    from app.sanitize import StreamSanitizer

    clean, parts = StreamSanitizer(), []
    async with closing_stream(engine.stream(messages, temperature=temperature)) as events:
        async for event in events:
            if isinstance(event, Content):
                parts.append(clean.feed(event.text))
            elif isinstance(event, Failed):
                raise AnswerFailed(event.message)
    parts.append(clean.flush())
    return "".join(parts).strip()
