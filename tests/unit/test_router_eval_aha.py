"""aha's side of `aha route eval`: never scored on its own training prompts; the baselines."""

from __future__ import annotations

import pytest

from app.router.lab import eval_baselines as bl
from app.router.lab.eval_aha import run_aha
from app.router.lab.eval_data import EvalSet, Item

pytest.importorskip("numpy")

HARD = "prove the theorem about eigenvalues of the matrix step by step"
EASY = "what is the capital of france"


def _items(n: int, offset: int = 0) -> list[Item]:
    out = []
    for i in range(offset, offset + n):
        hard = i % 2 == 0
        text = f"{HARD if hard else EASY} number {i}"
        out.append(Item(text, 0.0 if hard else 1.0, 1.0, hard))
    return out


def test_overlapping_prompts_are_held_out_by_retraining() -> None:
    training = _items(40)
    eset = EvalSet("t", training[:10], "test")
    run = run_aha(eset, training)
    assert run.how.startswith("retrained on 30 training prompts, without the 10 of this set")
    assert len(run.scores) == 10 and len(run.latencies_ms) == 10
    hard = [s for s, it in zip(run.scores, eset.items, strict=True) if it.needs_deep]
    easy = [s for s, it in zip(run.scores, eset.items, strict=True) if not it.needs_deep]
    assert min(hard) > max(easy)  # the held-out model still learned the obvious signal


def test_unseen_prompts_use_the_weights_as_they_are() -> None:
    eset = EvalSet("t", _items(4, offset=100), "test")
    run = run_aha(eset, _items(20))
    assert "none of these prompts in its training data" in run.how
    assert run_aha(eset, None).how.endswith("could not check for overlap)")


def test_folds_score_every_prompt_out_of_fold() -> None:
    eset = EvalSet("t", _items(30), "test")
    run = run_aha(eset, _items(10, offset=200), folds=3)
    assert run.how.startswith("3-fold out-of-fold")
    assert "10 training prompts not in this set" in run.how
    assert len(run.scores) == 30 and all(0.0 < s < 1.0 for s in run.scores)


def test_as_is_keeps_the_weights_and_says_so() -> None:
    training = _items(12)
    run = run_aha(EvalSet("t", training[:4], "test"), training, as_is=True)
    assert "as is: 4 of these prompts were in its training data" in run.how


def test_length_baseline_and_random() -> None:
    assert bl.length_score("abcd") > bl.length_score("ab")
    assert bl.random_score("x") == bl.random_score("y")


def test_complexity_router_heuristic_ranks_by_tier_then_score() -> None:
    score = bl.complexity_router_scorer()
    simple = score("hi")
    hard = score(
        "Think step by step: design a distributed consensus algorithm, analyze its time"
        " complexity, then prove its correctness and implement it in Python with tests."
    )
    assert hard > simple
