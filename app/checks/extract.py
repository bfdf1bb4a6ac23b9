"""Find the Python code and its tests in a prompt and an answer, deterministically.

Tests are `assert` statements at the top level, `test_*` functions, or doctests in the code.
Tests the user gave (in the prompt) win over tests the model wrote: a model asked to fix its
code must not pass by rewriting the tests. Parsing uses `ast`, never runs anything.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_FENCE = re.compile(r"^(`{3,}|~{3,})[ \t]*([\w+.-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
_PYTHON_TAGS = {"", "python", "py", "python3", "pycon", "doctest"}
_ASKS_FOR_CODE = re.compile(
    r"\b(write|implement|code|function|program|script|def|class|fix|refactor)\b", re.I
)


@dataclass(frozen=True, slots=True)
class Program:
    """What a check runs: the code under test and its tests (either may come from the prompt)."""

    code: str
    tests: str
    tests_from: str  # "prompt", "answer", "doctest" or "" when there are none

    @property
    def has_tests(self) -> bool:
        return bool(self.tests.strip()) or self.tests_from == "doctest"


def python_blocks(text: str) -> list[str]:
    """The fenced code blocks of `text` that parse as Python."""
    blocks = []
    for match in _FENCE.finditer(text or ""):
        tag, body = match.group(2).lower(), match.group(3)
        if tag in _PYTHON_TAGS and _parses(body):
            blocks.append(body)
    return blocks


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


_BLOCKS = (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.If, ast.Try)


def _is_test(node: ast.stmt) -> bool:
    """One test: an assert, a test_* function, or a loop (or other block) of asserts.
    app/checks/harness.py counts the same way (it cannot import this module)."""
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name.startswith("test")
    return isinstance(node, _BLOCKS) and any(isinstance(n, ast.Assert) for n in ast.walk(node))


def _is_setup(node: ast.stmt) -> bool:
    """What a test block needs before its tests: imports and plain assignments (not function
    or class definitions, which would replace the code under test)."""
    return isinstance(node, ast.Import | ast.ImportFrom | ast.Assign | ast.AnnAssign)


def split_tests(source: str) -> tuple[str, str]:
    """(code, tests) of one Python source: top-level asserts and test_* functions are tests;
    the imports before them go with both, so the tests can run on their own."""
    tree = ast.parse(source)
    lines = source.splitlines()
    code: list[str] = []
    tests: list[str] = []
    for node in tree.body:
        start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else
                 node.lineno) - 1  # fmt: skip
        text = "\n".join(lines[start : node.end_lineno])
        (tests if _is_test(node) else code).append(text)
    return "\n\n".join(code), "\n\n".join(tests)


def with_setup(source: str) -> str:
    """A block's tests with the imports and assignments they rely on ("" when it has no
    tests): the user's `import math` or `CASES = [...]` stays with the asserts that use them."""
    tree = ast.parse(source)
    if not any(_is_test(node) for node in tree.body):
        return ""
    lines = source.splitlines()
    kept = [
        "\n".join(lines[node.lineno - 1 : node.end_lineno])
        for node in tree.body
        if _is_test(node) or _is_setup(node)
    ]
    return "\n\n".join(kept)


def _has_doctest(source: str) -> bool:
    return ">>> " in source


def program(prompt: str, answer: str) -> Program:
    """The code to check (from the answer) and its tests (the prompt's, else the answer's)."""
    answer_code: list[str] = []
    answer_tests: list[str] = []
    for block in python_blocks(answer):
        code, tests = split_tests(block)
        if code.strip():
            answer_code.append(code)
        if tests.strip():
            answer_tests.append(tests)
    prompt_tests = [with_setup(block) for block in python_blocks(prompt)]
    prompt_tests = [t for t in prompt_tests if t.strip()]
    code = "\n\n".join(answer_code)
    if prompt_tests:
        return Program(code, "\n\n".join(prompt_tests), "prompt")
    if answer_tests:
        return Program(code, "\n\n".join(answer_tests), "answer")
    if _has_doctest(code):
        return Program(code, "", "doctest")
    return Program(code, "", "")


def asks_for_code(prompt: str) -> bool:
    """A prompt that wants Python written ("write a function that...")."""
    return bool(_ASKS_FOR_CODE.search(prompt or "")) and (
        "python" in (prompt or "").lower() or "def " in (prompt or "") or "function" in prompt
    )


def count_tests(tests: str) -> int:
    try:
        return sum(_is_test(node) for node in ast.parse(tests).body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return 0
