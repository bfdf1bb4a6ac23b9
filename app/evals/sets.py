"""Labelled sets for `aha eval`: code tasks with tests, and word problems with a number.

A set is JSON lines, one task per line: `{"prompt": ..., "tests": ...}` (Python asserts or
test functions the answer's code must pass) or `{"prompt": ..., "answer": ...}` (the final
result the answer must reach, compared as `aha ask --samples` compares results). `id` is
optional. Two small sets ship with aha (`code`, `numbers`), for the mechanics; real figures
need a real set (see the README).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("data")
BUILT_IN = {"code": DATA / "code.jsonl", "numbers": DATA / "numbers.jsonl"}
CODE, NUMBER = "code", "number"


class SetError(ValueError):
    """A set that cannot be read: one line naming the file, the line and the problem."""


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    prompt: str
    kind: str  # CODE (judged by `tests`) or NUMBER (judged by `answer`)
    tests: str = ""
    answer: str = ""


@dataclass(frozen=True, slots=True)
class TaskSet:
    name: str
    tasks: tuple[Task, ...]


def _task(record: object, number: int) -> Task:
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    prompt = record.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError('"prompt" must be a non-empty string')
    task_id = str(record.get("id") or number)
    tests, answer = record.get("tests"), record.get("answer")
    if isinstance(tests, str) and tests.strip():
        return Task(task_id, prompt, CODE, tests=tests)
    if isinstance(answer, str | int | float) and not isinstance(answer, bool):
        if str(answer).strip():
            return Task(task_id, prompt, NUMBER, answer=str(answer).strip())
    raise ValueError('each task needs "tests" (a string of Python) or "answer" (a result)')


def load_set(name_or_path: str) -> TaskSet:
    """A built-in set by name, or a JSON lines file."""
    path = BUILT_IN.get(name_or_path) or Path(name_or_path).expanduser()
    name = name_or_path if name_or_path in BUILT_IN else path.stem
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        known = ", ".join(BUILT_IN)
        raise SetError(f"{name_or_path}: no such set or file (built in: {known})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SetError(f"{path}: cannot read it: {exc}") from None
    tasks: list[Task] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            tasks.append(_task(json.loads(line), number))
        except ValueError as exc:  # json.JSONDecodeError included
            raise SetError(f"{path}:{number}: {exc}") from None
    if not tasks:
        raise SetError(f"{path}: no tasks in it")
    return TaskSet(name, tuple(tasks))
