"""The context meter under the prompt box: what the next prompt will take of its route's window.

The figure is the one the chat service fits before sending (app/context_fit.py): the system
prompt, the branch so far with its attachments, the waiting attachments and the typed prompt,
estimated from characters; the window is the route's (llama.cpp's `n_ctx`, or a litellm
route's `context_window`) less the room kept for the answer. The route is the one the router
would pick for the text as typed, so a `/deep` prefix or a hard question moves the meter to
deep's window. Nothing here loads a model or calls a server: it runs on each pause in typing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.attachments import with_attachments
from app.branch import branch_messages
from app.chat import SYSTEM_PROMPT
from app.config import Settings, context_window
from app.context_fit import TOKENS_PER_MESSAGE, answer_reserve, estimate_tokens, message_tokens
from app.router import Router
from app.router.overrides import split_override
from storage import Store
from storage.attachments_repo import AttachmentLike

WARN_AT = 0.75
"""Share of the window past which the meter warns."""


@dataclass(frozen=True, slots=True)
class Meter:
    route: str
    tokens: int  # estimated prompt tokens of everything that would be sent
    prompt_tokens: int  # of those, what always goes: the system prompt, the new prompt, its files
    budget: int | None  # the window less the answer's room; None when the window is unknown
    window: int | None
    summarise: bool = False  # `[context] overflow`: old turns summarised rather than dropped

    @property
    def level(self) -> str:
        """ "ok"; "warn" past three quarters of the budget (or when older turns will be left
        out); "over" when the new prompt alone does not fit. "ok" when the window is unknown."""
        if self.budget is None:
            return "ok"
        if self.prompt_tokens > self.budget:
            return "over"
        return "ok" if self.tokens < WARN_AT * self.budget else "warn"

    def line(self) -> str:
        if self.budget is None:
            return f"context ~{self.tokens:,} tokens · {self.route} (window not known)"
        text = f"context ~{self.tokens:,} / {self.budget:,} tokens · {self.route}"
        if self.prompt_tokens > self.budget:
            text += " · the prompt alone is too long: detach or shorten"
        elif self.tokens > self.budget:
            text += f" · the oldest turns will be {'summarised' if self.summarise else 'left out'}"
        return text


def branch_tokens(store: Store, leaf_id: str | None) -> int:
    """The system prompt and the branch down to ``leaf_id``, attachments included: what the
    chat service would send before the new prompt."""
    return sum(message_tokens(m) for m in branch_messages(store, leaf_id, SYSTEM_PROMPT))


def measure(
    settings: Settings,
    router: Router,
    history_tokens: int,
    text: str,
    attachments: Sequence[AttachmentLike],
    window_of: Callable[[str], int | None] | None = None,
) -> Meter:
    """The meter for ``text`` with ``attachments`` after a branch of ``history_tokens``;
    ``window_of`` gives a route's window when more than its config knows it (a server's)."""
    forced, question = split_override(text)
    decision = router.decide(question or " ", force=forced)
    route = decision.route
    prompt = with_attachments(question, attachments)
    own = estimate_tokens(prompt) + TOKENS_PER_MESSAGE
    fixed = estimate_tokens(SYSTEM_PROMPT) + TOKENS_PER_MESSAGE  # it always goes too
    tokens = history_tokens + own
    config = settings.routes.get(route)
    window = context_window(config) if config is not None else None
    if window is None and window_of is not None:
        window = window_of(route)
    if window is None or config is None:
        return Meter(route, tokens, own + fixed, None, None)
    budget = window - answer_reserve(window, config.max_tokens)
    summarise = settings.context.overflow == "summarise"
    return Meter(route, tokens, own + fixed, budget, window, summarise)
