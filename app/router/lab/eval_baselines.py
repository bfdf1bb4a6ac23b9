"""The baselines `aha route eval` compares aha's router with, scored in the same run.

- random: the exact expectation of random routing (every prompt gets the same score, so each
  share of deep calls takes an average slice of the prompts; see ``eval_metrics.curve``);
- prompt length: longer prompts first (characters);
- litellm's ``complexity_router`` heuristic: the rule-based scorer of litellm's complexity router
  (``ComplexityRouter.classify``), offline, called directly. Its tier decides its routing, so
  prompts are ranked by tier first and by the weighted score within a tier. litellm is imported
  only here, and only when the baseline runs (it takes seconds).
"""

from __future__ import annotations

import os
from collections.abc import Callable

Scorer = Callable[[str], float]

TIERS = ("SIMPLE", "MEDIUM", "COMPLEX", "REASONING")


def random_score(prompt: str) -> float:
    """A constant: ties everything, which the metrics turn into the exact random expectation."""
    return 0.0


def length_score(prompt: str) -> float:
    return float(len(prompt))


class Unavailable(RuntimeError):
    """The litellm heuristic cannot run here; the message says why."""


def complexity_router_scorer() -> Scorer:
    """litellm's complexity_router heuristic as a score (tier index + weighted score)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network on import
    try:
        from litellm.router_strategy.complexity_router.complexity_router import (
            ComplexityRouter,
        )
    except Exception as exc:  # any import failure means "not available", with its reason
        raise Unavailable(f"litellm's complexity_router could not be imported ({exc})") from None
    try:
        # classify() scores the text alone; the routing context (deployments) is never used.
        router = ComplexityRouter(model_name="aha-eval", ctx=None)  # type: ignore[arg-type]
    except Exception as exc:
        raise Unavailable(f"litellm's complexity_router could not be built ({exc})") from None

    def score(prompt: str) -> float:
        tier, weighted, _signals = router.classify(prompt)
        name = str(getattr(tier, "value", tier)).upper()
        rank = TIERS.index(name) if name in TIERS else 0
        return rank * 10.0 + float(weighted)  # weighted scores stay within about [-1, 2]

    return score
