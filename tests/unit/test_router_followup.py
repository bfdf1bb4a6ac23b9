"""A follow-up inherits the previous turn's difficulty only when it refers back to it."""

from __future__ import annotations

import pytest

from app.router import Router
from app.router.followup import refers_back
from app.router.scorer import FOLLOW_UP_REASON

REFERS_BACK = [
    "and why?", "Why?", "continue", "Tell me more", "fix it", "Fix it please", "Shorten it.",
    "Can you prove that step?", "What about step 3?", "It doesn't compile.",
    "That is wrong, the sum should be 12.", "Is it always true for negative numbers?",
    "Rewrite your answer as a haiku", "and why does the induction step hold?",
    "But what if n is even?", 'Explain this: "the variance estimate is biased"',
]  # fmt: skip
ON_ITS_OWN = [
    "Give me three tips for writing a clear blog introduction.",
    "What is the capital of France?", "Write a Python function that parses ISO dates.",
    "thanks!", "Prove that the square root of 2 is irrational.",
    "Show that every bounded monotone sequence converges.",
    "Summarise the key ideas of attention in transformers.",
    "Check this for bugs:\n```python\nx = 1\n```",
]  # fmt: skip


@pytest.mark.parametrize("prompt", REFERS_BACK)
def test_prompts_that_lean_on_the_turn_before(prompt: str) -> None:
    assert refers_back(prompt)


@pytest.mark.parametrize("prompt", ON_ITS_OWN)
def test_prompts_that_stand_alone(prompt: str) -> None:
    assert not refers_back(prompt)


def test_a_quote_of_the_previous_answer_refers_back() -> None:
    previous = "A cache keeps a copy. The copy ages while the source changes."
    assert refers_back('Why does "the copy ages while the source" matter?', previous)
    assert refers_back("> The copy ages while the source changes.\nreally?", previous)
    assert not refers_back('What does "a quote from elsewhere entirely" mean?', previous)


def test_an_unrelated_prompt_after_a_hard_one_is_routed_on_its_own() -> None:
    """The case a new user met: tips for a blog introduction after a proof went deep."""
    router = Router(deep_share=0.3)
    proof = router.decide("Prove that the sum of the first n odd numbers is n squared.")
    assert proof.route == "deep"
    tips = router.decide(
        "Give me three tips for writing a clear blog introduction.",
        previous_score=proof.score,
        previous_answer="By induction: 1 = 1, and n^2 + (2n + 1) = (n + 1)^2.",
    )
    assert tips.route == "fast" and FOLLOW_UP_REASON not in tips.reasons
    why = router.decide("and why does the induction step hold?", previous_score=proof.score)
    assert why.route == "deep" and why.reasons[0] == FOLLOW_UP_REASON
