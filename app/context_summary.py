"""A summary of the turns that no longer fit a route's window, written by the fast model.

With `[context] overflow = "summarise"`, the oldest turns a long branch must leave out are not
simply dropped: the fast model condenses them first, and the summary goes to the answering
model in their place, as a system message right after aha's own. The transcript the fast model
reads is itself cut to its window (newest part kept), and the summary to its cap, so neither
step can overflow. A failure is one line in the badge; the turn then goes on trimmed.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.backend.engine import AnswerFailed, Engine, answer_text
from app.backend.events import ChatMessage
from app.backend.registry import Engines
from app.context_fit import CHARS_PER_TOKEN, answer_reserve
from app.sanitize import one_line

SUMMARY_PROMPT = (
    "Summarise the conversation above for someone who must continue it: the facts, numbers, "
    "decisions and open questions, in at most {words} words. Write only the summary."
)
SUMMARY_SYSTEM = "You write short, faithful summaries of conversations."
# Tokens of the summariser's request besides the transcript (its instructions, the markers).
REQUEST_OVERHEAD = 80


class SummaryFailed(Exception):
    """The fast model could not summarise; the message is the reason, one line."""


def transcript(messages: Sequence[ChatMessage], max_chars: int) -> str:
    """The turns as plain text, newest part kept when it is longer than ``max_chars``."""
    names = {"user": "User", "assistant": "Assistant", "system": "Note"}
    text = "\n\n".join(
        f"{names.get(str(m.get('role')), 'Note')}: {str(m.get('content') or '').strip()}"
        for m in messages
    )
    if len(text) <= max_chars:
        return text
    return "…" + text[len(text) - max_chars + 1 :]


def summary_message(text: str, count: int) -> ChatMessage:
    return {
        "role": "system",
        "content": f"Summary of the {count} earliest messages of this conversation, which no"
        f" longer fit the context window:\n{text}",
    }


async def summarise(
    engine: Engine, messages: Sequence[ChatMessage], window: int, max_tokens: int, cap: int
) -> str:
    """The fast model's summary of ``messages`` in at most about ``cap`` tokens."""
    budget = window - answer_reserve(window, max_tokens) - REQUEST_OVERHEAD
    if budget <= 0:
        raise SummaryFailed("the fast route's window leaves no room to summarise")
    words = max(20, int(cap * 0.7))
    request: list[ChatMessage] = [
        {"role": "system", "content": SUMMARY_SYSTEM},
        {
            "role": "user",
            "content": transcript(messages, int(budget * CHARS_PER_TOKEN))
            + "\n\n"
            + SUMMARY_PROMPT.format(words=words),
        },
    ]
    try:
        text = await answer_text(engine, request, temperature=0.0)
    except AnswerFailed as exc:
        raise SummaryFailed(str(exc)) from None
    limit = int(cap * CHARS_PER_TOKEN)
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


async def summarise_on(
    engines: Engines, route: str, messages: Sequence[ChatMessage], cap: int
) -> tuple[str, str]:
    """``summarise`` on ``route``'s engine, within its window: (the summary, the model)."""
    if route not in engines.names:
        raise SummaryFailed(f"no {route} route to summarise with")
    config, engine = engines.config(route), engines.get(route)
    window = engines.window_of(route) or config.n_ctx
    text = await summarise(engine, messages, window, config.max_tokens, cap)
    if not text:
        raise SummaryFailed(f"the {route} model wrote no summary")
    return text, one_line(engine.model_label, 200)
