"""The records one turn carries through the chat service: the turn itself, its progress, and
the events the service adds to an engine's stream."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.backend.engine import Engine
from app.backend.events import ChatMessage
from app.router import RouteDecision
from storage import Message


class _ActiveLeaf:
    """Sentinel: reply to whatever the session currently shows."""


ACTIVE_LEAF = _ActiveLeaf()


@dataclass
class Turn:
    """A prompt that has been stored and routed, with its assistant row waiting."""

    session_id: str
    user: Message
    assistant: Message
    decision: RouteDecision
    route: str
    engine: Engine | None
    note: str | None = None
    # Text the answer starts from (continuing a cut-off answer); the model adds to it.
    prefix: str = ""
    # Set when the stream ends: the stored assistant message in its final state.
    final: Message | None = None
    # Seconds of thinking after which the route's thinking budget cut the stream (None: no cut).
    time_limit_s: float | None = None
    # A thinking budget for this turn only (a deadline race sets it); the smaller of it and
    # the route's `think_seconds` applies.
    think_seconds: float | None = None
    # Why the finished answer looks weak (app/router/cascade.py); empty when it looks fine.
    weak: list[str] = field(default_factory=list)
    # Sampling temperature for this turn only (None: the route's own setting).
    temperature: float | None = None
    # The context as fitted to `context_route`'s window when the turn began (None: not yet).
    context: list[ChatMessage] | None = None
    context_route: str | None = None
    # The branch's oldest messages the fit left out (summarised in their place when
    # `[context] overflow` is "summarise").
    dropped: list[ChatMessage] = field(default_factory=list)
    # Whether the fit left room for a summary of `dropped` (overflow "summarise" only).
    room_for_summary: bool = False


@dataclass(frozen=True, slots=True)
class Rerouted:
    """The route failed before any text and another one answers: redraw the badge."""

    route: str
    model: str
    note: str


@dataclass
class _Progress:
    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    dirty: bool = False
    content_started: bool = False  # the first piece of content has been seen
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    first_token_ms: float | None = None
    # The last flush that failed (a full disk); cleared by nothing: the final write decides.
    save_error: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.content)

    @property
    def thoughts(self) -> str:
        return "".join(self.reasoning)
