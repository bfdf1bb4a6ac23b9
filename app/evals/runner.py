"""Running a labelled set through the modes of `aha eval` and judging each final answer.

Modes, each a way aha can answer a prompt:

- `fast`, `deep`: the route forced (a deep route that is down falls back to fast, as in use,
  and the call counts as fast);
- `router`: the router decides, as `aha ask` does;
- `router+checks`: the router decides, then the answer checks itself: code runs against the
  tests it brings or asks for, with repair rounds and escalation (`app/checks/service.py`);
  a short result is sampled `[checks] samples` times (3 when that is off) and escalates below
  `[checks] min_agreement`.

Judging never uses the model: a code task's final answer passes when its code passes the set's
own tests in the sandbox (tests the answer never saw); a word problem's when its final result,
extracted as `--samples` extracts it, equals the set's answer. Every task runs in a session of
its own in the store it is given (`aha eval` gives a temporary one, so the user's history and
the router's learning are untouched).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.chat import ChatService
from app.checks import sandbox
from app.checks.agree import final_result
from app.checks.extract import Program, program
from app.checks.run import PASSED, run_program
from app.checks.samples import drain, draw_samples, sample_count, wants_deep
from app.evals.sets import CODE, Task, TaskSet
from app.turn import Turn
from storage.models import Message, MessageStatus

MODES = ("fast", "deep", "router", "router+checks")
FORCED = {"fast": "fast", "deep": "deep", "router": None, "router+checks": None}


@dataclass(frozen=True, slots=True)
class TaskResult:
    task_id: str
    correct: bool
    calls: int  # model answers stored for the task (tests asked for, repairs, samples)
    deep_calls: int
    seconds: float
    route: str  # the final answer's route
    detail: str  # why it was judged so, in a few words

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.task_id,
            "correct": self.correct,
            "calls": self.calls,
            "deep_calls": self.deep_calls,
            "seconds": round(self.seconds, 3),
            "route": self.route,
            "detail": self.detail,
        }


@dataclass(slots=True)
class ModeSummary:
    set_name: str
    mode: str
    results: list[TaskResult] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.results)

    @property
    def accuracy(self) -> float:
        return self.correct / len(self.results) if self.results else 0.0

    @property
    def calls(self) -> int:
        return sum(r.calls for r in self.results)

    @property
    def deep_calls(self) -> int:
        return sum(r.deep_calls for r in self.results)

    @property
    def deep_share(self) -> float:
        return self.deep_calls / self.calls if self.calls else 0.0

    @property
    def seconds_per_prompt(self) -> float:
        return sum(r.seconds for r in self.results) / len(self.results) if self.results else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.set_name,
            "mode": self.mode,
            "prompts": len(self.results),
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "calls": self.calls,
            "deep_calls": self.deep_calls,
            "deep_share": round(self.deep_share, 4),
            "seconds_per_prompt": round(self.seconds_per_prompt, 3),
            "results": [r.to_dict() for r in self.results],
        }


Progress = Callable[[str, str, int, int], None]


class Evaluator:
    def __init__(self, service: ChatService, allow_unsandboxed: bool = False) -> None:
        self.service = service
        self.allow_unsandboxed = allow_unsandboxed
        self.limits = sandbox.Limits.from_config(service.settings.checks)

    async def run(
        self, task_set: TaskSet, modes: Sequence[str], progress: Progress | None = None
    ) -> list[ModeSummary]:
        summaries = []
        for mode in modes:
            summary = ModeSummary(task_set.name, mode)
            for index, task in enumerate(task_set.tasks, start=1):
                if progress is not None:
                    progress(task_set.name, mode, index, len(task_set.tasks))
                summary.results.append(await self.run_task(task, mode))
            summaries.append(summary)
        return summaries

    async def run_task(self, task: Task, mode: str) -> TaskResult:
        store = self.service.store
        session = store.create_session(f"eval {task.id} · {mode}")
        began = time.perf_counter()
        turn = await self.service.begin_turn(session.id, task.prompt, force_route=FORCED[mode])
        final = await drain(self.service, turn)
        if final is not None and final.status is MessageStatus.COMPLETE and mode == "router+checks":
            final = await self._check(task, turn, final)
        seconds = time.perf_counter() - began
        answers = [m for m in store.messages(session.id) if m.role == "assistant"]
        deep = sum(1 for m in answers if m.route == "deep")
        correct, detail = await self._judge(task, final)
        route = (final.route if final is not None else None) or "?"
        return TaskResult(task.id, correct, len(answers), deep, seconds, route, detail)

    async def _check(self, task: Task, turn: Turn, answer: Message) -> Message:
        """The answer checks itself, as `--check` or `--samples` would; the answer shown."""
        if task.kind == CODE:
            from app.checks.service import Checker

            async def show(step: Turn, _label: str) -> None:
                await drain(self.service, step)

            checker = Checker(self.service, show, allow_unsandboxed=self.allow_unsandboxed)
            outcome = await checker.check(answer)
            return outcome.final or answer
        sampled = await draw_samples(self.service, turn, sample_count(self.service))
        shown = sampled.shown
        if wants_deep(self.service, turn.route, sampled.agreement):
            if await self.service.escalation_problem(shown) is None:
                deep = await self.service.escalate(shown)
                shown = await drain(self.service, deep) or shown
        return shown

    async def _judge(self, task: Task, final: Message | None) -> tuple[bool, str]:
        if final is None or final.status is not MessageStatus.COMPLETE:
            return False, f"no complete answer ({final.status if final else 'none'})"
        if task.kind == CODE:
            code = program(task.prompt, final.content).code
            if not code.strip():
                return False, "no Python code in the answer"
            checked = Program(code, task.tests, "prompt")
            result = await asyncio.to_thread(
                run_program, checked, self.limits, self.allow_unsandboxed
            )
            return result.status == PASSED, result.badge
        expected = final_result(task.answer)
        found = final_result(final.content)
        if found is None:
            return False, "no final result in the answer"
        return found == expected, f"result {found!r}, expected {expected!r}"


def blocked_reason(allow_unsandboxed: bool) -> str | None:
    """Why code tasks cannot be judged here (no sandbox, not allowed without), or None."""
    available = sandbox.probe()
    if available.ok or allow_unsandboxed:
        return None
    return available.detail
