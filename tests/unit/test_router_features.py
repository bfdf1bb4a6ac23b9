"""The hand-made features that carry chat prompts (the learned n-grams score exam questions):
each fires on the kind of prompt it names and stays quiet on its look-alikes."""

from __future__ import annotations

import pytest

from app.router import Router
from app.router.features import extract


def value(text: str, name: str) -> float:
    return next(f.value for f in extract(text) if f.name == name)


@pytest.mark.parametrize(
    "prompt",
    [
        "Some people got on a bus. At the first stop 4 got down and 8 got in; if 25 are on "
        "the bus now, how many got on at the terminal?",
        "When rolling two dice, what is the probability that the total is at least 3?",
        "A shop sells 5 books at $20 and 3 at $30. What is the total cost?",
    ],
)
def test_word_problem_fires_on_numbers_with_a_numeric_question(prompt: str) -> None:
    assert value(prompt, "word_problem") >= 0.5
    assert value(prompt, "short_factual") == 0.0  # a problem to solve, not a lookup


@pytest.mark.parametrize(
    "prompt",
    [
        "How many people live in Paris?",  # a numeric question with no numbers given
        "I was born in 1990 and moved twice since.",  # numbers, no question about them
        "What is the capital of France?",
    ],
)
def test_word_problem_stays_quiet_without_both_parts(prompt: str) -> None:
    assert value(prompt, "word_problem") == 0.0


def test_exact_output_fires_on_extraction_into_a_format() -> None:
    prompt = "Extract the book titles and authors from the text below and output them in JSON."
    assert value(prompt, "exact_output") >= 0.5
    assert value("Tell me about your favourite book.", "exact_output") == 0.0


@pytest.mark.parametrize(
    "prompt",
    [
        "Compose an engaging travel blog post about a trip to Hawaii.",
        "Write a short story about a lighthouse keeper.",
        "Pretend to be a pirate and tell me about your ship.",
        "Write a persuasive email to my landlord.",
    ],
)
def test_open_ended_fires_on_creative_writing_and_role_play(prompt: str) -> None:
    assert value(prompt, "open_ended") >= 0.5


@pytest.mark.parametrize(
    "prompt",
    [
        "Write a function that merges two sorted lists.",
        "Prove that the square root of 2 is irrational.",
        "Critique the structure of my blog post draft.",
    ],
)
def test_open_ended_stays_quiet_on_code_proofs_and_critique(prompt: str) -> None:
    assert value(prompt, "open_ended") == 0.0


@pytest.mark.parametrize(
    "prompt",
    [
        "Implement a function to find the median of two sorted arrays in O(log n) time.",
        "Write a C++ program to print the nth Fibonacci number using recursion.",
        "Develop a Python program that counts words in every file of a directory.",
    ],
)
def test_code_requests_are_clearly_code(prompt: str) -> None:
    assert value(prompt, "code") >= 1.0


def test_code_and_word_problems_outrank_creative_writing() -> None:
    router = Router()
    creative = router.decide("Write a captivating short story about an abandoned house.")
    code = router.decide("Implement a function to find the kth smallest element of two lists.")
    sums = router.decide(
        "A number divided by 10 leaves remainder 4. What is the remainder of twice it divided by 4?"
    )
    assert creative.score < min(code.score, sums.score)
    assert "open-ended writing or role-play" in creative.reasons
    assert "asks for code" in code.reasons
    assert "math word problem" in sums.reasons


@pytest.mark.parametrize("prompt", ["Is C++ faster here?", "Port this to C#.", "F# or OCaml?"])
def test_languages_named_with_symbols_count_as_code(prompt: str) -> None:
    assert value(prompt, "code") > 0
