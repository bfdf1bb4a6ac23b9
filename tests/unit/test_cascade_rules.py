"""The cascade's cheap checks (app/router/cascade.py): each rule fires on a bad answer and
stays quiet on a good one."""

from __future__ import annotations

import pytest

from app.router.cascade import (
    CUT,
    DECLINED,
    EMPTY,
    REPEATS,
    UNSURE,
    split_weak_note,
    weak_reasons,
    with_weak_note,
)

GOOD = (
    "Two classic proofs differ in what they assume. The first argues by contradiction: if "
    "the square root of 2 were p/q in lowest terms, then p squared equals 2 q squared, so p "
    "is even, hence q is even too, contradicting lowest terms. The second uses unique "
    "factorisation: the exponent of 2 in p squared is even, in 2 q squared it is odd.\n\n"
    "- The parity proof is shorter and needs only evenness.\n"
    "- The factorisation proof generalises to any non-square integer.\n"
    "- Both are constructive about the contradiction they reach.\n\n"
    "In a lecture I would present the parity proof first, then the general one."
)
CODE = "```python\nfor i in range(3):\n    print(i)\n```\nThis prints 0, 1 and 2, one per line."


def test_a_good_answer_is_not_weak() -> None:
    assert weak_reasons(GOOD, "stop", 512) == []
    assert weak_reasons(CODE, "stop", 512) == []
    assert weak_reasons("Paris.", "stop", 512) == []


@pytest.mark.parametrize("text", ["", "   \n\n  "])
def test_empty(text: str) -> None:
    assert weak_reasons(text, "stop", 512) == [EMPTY]


@pytest.mark.parametrize(
    "text",
    [
        "The answer is the answer is " * 30,
        "\n".join(["I think the best option is this one."] * 6),
        "Sure. " + "very " * 80 + "good.",
        "First a sensible opening sentence about proofs. " + "and then and then " * 40,
    ],
)
def test_repeats_itself(text: str) -> None:
    assert REPEATS in weak_reasons(text, "stop", 2048)


def test_repetition_is_quiet_on_lists_and_short_answers() -> None:
    table = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 6
    assert weak_reasons(table, "stop", 512) == []
    assert weak_reasons("Yes yes yes.", "stop", 512) == []
    steps = "\n".join(f"{n}. Run step {n} of the experiment and log it." for n in range(1, 9))
    assert weak_reasons(steps, "stop", 512) == []


def test_cut_at_the_token_limit() -> None:
    assert weak_reasons(GOOD, "length", 512) == [CUT]
    assert weak_reasons(GOOD, "stop", 100) == []  # the engine said it stopped by itself
    # No finish reason: judged by length against max_tokens (about 4 characters a token).
    assert weak_reasons("word " * 400, None, 100) == [REPEATS, CUT]
    assert weak_reasons(GOOD, None, 512) == []
    assert weak_reasons(GOOD, None, None) == []


@pytest.mark.parametrize(
    "text",
    [
        "I can't help with that request.",
        "I cannot help with that.",
        "I'm sorry, but I can't assist with this.",
        "Sorry, I am unable to provide that information.",
        "As an AI, I do not have opinions about blog posts.",
        "As an AI language model, I cannot browse the web.",
        "**I won't write that.**",
    ],
)
def test_declined(text: str) -> None:
    assert weak_reasons(text, "stop", 512) == [DECLINED]


def test_declined_only_at_the_start() -> None:
    assert weak_reasons("I can't stress enough how useful ablations are.", "stop", 512) == []
    later = "Here is a plan. Note that I cannot help you run it, but the steps are simple."
    assert weak_reasons(later, "stop", 512) == []


@pytest.mark.parametrize(
    "text",
    [
        "I'm not sure, but it may be 42.",
        "I don't know the answer to that question.",
        "Honestly, I am not certain which optimiser they used.",
        GOOD + " That said, I'm not entirely sure the second proof is standard.",
        "I have no idea.",
    ],
)
def test_says_it_is_unsure(text: str) -> None:
    assert weak_reasons(text, "stop", 512) == [UNSURE]


def test_unsure_is_quiet_on_other_hedges() -> None:
    assert weak_reasons("If you're not sure, start with a small baseline.", "stop", 512) == []
    assert weak_reasons("It is not certain that the effect replicates.", "stop", 512) == []
    middle = GOOD + " I don't know of a third proof this short. " + GOOD
    assert weak_reasons(middle, "stop", 512) == []


def test_reasons_combine_in_order() -> None:
    text = "I'm not sure. " + "maybe maybe maybe " * 40
    assert weak_reasons(text, "length", 64) == [REPEATS, CUT, UNSURE]


def test_weak_note_round_trip() -> None:
    note = with_weak_note("deep route unavailable: down", [REPEATS, CUT])
    assert note == "deep route unavailable: down · weak: repeats itself, cut at the token limit"
    assert split_weak_note(note) == ("deep route unavailable: down", [REPEATS, CUT])
    assert with_weak_note(None, [EMPTY]) == "weak: empty answer"
    assert split_weak_note("weak: empty answer") == (None, [EMPTY])
    assert with_weak_note(note, []) == "deep route unavailable: down"
    assert with_weak_note(None, []) is None
    assert split_weak_note(None) == (None, [])
