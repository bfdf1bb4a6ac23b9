"""Router v0: score direction on clear cases, the decision contract, and import hygiene."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.router import RouteDecision, Router
from app.router.lab.evaluate import auroc

REPO = Path(__file__).resolve().parents[2]

EASY = [
    "hi",
    "hello!",
    "thanks",
    "what is the capital of France?",
    "Who wrote Hamlet?",
    "define entropy",
]

DRAFT = " ".join(
    "Transformers changed how we think about sequence models, and this post walks through why."
    for _ in range(36)
)  # ~500 words

HARD = [
    "Prove that the sum of the first n odd numbers is n^2, step by step, "
    "then compare two proof strategies",
    f"Critique the structure of my blog post draft:\n\n{DRAFT}",
    "I'm designing an experiment to test whether label smoothing reduces overfitting in a small "
    "transformer trained on a noisy dataset.\n"
    "1. Which baselines should I compare against, and why?\n"
    "2. Which hyperparameters should I sweep (learning rate, batch size, smoothing) and how?\n"
    "3. How should I design the ablation so the result generalizes beyond one benchmark?\n"
    "4. What evaluation metrics and validation protocol would convince a skeptical reviewer?",
]


@pytest.mark.parametrize("prompt", EASY)
def test_easy_prompts_score_low(prompt: str) -> None:
    d = Router().decide(prompt)
    assert d.score < 0.3
    assert d.route == "fast"


@pytest.mark.parametrize("prompt", HARD)
def test_hard_prompts_score_high(prompt: str) -> None:
    d = Router().decide(prompt)
    assert d.score > 0.6
    assert d.route == "deep"


@pytest.mark.parametrize("prompt", EASY + HARD + ["", "ok so", "x" * 5000])
def test_reasons_are_one_to_three_short_phrases(prompt: str) -> None:
    reasons = Router().decide(prompt).reasons
    assert isinstance(reasons, tuple)
    assert 1 <= len(reasons) <= 3
    assert all(isinstance(r, str) and r.strip() for r in reasons)


def test_reasons_name_the_signals() -> None:
    assert "casual chat" in Router().decide("hi").reasons
    assert "short factual question" in Router().decide("what is the capital of France?").reasons
    assert "asks to critique a whole draft" in Router().decide(HARD[1]).reasons


@pytest.mark.parametrize("force", ["fast", "deep"])
def test_force_overrides_route_but_keeps_score(force: str) -> None:
    router = Router()
    for prompt in ("hi", HARD[0]):
        natural = router.decide(prompt)
        forced = router.decide(prompt, force=force)
        assert forced.route == force
        assert forced.forced is True
        assert forced.score == natural.score
        assert forced.reasons[0] == f"forced: {force}"
        assert 1 <= len(forced.reasons) <= 3
    assert router.decide("hi").forced is False


@pytest.mark.parametrize("bad", ["Deep", "slow", "", "auto", 1])
def test_invalid_force_raises(bad: object) -> None:
    with pytest.raises(ValueError):
        Router().decide("hi", force=bad)  # type: ignore[arg-type]


def test_threshold_is_used_and_reported() -> None:
    assert Router().decide("hi").threshold == 0.5
    assert Router(threshold=0.0).decide("hi").route == "deep"
    assert Router(threshold=1.0).decide(HARD[0]).route == "fast"
    with pytest.raises(ValueError):
        Router(threshold=1.5)


def test_ms_present_and_non_negative() -> None:
    d = Router().decide("what is 2 + 2?")
    assert isinstance(d.ms, float)
    assert d.ms >= 0


@pytest.mark.parametrize(
    "prompt",
    [
        "",
        "   \n\t ",
        "a" * 1_000_000,
        "word " * 200_000,
        "\x1b[31mred\x1b[0m \x00 \r\n \\n \u202e \ud83d\ude00 \\frac{1}{2} $x^2$ ```",
        "\x1b]0;title\x07" * 1000,
    ],
)
def test_odd_inputs_give_valid_decisions(prompt: str) -> None:
    d = Router().decide(prompt)
    assert 0.0 <= d.score <= 1.0
    assert d.route in ("fast", "deep")
    assert d.score == round(d.score, 4)
    assert 1 <= len(d.reasons) <= 3


def test_huge_paste_counts_as_long() -> None:
    short = Router().decide("word " * 20)
    huge = Router().decide("word " * 200_000)  # 1 MB
    assert huge.score > short.score


def test_to_dict_keys_and_json() -> None:
    d = Router().decide(HARD[0], force="fast")
    out = d.to_dict()
    assert list(out) == ["route", "score", "threshold", "reasons", "ms", "forced"]
    assert isinstance(out["reasons"], list)
    assert json.loads(json.dumps(out)) == out
    assert isinstance(d, RouteDecision)


def test_decision_is_frozen() -> None:
    d = Router().decide("hi")
    with pytest.raises(AttributeError):
        d.route = "deep"  # type: ignore[misc]


def test_auroc_hand_made() -> None:
    labels = [0, 0, 1, 1]
    assert auroc([0.1, 0.2, 0.8, 0.9], labels) == 1.0
    assert auroc([0.9, 0.8, 0.2, 0.1], labels) == 0.0
    assert auroc([0.5, 0.5, 0.5, 0.5], labels) == 0.5
    # One positive ranked below one negative out of 2 x 2 pairs -> 3/4.
    assert auroc([0.1, 0.6, 0.5, 0.9], [False, False, True, True]) == 0.75
    with pytest.raises(ValueError):
        auroc([0.1, 0.2], [1, 1])


def test_import_stays_light() -> None:
    code = (
        "import sys, app.router, app.router.lab.evaluate\n"
        "heavy = [m for m in ('textual', 'litellm', 'llama_cpp') "
        "if any(k == m or k.startswith(m + '.') for k in sys.modules)]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
