"""Train the router's weights (``aha route train``; ``make train-router``) and measure them.

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

Evaluation (stored under ``metrics`` in weights.json): AUROC and APGR (``evaluate.apgr``) for
v0 (fixed hand-set weights), the hand-made features learned, n-grams only, and combined; on
5-fold cross-validation within MMLU and within MT-bench, and across benchmarks (train on one,
test on the other). The shipped weights are then trained on both benchmarks together.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from app.router import evaluate as ev
from app.router.model import (
    FORMAT_VERSION,
    N_BUCKETS,
    WEIGHTS_PATH,
    SparseWeights,
)
from app.router.scorer import BIAS as V0_BIAS
from app.router.scorer import WEIGHTS as V0_WEIGHTS
from app.router.train_data import FEATURES, Data, build, concat

L2_FEATURES = 3e-2
"""Pull of the hand-made feature weights towards v0 (per unit of the class-balanced mean loss)."""
L2_NGRAMS = 3e-3
"""Pull of each n-gram weight towards zero: strong, so n-grams only refine the features. (3e-4
scores higher on MMLU and MT-bench but pulls chat prompts towards fast: MMLU wording dominates.)"""
MIN_DF = 3
ITERATIONS = 300
LEARNING_RATE = 0.05
FOLDS = 5
SEED = 0
CALIBRATION_SHARES = tuple(round(0.05 * i, 2) for i in range(1, 20))
"""Deep shares (0.05 .. 0.95) whose thresholds are stored, for ``Router(deep_share=...)``."""
EXAM_L2_FEATURES = 1e-3
EXAM_L2_NGRAMS = 1e-4
"""Weaker pulls for the exam expert: it only ever scores exam questions, and has thousands."""
CHAT_MIN_PER_CLASS = 50
"""Fewer non-exam training prompts than this in either class: the main model stays at v0.
MT-bench's 144 prompts (21 positive) are too few: n-grams learned from them called "write a
Python function" easy wording, and the fitted bias moved every chat score down."""
EXAM_MIN = 200
"""Fewer multiple-choice training prompts than this: no exam expert."""
PRUNE = 1e-3
"""N-gram weights smaller than this in magnitude are not stored (keeps weights.json small)."""

CONFIGS = {
    "hand": (True, False),
    "ngrams": (False, True),
    "combined": (True, True),
}


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


def scores_metrics(z: np.ndarray, d: Data) -> dict[str, float]:
    s = [float(x) for x in z]
    return {
        "auroc": round(ev.auroc(s, [bool(y) for y in d.y]), 4),
        "apgr": round(ev.apgr(s, d.weak.tolist(), d.strong.tolist()), 4),
        "n": d.n,
        "positives": int(d.y.sum()),
    }


def folds(n: int, k: int = FOLDS, seed: int = SEED) -> list[np.ndarray]:
    perm = np.random.default_rng(seed).permutation(n)
    return [perm[i::k] for i in range(k)]


def cross_validate(d: Data, use_features: bool, use_ngrams: bool) -> np.ndarray:
    """Out-of-fold logits of a k-fold cross-validation."""
    z = np.zeros(d.n)
    for test in folds(d.n):
        train = np.setdiff1d(np.arange(d.n), test)
        f = fit(d.subset(train), use_features, use_ngrams)
        z[test] = f.logits(d.subset(test))
    return z


def evaluate_all(sets: dict[str, Data], log=print) -> dict:
    """The metrics table: v0 and each learned config, in-distribution and across benchmarks."""
    out: dict[str, dict] = {}
    for name, d in sets.items():
        table = {"v0": scores_metrics(v0_logits(d), d)}
        for cfg, (uf, un) in CONFIGS.items():
            table[cfg] = scores_metrics(cross_validate(d, uf, un), d)
        out[f"{name}_cv{FOLDS}"] = table
        log(f"  {name} {FOLDS}-fold done")
    names = list(sets)
    for train_name in names:
        for test_name in names:
            if train_name == test_name:
                continue
            train, test = sets[train_name], sets[test_name]
            table = {"v0": scores_metrics(v0_logits(test), test)}
            for cfg, (uf, un) in CONFIGS.items():
                table[cfg] = scores_metrics(fit(train, uf, un).logits(test), test)
            out[f"{train_name}_to_{test_name}"] = table
            log(f"  {train_name} -> {test_name} done")
    return out


def calibration(d: Data) -> dict:
    """The threshold that sends each share of prompts deep, from out-of-fold scores.

    Held-out scores (a k-fold cross-validation of the shipped configuration on all training
    prompts), not the shipped model's own training scores, which are over-confident. The
    threshold for share ``s`` is the ``1 - s`` quantile of those probabilities, so a bigger share
    never has a higher threshold.
    """
    p = 1.0 / (1.0 + np.exp(-np.clip(cross_validate(d, True, True), -35, 35)))
    thresholds = np.quantile(p, [1.0 - s for s in CALIBRATION_SHARES])
    return {
        "source": f"{FOLDS}-fold out-of-fold scores of the combined model, all training prompts",
        "n": d.n,
        "deep_share": list(CALIBRATION_SHARES),
        "threshold": [round(float(t), 5) for t in thresholds],
    }


def data_files(root: Path) -> list[Path]:
    files = sorted((root / "mmlu").glob("*.csv"))
    for extra in (
        "mmlu/contaminated_prompts.jsonl",
        "mt_bench/question.jsonl",
        "mt_bench/scores.jsonl",
        "mt_bench/contaminated_prompts.jsonl",
    ):
        if (root / extra).is_file():
            files.append(root / extra)
    return files


def data_hashes(root: Path) -> dict:
    files = {}
    total = hashlib.sha256()
    for path in data_files(root):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        rel = path.relative_to(root).as_posix()
        files[rel] = digest
        total.update(f"{rel}\0{digest}\n".encode())
    return {"sha256": total.hexdigest(), "files": files}


def _exam_json(e: Fit) -> dict:
    kept = np.flatnonzero(np.abs(e.ngrams) >= PRUNE)
    return {
        "applies_to": "multiple-choice exam questions (model.is_multiple_choice)",
        "bias": round(e.bias, 6),
        "feature_weights": {
            name: round(float(w), 6) for name, w in zip(FEATURES, e.feats, strict=True)
        },
        "ngram_weights": {
            "n_buckets": N_BUCKETS,
            **SparseWeights.encode(kept.tolist(), [float(w) for w in e.ngrams[kept]]),
        },
    }


def to_json(
    f: Fit,
    data: dict,
    metrics: dict,
    n_train: int,
    calib: dict | None = None,
    sets: dict[str, int] | None = None,
) -> dict:
    kept = np.flatnonzero(np.abs(f.ngrams) >= PRUNE)
    return {
        "version": FORMAT_VERSION,
        "bias": round(f.bias, 6),
        "feature_weights": {
            name: round(float(w), 6) for name, w in zip(FEATURES, f.feats, strict=True)
        },
        "ngram_weights": {
            "n_buckets": N_BUCKETS,
            "hashing": "crc32 of lower-cased [a-z0-9]+ unigrams and bigrams, first 4000 chars",
            **SparseWeights.encode(kept.tolist(), [float(w) for w in f.ngrams[kept]]),
        },
        **({"exam_model": _exam_json(f.exam)} if f.exam is not None else {}),
        "training": {
            "n": n_train,
            "sets": sets or {},
            "exam_l2_features": EXAM_L2_FEATURES,
            "exam_l2_ngrams": EXAM_L2_NGRAMS,
            "l2_features": L2_FEATURES,
            "l2_ngrams": L2_NGRAMS,
            "min_df": MIN_DF,
            "iterations": ITERATIONS,
            "learning_rate": LEARNING_RATE,
            "folds": FOLDS,
            "seed": SEED,
            "class_weighting": "balanced",
        },
        "data": data,
        "metrics": metrics,
        **({"calibration": calib} if calib else {}),
    }


def load_sets(root: Path) -> dict[str, Data]:
    sets = {}
    for name in ev.DATASETS:
        records = ev.load_records(name, root)
        sets[name] = build(records, [ev.needs_deep(name, w, s) for _, w, s in records])
    return sets


def train(root: Path, out: Path, evaluate: bool = True, log=print) -> dict:
    start = time.perf_counter()
    sets = load_sets(root)
    sizes = ", ".join(f"{k}={v.n}" for k, v in sets.items())
    log(f"loaded {sizes} ({time.perf_counter() - start:.1f}s)")
    metrics = evaluate_all(sets, log) if evaluate else {}
    everything = concat(*sets.values())
    calib = calibration(everything)
    log(f"  calibration ({FOLDS}-fold, all prompts) done")
    f = fit(everything)
    sizes_by_set = {name: d.n for name, d in sets.items()}
    obj = to_json(f, data_hashes(root), metrics, everything.n, calib, sizes_by_set)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(out)
    log(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) in {time.perf_counter() - start:.1f}s")
    return obj


def format_metrics(metrics: dict) -> str:
    lines = [f"{'evaluation':24s} {'router':9s} {'AUROC':>6s} {'APGR':>6s}"]
    for setting, table in metrics.items():
        for cfg, m in table.items():
            lines.append(f"{setting:24s} {cfg:9s} {m['auroc']:6.3f} {m['apgr']:6.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="aha route train",
        description="Train the router on RouteLLM's labels and write its weights and metrics.",
    )
    parser.add_argument("--data", type=Path, help="routing data directory (default: ../shared)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH, help="weights file to write")
    parser.add_argument("--no-eval", action="store_true", help="skip the evaluation (faster)")
    args = parser.parse_args(argv)
    try:
        root = ev.data_dir(args.data)
    except FileNotFoundError as exc:
        print(f"aha: {exc}", file=sys.stderr)
        return 2
    obj = train(root, args.out, evaluate=not args.no_eval, log=lambda s: print(s, flush=True))
    if obj["metrics"]:
        print(format_metrics(obj["metrics"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
