"""Answers that check themselves: run an answer's code against its tests, repair, escalate.

Every model call here is an ordinary turn of the chat service (stored first, routed, flushed,
finished), so each step is a message of the thread: the request for tests, each repair
round, the escalation to deep. They can be branched, searched and exported like any other.
The UI (the TUI or `aha ask`) only shows the turns it is handed and the results.

The tests are fixed at the first round: the user's tests (from the prompt) when there are
any, else the first answer's, else tests the same route is asked for. A repair round sends
the failure output back and checks the new code against those same tests, so a model cannot
pass by rewriting them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.chat import ESCALATE_ROUTE, FALLBACK_ROUTE, ChatService, Turn
from app.checks import sandbox
from app.checks.extract import Program, asks_for_code, program, python_blocks, split_tests
from app.checks.run import ERROR, FAILED, PASSED, TIMEOUT, CheckResult, run_program
from app.router.feedback import FAST_ENOUGH, NEEDED_DEEP
from storage import Message, MessageStatus
from storage.checks_repo import CheckRecord

TESTS_PROMPT = (
    "Write tests for the code in your last answer: plain `assert` lines that call it, in one "
    "```python block, and nothing else. Cover the normal case and the edge cases."
)
REPAIR_PROMPT = (
    "The code failed its tests. This is the output:\n\n```text\n{output}\n```\n\n"
    "Fix the code. Reply with the complete corrected code in one ```python block, keeping "
    "the names the tests use."
)
ESCALATE_PROMPT = (
    "This code still fails its tests after {rounds} repair round(s). The code:\n\n"
    "```python\n{code}\n```\n\nThe output of the tests:\n\n```text\n{output}\n```\n\n"
    "Write correct code. Reply with the complete code in one ```python block, keeping the "
    "names the tests use."
)

# Shows a new turn as it streams (the TUI renders it, `aha ask` prints it).
ShowTurn = Callable[[Turn, str], Awaitable[None]]


@dataclass
class CheckRound:
    """One run of one answer's code against the tests."""

    answer: Message
    result: CheckResult
    record: CheckRecord

    def to_dict(self) -> dict[str, Any]:
        """The contract `aha ask --check --json` prints (scripts read it: add, never rename)."""
        return {
            "kind": self.result.kind,
            "status": self.result.status,
            "passed": self.result.passed,
            "failed": self.result.failed,
            "output": self.result.output,
            "answer_id": self.answer.id,
            "round": self.record.round,
            "seconds": round(self.result.seconds, 3),
            "sandboxed": self.result.sandboxed,
            "route": self.answer.route,
        }


@dataclass
class CheckOutcome:
    rounds: list[CheckRound] = field(default_factory=list)
    final: Message | None = None  # the answer shown last: the one that passed, else the last
    escalated_from: Message | None = None
    tests_answer: Message | None = None  # the stored step that wrote tests, when one was asked
    note: str = ""  # why nothing ran, or what to do next

    @property
    def passed(self) -> bool:
        return bool(self.rounds) and self.rounds[-1].result.status == PASSED


class Checker:
    def __init__(self, chat: ChatService, show: ShowTurn, allow_unsandboxed: bool = False) -> None:
        self.chat = chat
        self.show = show
        self.allow_unsandboxed = allow_unsandboxed
        self.max_repairs = chat.settings.checks.max_repairs
        self.limits = sandbox.Limits.from_config(chat.settings.checks)

    @property
    def store(self) -> Any:
        return self.chat.store

    async def check(self, answer: Message) -> CheckOutcome:
        """Check `answer` (complete, with a prompt); repair and escalate as configured."""
        outcome = CheckOutcome(final=answer)
        prompt = self.store.get_message(answer.parent_id or "")
        if prompt is None or answer.status is not MessageStatus.COMPLETE:
            outcome.note = "only a complete answer to a prompt can be checked"
            return outcome
        found = program(prompt.content, answer.content)
        if not found.code.strip():
            outcome.note = "no Python code in the answer to check"
            return outcome
        if not found.has_tests:
            if not asks_for_code(prompt.content):
                outcome.note = "no tests in the prompt or the answer (assert lines, test_*)"
                return outcome
            found = await self._ask_for_tests(answer, found, outcome)
            if found is None:
                return outcome
        current, code, number = answer, found, 0
        result = await self._run(current, code, number, outcome)
        while _repairable(result) and number < self.max_repairs:
            number += 1
            turn = await self._turn(
                current, REPAIR_PROMPT.format(output=result.output or result.status),
                current.route or FALLBACK_ROUTE, f"repair {number} of {self.max_repairs}",
            )  # fmt: skip
            if turn.final is None or turn.final.status is not MessageStatus.COMPLETE:
                break
            current = turn.final
            code = Program(self._code_of(current, code), code.tests, code.tests_from)
            result = await self._run(current, code, number, outcome)
        if _repairable(result) and current.route == FALLBACK_ROUTE:
            await self._escalate(current, code, result, number, outcome)
        outcome.final = self._shown(outcome) or current
        self._teach_router(outcome)
        return outcome

    def _teach_router(self, outcome: CheckOutcome) -> None:
        """A check is a labelled outcome for its prompt: fast failed and deep passed, "needed
        deep"; fast passed, "fast was enough". The first fast answer carries the mark (its
        score is the router's decision), once per kind."""
        if not outcome.rounds:
            return
        first = outcome.rounds[0].answer
        if first.route != FALLBACK_ROUTE or first.route_score is None:
            return
        if outcome.rounds[0].result.status == PASSED:
            kind = FAST_ENOUGH
        elif outcome.escalated_from is not None and outcome.passed:
            kind = NEEDED_DEEP
        else:
            return
        self.chat.record_feedback(first, kind)

    async def _escalate(
        self, current: Message, code: Program, result: CheckResult, number: int,
        outcome: CheckOutcome,
    ) -> None:  # fmt: skip
        """Still failing on fast: ask deep once, with the failures, as router.escalate says."""
        policy = self.chat.settings.router.escalate
        if policy == "never":
            return
        available = await self.chat.availability(ESCALATE_ROUTE)
        if policy == "ask" or not available.ok:
            why = "" if available.ok else f" (deep route unavailable: {available.detail})"
            outcome.note = f"still failing on fast; --route deep asks deep{why}"
            return
        text = ESCALATE_PROMPT.format(
            rounds=number, code=code.code, output=result.output or result.status
        )
        turn = await self._turn(current, text, ESCALATE_ROUTE, "asking deep")
        if turn.final is None or turn.final.status is not MessageStatus.COMPLETE:
            return
        outcome.escalated_from = current
        deep = Program(self._code_of(turn.final, code), code.tests, code.tests_from)
        await self._run(turn.final, deep, number + 1, outcome)

    async def _ask_for_tests(
        self, answer: Message, found: Program, outcome: CheckOutcome
    ) -> Program | None:
        """The prompt asks for code and nobody wrote tests: ask the same route, as a stored
        step of the thread, and take the tests from its answer."""
        turn = await self._turn(answer, TESTS_PROMPT, answer.route or FALLBACK_ROUTE, "tests")
        written = turn.final
        outcome.tests_answer = written
        tests = [
            split_tests(block)[1] for block in python_blocks(written.content if written else "")
        ]
        tests = [t for t in tests if t.strip()]
        if not tests:
            outcome.note = "asked for tests, but the answer held none"
            return None
        return Program(found.code, "\n\n".join(tests), "asked")

    async def _turn(self, parent: Message, text: str, route: str, label: str) -> Turn:
        turn = await self.chat.begin_turn(parent.session_id, text, parent.id, force_route=route)
        await self.show(turn, label)
        return turn

    async def _run(
        self, answer: Message, code: Program, number: int, outcome: CheckOutcome
    ) -> CheckResult:
        result = await asyncio.to_thread(run_program, code, self.limits, self.allow_unsandboxed)
        record = self.store.add_check(
            answer.session_id, answer.id, number, result.kind, result.status, result.passed,
            result.failed, result.output, result.seconds, result.sandboxed,
        )  # fmt: skip
        outcome.rounds.append(CheckRound(answer, result, record))
        return result

    @staticmethod
    def _code_of(answer: Message, previous: Program) -> str:
        """The repaired answer's code (its tests, if it wrote any, are left out: the tests
        stay those of the first round)."""
        blocks = [split_tests(block)[0] for block in python_blocks(answer.content)]
        code = "\n\n".join(b for b in blocks if b.strip())
        return code or ""

    @staticmethod
    def _shown(outcome: CheckOutcome) -> Message | None:
        for check in reversed(outcome.rounds):
            if check.result.status == PASSED:
                return check.answer
        return outcome.rounds[-1].answer if outcome.rounds else None


def _repairable(result: CheckResult) -> bool:
    """Worth a repair round: tests failed, the code hit a cap, or it did not even load. Not
    when nothing could run (blocked) or no test ran (nothing to fix against)."""
    if result.status in (FAILED, TIMEOUT):
        return True
    return result.status == ERROR and "failed to load" in result.output
