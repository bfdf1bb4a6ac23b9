"""The engine interface shared by the in-process and litellm implementations."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
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
