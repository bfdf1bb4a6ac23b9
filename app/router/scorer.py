"""Router v0: a hand-weighted logistic over the features in ``features.py``.

Why a hand-set linear model: it is the explainable baseline the learned router (a later issue) must
beat, it needs no training data or dependencies, and each term's contribution doubles as the
routing reason shown to the user.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from app.router.features import extract

ROUTES = ("fast", "deep")

# Logit = BIAS + sum(WEIGHTS[name] * value). Features are scaled so that "clearly present" is ~1.
# The bias starts every prompt on the fast side (p ~ 0.27): most chat turns are easy and the fast
# model is the cheap default; it takes roughly one strong difficulty signal plus some length, or
# two signals, to cross 0.5.
BIAS = -1.0
WEIGHTS: dict[str, float] = {
    "length": 0.9,  # per ~3 doublings of words; short prompts pull towards fast
    "multipart": 1.2,  # several questions / numbered asks: the small model drops parts
    "math": 1.1,  # proofs and derivations are where small models fail most
    "code": 0.8,  # code matters, but one-liners are fine on the fast model
    "reasoning": 1.0,  # why / explain / step by step / design: multi-step chains
    "comparison": 0.9,  # trade-offs need weighing several considerations
    "critique": 1.1,  # structure critique of a whole draft needs the full context
    "ml": 0.8,  # ML research brainstorming is aha's core deep use
    "short_factual": -1.5,  # "what is X?": lookup-like, the fast model knows it
    "casual": -2.5,  # greetings and thanks: never worth the big model
}

MIN_REASON_CONTRIBUTION = 0.25
"""Contributions smaller than this (in logit units) are too weak to cite as a reason."""

FALLBACK_REASON = "no strong difficulty signal"


@dataclass(frozen=True)
class RouteDecision:
    """Where one prompt goes, how sure the router is, and why (shown in the UI and stored)."""

    route: str
    score: float
    threshold: float
    reasons: tuple[str, ...]
    ms: float
    forced: bool = False

    def to_dict(self) -> dict:
        """A JSON-serialisable dict for storage on the assistant row."""
        return {
            "route": self.route,
            "score": self.score,
            "threshold": self.threshold,
            "reasons": list(self.reasons),
            "ms": self.ms,
            "forced": self.forced,
        }


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Router:
    """Scores a prompt's difficulty and picks the fast or deep route."""

    def __init__(self, threshold: float = 0.5) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
        self.threshold = float(threshold)

    def score(self, prompt: str) -> tuple[float, list[tuple[float, str]]]:
        """p(needs deep) and each feature's (contribution, phrase), unrounded."""
        logit = BIAS
        contributions: list[tuple[float, str]] = []
        for feature in extract(prompt):
            c = WEIGHTS.get(feature.name, 0.0) * feature.value
            if c:
                logit += c
                contributions.append((c, feature.describe(c)))
        return _sigmoid(logit), contributions

    def decide(self, prompt: str, force: str | None = None) -> RouteDecision:
        """Route ``prompt``; ``force`` ("fast"/"deep") overrides the route but not the score."""
        if force is not None and force not in ROUTES:
            raise ValueError(f"force must be None, 'fast' or 'deep', got {force!r}")
        start = time.perf_counter()
        p, contributions = self.score(prompt if isinstance(prompt, str) else str(prompt))
        natural = "deep" if p >= self.threshold else "fast"
        reasons = _reasons(contributions, deep=natural == "deep")
        if force is not None:
            reasons = (f"forced: {force}",) + reasons[:2]
        route = force or natural
        ms = (time.perf_counter() - start) * 1000.0
        return RouteDecision(
            route=route,
            score=round(p, 4),
            threshold=self.threshold,
            reasons=reasons,
            ms=ms,
            forced=force is not None,
        )


def _reasons(contributions: list[tuple[float, str]], deep: bool) -> tuple[str, ...]:
    """The 1-3 strongest contributions pointing the way the router decided."""
    if deep:
        picked = sorted((c for c in contributions if c[0] >= MIN_REASON_CONTRIBUTION), reverse=True)
    else:
        picked = sorted(c for c in contributions if c[0] <= -MIN_REASON_CONTRIBUTION)
    phrases: list[str] = []
    for _, phrase in picked:
        if phrase not in phrases:
            phrases.append(phrase)
        if len(phrases) == 3:
            break
    return tuple(phrases) or (FALLBACK_REASON,)
