"""Train the router's weights (``aha route train``; ``make train-router``) and measure them.

Model: one logistic regression over the hand-made features (``features.py``) and L2-normalised
binary hashed unigrams+bigrams (``model.py``), written here in numpy (full-batch Adam, fixed
iterations, no randomness except a seeded fold split: the same data gives the same weights).

Regularisation encodes "features that generalise across benchmarks matter more than a few points
in-distribution": the hand-made feature weights are pulled weakly towards the hand-set v0 weights
(a prior, so features absent from the training data keep their v0 meaning, e.g. "casual chat"),
while the n-gram weights are pulled strongly towards zero and only buckets seen in at least
``MIN_DF`` training prompts may be non-zero. Classes are weighted equally (positives are ~18% of
MMLU), so a score of 0.5 is the balanced decision point, as router v0's threshold assumes.

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.router import evaluate as ev
from app.router.features import extract
from app.router.model import (
    FORMAT_VERSION,
    N_BUCKETS,
    WEIGHTS_PATH,
    SparseWeights,
    ngram_buckets,
    ngram_value,
)
from app.router.scorer import BIAS as V0_BIAS
from app.router.scorer import WEIGHTS as V0_WEIGHTS

FEATURES = tuple(V0_WEIGHTS)
L2_FEATURES = 3e-2
"""Pull of the hand-made feature weights towards v0 (per unit of the class-balanced mean loss)."""
L2_NGRAMS = 3e-3
"""Pull of each n-gram weight towards zero: strong, so n-grams only refine the features."""
MIN_DF = 3
ITERATIONS = 300
LEARNING_RATE = 0.05
FOLDS = 5
SEED = 0
CALIBRATION_SHARES = tuple(round(0.05 * i, 2) for i in range(1, 20))
"""Deep shares (0.05 .. 0.95) whose thresholds are stored, for ``Router(deep_share=...)``."""
PRUNE = 1e-3
"""N-gram weights smaller than this in magnitude are not stored (keeps weights.json small)."""

CONFIGS = {
    "hand": (True, False),
    "ngrams": (False, True),
    "combined": (True, True),
}


@dataclass
class Data:
    """Design matrices of a list of prompts: dense features and CSR hashed n-grams."""

    feats: np.ndarray  # (n, len(FEATURES))
    indptr: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    y: np.ndarray  # needs deep, 0/1
    weak: np.ndarray
    strong: np.ndarray

    @property
    def n(self) -> int:
        return len(self.y)

    def rows(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    def subset(self, idx: np.ndarray) -> Data:
        starts, ends = self.indptr[idx], self.indptr[idx + 1]
        lengths = ends - starts
        pos = (
            np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
            if len(idx)
            else []
        )
        pos = np.asarray(pos, dtype=np.int64)
        return Data(
            feats=self.feats[idx],
            indptr=np.concatenate([[0], np.cumsum(lengths)]),
            cols=self.cols[pos],
            vals=self.vals[pos],
            y=self.y[idx],
            weak=self.weak[idx],
            strong=self.strong[idx],
        )


def build(records: Sequence[tuple[str, float, float]], labels: Sequence[bool]) -> Data:
    feats = np.zeros((len(records), len(FEATURES)))
    indptr = [0]
    cols: list[int] = []
    vals: list[float] = []
    for i, (prompt, _, _) in enumerate(records):
        by_name = {f.name: f.value for f in extract(prompt)}
        feats[i] = [by_name.get(name, 0.0) for name in FEATURES]
        buckets = ngram_buckets(prompt)
        cols.extend(buckets)
        vals.extend([ngram_value(len(buckets))] * len(buckets))
        indptr.append(len(cols))
    return Data(
        feats=feats,
        indptr=np.asarray(indptr, dtype=np.int64),
        cols=np.asarray(cols, dtype=np.int64),
        vals=np.asarray(vals, dtype=np.float64),
        y=np.asarray(labels, dtype=np.float64),
        weak=np.asarray([r[1] for r in records], dtype=np.float64),
        strong=np.asarray([r[2] for r in records], dtype=np.float64),
    )


def concat(a: Data, b: Data) -> Data:
    return Data(
        feats=np.vstack([a.feats, b.feats]),
        indptr=np.concatenate([a.indptr, b.indptr[1:] + a.indptr[-1]]),
        cols=np.concatenate([a.cols, b.cols]),
        vals=np.concatenate([a.vals, b.vals]),
        y=np.concatenate([a.y, b.y]),
        weak=np.concatenate([a.weak, b.weak]),
        strong=np.concatenate([a.strong, b.strong]),
    )


@dataclass
class Fit:
    bias: float
    feats: np.ndarray
    ngrams: np.ndarray  # dense (N_BUCKETS,)

    def logits(self, d: Data) -> np.ndarray:
        z = self.bias + d.feats @ self.feats
        if self.ngrams.any() and len(d.cols):
            z = z + np.bincount(d.rows(), weights=self.ngrams[d.cols] * d.vals, minlength=d.n)
        return z


def fit(
    d: Data,
    use_features: bool = True,
    use_ngrams: bool = True,
    l2_features: float = L2_FEATURES,
    l2_ngrams: float = L2_NGRAMS,
    iterations: int = ITERATIONS,
    lr: float = LEARNING_RATE,
) -> Fit:
    """Class-balanced L2-regularised logistic regression by full-batch Adam (deterministic)."""
    n_pos = float(d.y.sum())
    n_neg = d.n - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("training needs both classes")
    sw = np.where(d.y > 0, 0.5 / n_pos, 0.5 / n_neg)
    prior = np.array([V0_WEIGHTS[name] for name in FEATURES]) if use_features else None
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


def to_json(f: Fit, data: dict, metrics: dict, n_train: int, calib: dict | None = None) -> dict:
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
        "training": {
            "n": n_train,
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
    obj = to_json(f, data_hashes(root), metrics, everything.n, calib)
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
