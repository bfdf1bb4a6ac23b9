"""Critique and revise: the answer's own route lists what is wrong with it, then rewrites it.

The critique (numbered problems, each quoting the passage it is about) is one model call on
the answer's route; the revision is an ordinary answer of the chat service to the same prompt,
so a sibling of the original (stored, streamed, flushed like any answer), with the critique
stored as its reasoning: the TUI shows it folded above the revision. Without an outside signal
self-critique is known to hurt on maths and code, so those get the checks (tests, agreement)
first; this is for prose, plans and explanations.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.backend.engine import closing_stream
from app.backend.events import ChatMessage, Content, Failed
from app.chat import ChatService, Turn
from app.sanitize import StreamSanitizer
from storage import Message, MessageStatus

CRITIQUE_PROMPT = (
    "Critique your last answer. List its concrete problems as a numbered list: for each, "
    "quote the passage it is about, then say what is wrong (an error, a gap, something "
    "unclear or missing). Only real problems; no praise, no rewrite yet."
)
REVISE_PROMPT = (
    "This critique lists problems with your answer:\n\n{critique}\n\nWrite the revised "
    "answer to the original question, fixing every problem that is real. Give only the "
    "revised answer."
)


@dataclass
class Revision:
    critique: str
    turn: Turn | None  # the revision's turn (a sibling of the original); None if it failed
    problem: str = ""


class CritiqueFailed(Exception):
    """The critique call failed; the message is the one line to show."""


async def critique_of(chat: ChatService, answer: Message, context: list[ChatMessage]) -> str:
    """The critique's text (sanitised), from the answer's route."""
    engine = chat.engines.get(answer.route or "fast")
    messages = [*context, {"role": "assistant", "content": answer.content},
                {"role": "user", "content": CRITIQUE_PROMPT}]  # fmt: skip
    clean, parts = StreamSanitizer(), []
    async with closing_stream(engine.stream(messages)) as events:
        async for event in events:
            if isinstance(event, Content):
                parts.append(clean.feed(event.text))
            elif isinstance(event, Failed):
                raise CritiqueFailed(event.message)
    parts.append(clean.flush())
    return "".join(parts).strip()


async def begin_revision(chat: ChatService, answer: Message) -> Revision:
    """Critique `answer`, then start its revision (the caller streams `turn` and then calls
    `finish_revision`)."""
    prompt = chat.store.get_message(answer.parent_id or "")
    if prompt is None or answer.status is not MessageStatus.COMPLETE:
        return Revision("", None, "only a complete answer to a prompt can be revised")
    route = answer.route or "fast"
    turn = await chat.begin_answer(prompt, force_route=route)
    if turn.final is not None:  # the route could not answer at all
        return Revision("", turn, turn.final.error or "the route cannot answer")
    context = [m for m in (turn.context or chat.context_for(turn))]
    try:
        critique = await critique_of(chat, answer, context)
    except CritiqueFailed as exc:
        chat.store.finish_assistant(turn.assistant.id, MessageStatus.ERROR, "", error=str(exc))
        return Revision("", None, str(exc))
    request = REVISE_PROMPT.format(critique=critique)
    turn.context = [*context, {"role": "assistant", "content": answer.content},
                    {"role": "user", "content": request}]  # fmt: skip
    turn.context_route = route
    return Revision(critique, turn)


def finish_revision(chat: ChatService, revision: Revision) -> Message | None:
    """Store the critique as the revision's reasoning (shown folded above it)."""
    turn = revision.turn
    if turn is None or turn.final is None:
        return None
    chat.store.set_reasoning(turn.final.id, revision.critique)
    return chat.store.get_message(turn.final.id)
