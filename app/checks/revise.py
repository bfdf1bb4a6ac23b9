"""Critique and revise: the answer's own route lists what is wrong with it, then rewrites it.

The critique (numbered problems, each quoting the passage it is about) is one model call on
the answer's route; the revision is an ordinary answer of the chat service to the same prompt,
so a sibling of the original (stored, streamed, flushed like any answer), with the critique
stored as its reasoning: the TUI shows it folded above the revision. Without an outside signal
self-critique is known to hurt on maths and code, so those get the checks (tests, agreement)
first; this is for prose, plans and explanations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.backend.engine import AnswerFailed, answer_text
from app.backend.events import ChatMessage
from app.chat import ChatService, Turn
from app.critique import (
    PROBLEMS_INSTRUCTION,
    REVISED_NOTE,
    Problem,
    problem_list,
    problems,
    summary,
)
from storage import Message, MessageStatus

CRITIQUE_PROMPT = f"Critique your last answer. {PROBLEMS_INSTRUCTION} No rewrite yet."
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
    problems: list[Problem] = field(default_factory=list)  # the critique's, parsed


class CritiqueFailed(Exception):
    """The critique call failed; the message is the one line to show."""


async def critique_of(chat: ChatService, answer: Message, context: list[ChatMessage]) -> str:
    """The critique's text (sanitised), from the answer's route."""
    engine = chat.engines.get(answer.route or "fast")
    messages = [*context, {"role": "assistant", "content": answer.content},
                {"role": "user", "content": CRITIQUE_PROMPT}]  # fmt: skip
    try:
        return await answer_text(engine, messages)
    except AnswerFailed as exc:
        raise CritiqueFailed(str(exc)) from None


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
    found = problems(critique, answer.content)
    # The problems as a clean numbered list when the critique had one (a small model's
    # preamble and sign-off left out); the critique as written otherwise.
    request = REVISE_PROMPT.format(critique=problem_list(found) if found else critique)
    turn.context = [*context, {"role": "assistant", "content": answer.content},
                    {"role": "user", "content": request}]  # fmt: skip
    turn.context_route = route
    return Revision(critique, turn, problems=found)


def finish_revision(chat: ChatService, revision: Revision) -> Message | None:
    """Store the critique as the revision's reasoning (shown folded above it)."""
    turn = revision.turn
    if turn is None or turn.final is None:
        return None
    store = chat.store
    store.set_reasoning(turn.final.id, revision.critique)
    final = turn.final
    mark = f"{REVISED_NOTE}: {summary(revision.problems)}"
    note = " · ".join(n for n in (final.route_note, mark) if n)
    store.update_route(final.id, final.route or "", final.model or "", note)
    return chat.store.get_message(turn.final.id)
