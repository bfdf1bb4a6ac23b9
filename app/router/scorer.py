"""The router: a logistic over the hand-made features in ``features.py`` plus hashed n-grams.

``Router()`` uses the learned weights in ``weights.json`` (see ``model.py``; trained by
``aha route train``). The hand-set v0 weights below are the fallback when that file is missing or
corrupt, and the prior the learned feature weights are pulled towards. Each hand-made term's
contribution doubles as a routing reason; the n-grams together are cited only as a phrase
("wording seen in hard questions"), never as raw n-grams.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

from app.router.features import extract
from app.router.followup import refers_back
from app.router.model import Model, get_model, is_multiple_choice, ngram_buckets, ngram_value

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
    "code": 1.2,  # writing or fixing code: where a big model gains most over a small one
    "reasoning": 1.0,  # why / explain / step by step / design: multi-step chains
    "comparison": 0.9,  # trade-offs need weighing several considerations
    "critique": 1.1,  # structure critique of a whole draft needs the full context
    "ml": 0.8,  # ML research brainstorming is aha's core deep use
    "word_problem": 1.0,  # numbers and a numeric question: small models slip on the arithmetic
    "task": 1.0,  # "prove", "derive", "propose a plan": a chain of steps a small model cannot check
    # Structure (set by hand before any evaluation, like the weights above): each is about half
    # a strong signal, so only a problem with several of them, or with another signal, crosses.
    "quantities": 0.6,  # five or more distinct numbers: a long chain of arithmetic
    "steps": 0.5,  # "twice as many", "the rest", "per hour": one step of arithmetic each
    "constraints": 0.6,  # "at least", "must not", "such that": conditions the answer must meet
    "exact_output": 0.8,  # extraction into a fixed format: one slip and the answer is wrong
    "open_ended": -1.0,  # stories, emails, personas: a small model's prose is judged close
    "short_factual": -1.5,  # "what is X?": lookup-like, the fast model knows it
    "casual": -2.5,  # greetings and thanks: never worth the big model
}

MIN_REASON_CONTRIBUTION = 0.25
"""Contributions smaller than this (in logit units) are too weak to cite as a reason."""

DEFAULT_THRESHOLD = 0.5
"""``Router()`` with neither a threshold nor a deep share, and any share without a calibration."""
CRITIQUE_RULE_MIN = 0.9
"""The "critique" feature at or above this (two or more critique signals, e.g. "critique my
draft") sends the prompt deep whatever its score: structure critique needs the whole draft in
view, which the small model cannot hold."""
CRITIQUE_REASON = "asks to critique a whole draft"
_CRITIQUE_ASK = re.compile(
    r"\b(?:critique|critici[sz]e|review|feedback|restructure|improve|rewrite|edit)\b", re.I
)
"""The rule also needs an explicit request: "the structure of the argument" alone is a topic."""
FOLLOW_UP_CARRY = 0.8
"""A follow-up that refers back to a deep turn keeps this share of that turn's margin over the
threshold: "and why?" after a hard question is hard too, and a chain of follow-ups closes in on
the threshold. A margin, not the score itself, so retraining (which moves the threshold) cannot
turn a direct follow-up of a deep answer fast."""
FOLLOW_UP_REASON = "follow-up to a hard question"

FALLBACK_REASON = "no strong difficulty signal"
NGRAM_HARD = "wording seen in hard questions"
NGRAM_EASY = "wording seen in easy questions"


def _inherited(previous_score: float | None, threshold: float) -> float:
    """The least score a follow-up that refers back to a turn of ``previous_score`` gets."""
    if previous_score is None or previous_score < threshold:
        return 0.0
    return threshold + FOLLOW_UP_CARRY * (previous_score - threshold)


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

    def __init__(
        self,
        threshold: float | None = None,
        weights: str | Path | None = None,
        deep_share: float | None = None,
        shift: float = 0.0,
    ) -> None:
        """``threshold``: an explicit cut-off; it wins over ``deep_share``, the target share of
        prompts to send deep, turned into a threshold by the weights' calibration table (held-out
        scores). Neither: 0.5. ``weights``: a weights file to use instead of the committed one.
        ``shift``: added to that base threshold (the user's feedback, app/router/feedback.py);
        it may be changed later, and the result stays within [0, 1]."""
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold!r}")
        if deep_share is not None and not 0.0 <= deep_share <= 1.0:
            raise ValueError(f"deep_share must be in [0, 1], got {deep_share!r}")
        self._threshold = None if threshold is None else float(threshold)
        self.deep_share = None if deep_share is None else float(deep_share)
        self._weights = weights
        self._model: Model | None = None
        self.shift = float(shift)

    @property
    def base_threshold(self) -> float:
        """The explicit threshold, else the calibrated one for ``deep_share`` (loads weights)."""
        if self._threshold is None:
            calibrated = None
            if self.deep_share is not None:
                calibrated = self.model.threshold_for(self.deep_share)
            self._threshold = round(calibrated, 4) if calibrated is not None else DEFAULT_THRESHOLD
        return self._threshold

    @property
    def threshold(self) -> float:
        """The base threshold moved by ``shift``, within [0, 1]."""
        base = self.base_threshold
        if not self.shift:
            return base
        return round(min(1.0, max(0.0, base + self.shift)), 4)

    @property
    def model(self) -> Model:
        """Loaded on first use (tens of ms of JSON), so building a Router at start-up, before
        the TUI's first frame, costs nothing."""
        if self._model is None:
            self._model = get_model(self._weights)
        return self._model

    def score(self, prompt: str) -> tuple[float, list[tuple[float, str]]]:
        """p(needs deep) and each term's (contribution, phrase), unrounded."""
        p, contributions, _ = self._score(prompt)
        return p, contributions

    def _score(self, prompt: str) -> tuple[float, list[tuple[float, str]], float]:
        """``score`` plus the critique feature's value, so ``decide`` extracts features once
        (on a long paste the feature scan is most of a decision)."""
        model = self.model
        if model.exam is not None and is_multiple_choice(prompt):
            model = model.exam  # exam questions have their own expert (fit.fit_exam)
        logit = model.bias
        contributions: list[tuple[float, str]] = []
        features = extract(prompt)
        critique = next((f.value for f in features if f.name == "critique"), 0.0)
        for feature in features:
            c = model.features.get(feature.name, 0.0) * feature.value
            if c:
                logit += c
                contributions.append((c, feature.describe(c)))
        if model.ngrams:
            buckets = ngram_buckets(prompt)
            get = model.ngrams.get
            c = sum(get(b, 0.0) for b in buckets) * ngram_value(len(buckets))
            if c:
                logit += c
                contributions.append((c, NGRAM_HARD if c > 0 else NGRAM_EASY))
        return _sigmoid(logit), contributions, critique

    def decide(
        self,
        prompt: str,
        force: str | None = None,
        previous_score: float | None = None,
        previous_answer: str = "",
    ) -> RouteDecision:
        """Route ``prompt``; ``force`` ("fast"/"deep") overrides the route but not the score.

        ``previous_score``: the score of the turn this prompt follows up, if any, and
        ``previous_answer`` that turn's answer. When the prompt refers back to it ("why?",
        "fix it", a pronoun with no antecedent, a quote of it: followup.py), its score is at
        least ``_inherited`` of that one (the stored score is that one, so a deep route always
        has score >= threshold, except when forced or by the critique rule); an unrelated
        prompt in the same session is routed on its own.
        """
        if force is not None and force not in ROUTES:
            raise ValueError(f"force must be None, 'fast' or 'deep', got {force!r}")
        _ = self.model  # load the weights outside the timed part: `ms` is the decision itself
        threshold = self.threshold
        start = time.perf_counter()
        text = prompt if isinstance(prompt, str) else str(prompt)
        p, contributions, critique = self._score(text)
        own = "deep" if p >= threshold else "fast"
        inherited = _inherited(previous_score, threshold)
        if inherited > p and refers_back(text, previous_answer):
            p = inherited
        natural = "deep" if p >= threshold else "fast"
        if _critique_rule(text, critique):
            natural = "deep"
            rest = [r for r in _reasons(contributions, deep=True) if r != CRITIQUE_REASON]
            reasons = (CRITIQUE_REASON, *(r for r in rest if r != FALLBACK_REASON))[:3]
        else:
            reasons = _reasons(contributions, deep=natural == "deep")
            if natural != own:
                reasons = (FOLLOW_UP_REASON,) + reasons[:2]
        if force is not None:
            reasons = (f"forced: {force}",) + reasons[:2]
        route = force or natural
        ms = (time.perf_counter() - start) * 1000.0
        return RouteDecision(
            route=route,
            score=round(p, 4),
            threshold=threshold,
            reasons=reasons,
            ms=ms,
            forced=force is not None,
        )


def _critique_rule(text: str, value: float) -> bool:
    """Strong critique signal (``value``, the critique feature) plus an explicit request (see
    ``CRITIQUE_RULE_MIN``)."""
    return value >= CRITIQUE_RULE_MIN and _CRITIQUE_ASK.search(text[:4000]) is not None


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
