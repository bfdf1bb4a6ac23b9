"""Finding code and tests, and final results, deterministically."""

from __future__ import annotations

import pytest

from app.checks.agree import agreement, final_result
from app.checks.extract import asks_for_code, program, split_tests


def test_the_prompts_tests_win_over_the_answers() -> None:
    prompt = "Write add.\n```python\nassert add(1, 2) == 3\n```"
    answer = "```python\ndef add(a, b):\n    return a + b\n\nassert add(1, 1) == 2\n```"
    found = program(prompt, answer)
    assert found.tests_from == "prompt" and found.tests.strip() == "assert add(1, 2) == 3"
    assert "def add" in found.code and "assert" not in found.code


def test_test_functions_and_doctests_count_as_tests() -> None:
    code, tests = split_tests(
        "import math\ndef f(x):\n    return x\n\ndef test_f():\n    assert f(1) == 1\n"
    )
    assert "def test_f" in tests and "def f(x)" in code
    doc = program(
        "", '```python\ndef f(x):\n    """\n    >>> f(2)\n    2\n    """\n    return x\n```'
    )
    assert doc.tests_from == "doctest" and doc.has_tests


def test_no_code_no_program() -> None:
    assert program("hi", "Just prose, no code.").code == ""
    assert asks_for_code("Write a Python function that reverses a list")
    assert not asks_for_code("What is the capital of France?")


@pytest.mark.parametrize(
    ("answer", "result"),
    [
        ("so \\boxed{42}", "42"),
        ("The answer is 1,200.", "1200"),
        ("Answer: (B)", "B"),
        ("Thinking...\nB.", "B"),
        ("Is it prime? Yes", "yes"),
        ("about 3.50 metres", "3.5"),
        ("Paris", "paris"),
        ("", None),
    ],
)
def test_final_results(answer: str, result: str | None) -> None:
    assert final_result(answer) == result


def test_agreement_counts_the_majority() -> None:
    agreed = agreement(["It is 42.", "41", "\\boxed{42}"])
    assert (agreed.result, agreed.agreeing, agreed.badge) == ("42", 2, "2/3 agree")
