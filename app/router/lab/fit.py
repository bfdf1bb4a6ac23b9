"""Fitting the router's model (used by ``train.py``).

Model: one logistic regression over the hand-made features (``features.py``) and L2-normalised
binary hashed unigrams+bigrams (``model.py``), written here in numpy (full-batch Adam, fixed
iterations, no randomness except a seeded fold split: the same data gives the same weights).

Regularisation encodes "features that generalise across benchmarks matter more than a few points
in-distribution": the hand-made feature weights are pulled weakly towards the hand-set v0 weights
(a prior, so features absent from the training data keep their v0 meaning, e.g. "casual chat"),
while the n-gram weights are pulled towards zero and only buckets seen in at least ``MIN_DF``
training prompts may be non-zero. Classes are weighted equally (positives are ~18% of MMLU), so
a score of 0.5 is the balanced decision point, as router v0's threshold assumes.

Exam-question part (``fit_exam``): a second set of weights, fitted on the multiple-choice
training prompts only, to the gain of the strong model over the weak one, and applied only to
prompts of that form (``model.is_multiple_choice``). Wording that predicts where the weak model
fails an exam question does not carry over to chat, so it is kept away from chat prompts; and
the main (chat) model is fitted on the other prompts only, or stays at v0 while there are fewer
than ``CHAT_MIN_PER_CLASS`` of each class (see ``fit``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from app.router.lab.train_data import FEATURES, Data
from app.router.model import N_BUCKETS
from app.router.scorer import BIAS as V0_BIAS
from app.router.scorer import WEIGHTS as V0_WEIGHTS

L2_FEATURES = 3e-2
"""Pull of the hand-made feature weights towards v0 (per unit of the class-balanced mean loss)."""
L2_NGRAMS = 3e-3
"""Pull of each n-gram weight towards zero: strong, so n-grams only refine the features. (3e-4
scores higher on MMLU and MT-bench but pulls chat prompts towards fast: MMLU wording dominates.)"""
MIN_DF = 3
ITERATIONS = 300
LEARNING_RATE = 0.05
EXAM_L2_FEATURES = 1e-3
EXAM_L2_NGRAMS = 1e-4
"""Weaker pulls for the exam expert: it only ever scores exam questions, and has thousands."""
CHAT_MIN_PER_CLASS = 50
"""Fewer non-exam training prompts than this in either class: the main model stays at v0.
MT-bench's 144 prompts (21 positive) are too few: n-grams learned from them called "write a
Python function" easy wording, and the fitted bias moved every chat score down."""
EXAM_MIN = 200
"""Fewer multiple-choice training prompts than this: no exam expert."""


@dataclass
class Fit:
    bias: float
    feats: np.ndarray
    ngrams: np.ndarray  # dense (N_BUCKETS,)
    exam: Fit | None = None
    """The exam-question expert (``fit_exam``), which scores the rows where ``Data.mc`` is set."""

    def logits(self, d: Data) -> np.ndarray:
        z = self.bias + d.feats @ self.feats
        if self.ngrams.any() and len(d.cols):
            z = z + np.bincount(d.rows(), weights=self.ngrams[d.cols] * d.vals, minlength=d.n)
        if self.exam is not None and d.mask_mc().any():
            z = np.where(d.mask_mc(), self.exam.logits(d), z)
        return z


def fit(d: Data, use_features: bool = True, use_ngrams: bool = True, **kw) -> Fit:
    """The router's model: ``fit_linear``, plus (with features and n-grams) the exam expert.

    With both, the main model (which scores everything but exam questions) is fitted on the
    prompts that are not exam questions only, and is the hand-set v0 prior when there are too
    few of them: exam wording and exam difficulty do not carry over to chat, so MMLU alone
    would only teach it MMLU (trained on MMLU, it scored MT-bench below the v0 prior)."""
    if not (use_features and use_ngrams):
        return fit_linear(d, use_features, use_ngrams, **kw)
    chat = d.subset(np.flatnonzero(~d.mask_mc()))
    positives = int(chat.y.sum())
    if min(positives, chat.n - positives) >= CHAT_MIN_PER_CLASS:
        f = fit_linear(chat, use_features, use_ngrams, **kw)
    else:
        f = v0_fit()
    f.exam = fit_exam(d, f)
    return f


def v0_fit() -> Fit:
    """The hand-set v0 weights as a ``Fit`` (no n-grams)."""
    feats = np.array([V0_WEIGHTS[name] for name in FEATURES])
    return Fit(bias=V0_BIAS, feats=feats, ngrams=np.zeros(N_BUCKETS))


def fit_exam(d: Data, base: Fit) -> Fit | None:
    """A model for multiple-choice exam questions only, fitted on the training prompts of that
    form to the gain of asking the strong model (strong minus weak quality, so a question the
    strong model gets wrong and the weak one right counts against it: what APGR rewards), with
    the hand-made features learned freely (no v0 prior: v0 describes chat, not exams).

    Its logits are mapped affinely onto the base model's on the same prompts (same mean and
    spread), so thresholds and calibration keep one scale across both kinds of prompt."""
    mask = d.mask_mc()
    if mask.sum() < EXAM_MIN:
        return None
    sub = d.subset(np.flatnonzero(mask))
    gain = sub.strong - sub.weak
    scale = max(float(np.abs(gain).max()), 1e-9)
    target = replace(sub, y=np.clip((gain / scale + 1.0) / 2.0, 0.0, 1.0))
    g = fit_linear(
        target,
        l2_features=EXAM_L2_FEATURES,
        l2_ngrams=EXAM_L2_NGRAMS,
        balanced=False,
        v0_prior=False,
    )
    z_exam, z_base = g.logits(sub), base.logits(sub)
    if float(z_exam.std()) <= 0:
        return None
    alpha = float(z_base.std()) / float(z_exam.std())
    bias = float(z_base.mean()) + alpha * (g.bias - float(z_exam.mean()))
    return Fit(bias=bias, feats=g.feats * alpha, ngrams=g.ngrams * alpha)


def fit_linear(
    d: Data,
    use_features: bool = True,
    use_ngrams: bool = True,
    l2_features: float = L2_FEATURES,
    l2_ngrams: float = L2_NGRAMS,
    iterations: int = ITERATIONS,
    lr: float = LEARNING_RATE,
    balanced: bool = True,
    v0_prior: bool = True,
) -> Fit:
    """Class-balanced L2-regularised logistic regression by full-batch Adam (deterministic)."""
    n_pos = float(d.y.sum())
    n_neg = d.n - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("training needs both classes")
    sw = np.where(d.y > 0, 0.5 / n_pos, 0.5 / n_neg) if balanced else np.full(d.n, 1.0 / d.n)
    prior = np.array([V0_WEIGHTS[name] for name in FEATURES]) if use_features else None
    if prior is not None and not v0_prior:
        prior = np.zeros(len(FEATURES))
    feats = prior.copy() if prior is not None else np.zeros(len(FEATURES))
    bias = np.array([V0_BIAS if use_features else 0.0])
    ngrams = np.zeros(N_BUCKETS)
    rows = d.rows()
    if use_ngrams:
        df = np.bincount(d.cols, minlength=N_BUCKETS)
        allowed = df >= MIN_DF
    params = [bias, feats, ngrams]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, iterations + 1):
        z = bias[0] + (d.feats @ feats if use_features else 0.0)
        if use_ngrams:
            z = z + np.bincount(rows, weights=ngrams[d.cols] * d.vals, minlength=d.n)
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))
        r = sw * (p - d.y)
        grads = [np.array([r.sum()]), np.zeros_like(feats), np.zeros_like(ngrams)]
        if use_features:
            grads[1] = d.feats.T @ r + l2_features * (feats - prior)
        if use_ngrams:
            g = np.bincount(d.cols, weights=r[rows] * d.vals, minlength=N_BUCKETS)
            grads[2] = np.where(allowed, g + l2_ngrams * ngrams, 0.0)
        for k, (param, grad) in enumerate(zip(params, grads, strict=True)):
            m[k] = b1 * m[k] + (1 - b1) * grad
            v[k] = b2 * v[k] + (1 - b2) * grad * grad
            mhat = m[k] / (1 - b1**t)
            vhat = v[k] / (1 - b2**t)
            param -= lr * mhat / (np.sqrt(vhat) + eps)
        if use_ngrams:
            ngrams[~allowed] = 0.0
    return Fit(bias=float(bias[0]), feats=feats, ngrams=ngrams)


def v0_logits(d: Data) -> np.ndarray:
    return V0_BIAS + d.feats @ np.array([V0_WEIGHTS[name] for name in FEATURES])
