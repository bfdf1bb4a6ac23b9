"""Make a conversation fit the route's context window: drop the oldest turns of the branch.

A prompt larger than the window used to fail with the engine's raw error, and because the
history is sent again with every later prompt, every later turn of that session failed the
same way. Here the branch is cut from the oldest end (the system prompt and the newest prompt
always stay), the caller says so in the answer's badge, and a prompt that cannot fit even
alone is one clear line instead of an engine exception.

Token counts are estimated from characters, not tokenized: the fit is decided before the
model is loaded, and the estimate errs on the long side so the engine never refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.backend.events import ChatMessage

# English runs at about 4 characters per token in SmolLM2's and most BPE vocabularies; code
# and other scripts pack fewer, hence the margin.
CHARS_PER_TOKEN = 3.5
# The chat template's markers around each message.
TOKENS_PER_MESSAGE = 8


def estimate_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


def message_tokens(message: ChatMessage) -> int:
    return estimate_tokens(str(message.get("content") or "")) + TOKENS_PER_MESSAGE


@dataclass(frozen=True, slots=True)
class Fitted:
    messages: list[ChatMessage]
    dropped: int  # messages of the branch left out, oldest first
    tokens: int  # estimated prompt tokens of what is sent


class PromptTooLong(Exception):
    """The newest prompt alone does not fit; the message is the line the user sees."""


def answer_reserve(window: int, max_tokens: int) -> int:
    """Tokens kept free for the answer: its max_tokens, but never more than half the window."""
    return min(max_tokens, window // 2)


def fit_context(
    messages: Sequence[ChatMessage],
    window: int,
    max_tokens: int,
    route: str,
    keep_last: int = 1,
    extra: int = 0,
) -> Fitted:
    """`messages` (system first, newest last), with the oldest middle messages dropped until
    the estimate fits `window` less the answer's reserve and `extra` tokens kept free (for a
    summary of what was dropped). `keep_last` newest messages always stay (a continuation
    sends two); if they alone do not fit, `PromptTooLong`."""
    budget = window - answer_reserve(window, max_tokens) - extra
    items = list(messages)
    head = items[:1] if items and items[0].get("role") == "system" else []
    body = items[len(head) :]
    kept_tail = body[-keep_last:] if keep_last else []
    middle = body[: len(body) - len(kept_tail)]
    fixed = sum(message_tokens(m) for m in head + kept_tail)
    if fixed > budget:
        raise PromptTooLong(
            f"the prompt is about {fixed:,} tokens, more than the {route} route's"
            f" {window:,}-token window leaves with room for an answer ({budget:,});"
            " shorten it, send it with /deep, or raise the route's n_ctx"
        )
    total = fixed
    kept: list[ChatMessage] = []
    for message in reversed(middle):  # newest first: keep the most recent history
        cost = message_tokens(message)
        if total + cost > budget:
            break
        kept.append(message)
        total += cost
    kept.reverse()
    # A reply without its prompt confuses a model: never start the history on an answer.
    while kept and kept[0].get("role") == "assistant":
        total -= message_tokens(kept.pop(0))
    dropped = len(middle) - len(kept)
    return Fitted(head + kept + kept_tail, dropped, total)


def trim_note(dropped: int, window: int) -> str:
    return f"context: left out the {dropped} oldest message(s) to fit the {window:,}-token window"
