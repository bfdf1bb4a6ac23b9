"""Train the router's weights (``aha route train``; ``make train-router``) and measure them.

The model and how it is fitted: ``fit.py``.

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
from pathlib import Path

import numpy as np

from app.router.lab import evaluate as ev
from app.router.lab.fit import (  # re-exported: train.fit is what callers know
    EXAM_L2_FEATURES,
    EXAM_L2_NGRAMS,
    ITERATIONS,
    L2_FEATURES,
    L2_NGRAMS,
    LEARNING_RATE,
    MIN_DF,
    Fit,
    fit,
    v0_logits,
)
from app.router.lab.outcomes import OUTCOME_WEIGHT, outcome_data, read_outcomes
from app.router.lab.train_data import FEATURES, Data, build, concat
from app.router.model import (
    FORMAT_VERSION,
    N_BUCKETS,
    WEIGHTS_PATH,
    SparseWeights,
)

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
    # Not the chat prompts' scores alone: MT-bench's turn-2 prompts carry turn 1 too, longer
    # than any prompt aha scores, and thresholds from them sent most coding requests fast.
    source = "all training prompts"
    thresholds = np.quantile(p, [1.0 - s for s in CALIBRATION_SHARES])
    return {
        "source": f"{FOLDS}-fold out-of-fold scores of the combined model, {source}",
        "n": int(len(p)),
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


def train(
    root: Path,
    out: Path,
    evaluate: bool = True,
    log=print,
    outcomes: Sequence[tuple[str, bool]] = (),
) -> dict:
    """Evaluate on the public sets (their protocol; outcomes never enter it), then fit the
    shipped weights on every public prompt plus the check outcomes (outcomes.py)."""
    start = time.perf_counter()
    sets = load_sets(root)
    sizes = ", ".join(f"{k}={v.n}" for k, v in sets.items())
    log(f"loaded {sizes} ({time.perf_counter() - start:.1f}s)")
    metrics = evaluate_all(sets, log) if evaluate else {}
    everything = concat(*sets.values())
    calib = calibration(everything)
    log(f"  calibration ({FOLDS}-fold, all prompts) done")
    extra = outcome_data(list(outcomes))
    training = concat(everything, extra) if extra is not None else everything
    f = fit(training)
    sizes_by_set = {name: d.n for name, d in sets.items()}
    obj = to_json(f, data_hashes(root), metrics, training.n, calib, sizes_by_set)
    deep = sum(needed for _, needed in outcomes)
    obj["data"]["outcomes"] = {
        "prompts": len(outcomes),
        "needed_deep": deep,
        "fast_enough": len(outcomes) - deep,
        "weight": OUTCOME_WEIGHT,
    }
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


def main(argv: Sequence[str] | None = None, default_outcomes: Path | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="aha route train",
        description="Train the router on RouteLLM's labels and write its weights and metrics.",
    )
    parser.add_argument("--data", type=Path, help="routing data directory (default: ../shared)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH, help="weights file to write")
    parser.add_argument("--no-eval", action="store_true", help="skip the evaluation (faster)")
    parser.add_argument(
        "--outcomes",
        type=Path,
        default=default_outcomes,
        help="database whose check outcomes join the labels (default: aha's own)",
    )
    parser.add_argument(
        "--no-outcomes", action="store_true", help="train on the public labels only"
    )
    args = parser.parse_args(argv)
    try:
        root = ev.data_dir(args.data)
    except FileNotFoundError as exc:
        print(f"aha: {exc}", file=sys.stderr)
        return 2
    outcomes, said = read_outcomes(None if args.no_outcomes else args.outcomes)
    print(said if not args.no_outcomes else "check outcomes left out (--no-outcomes)", flush=True)
    obj = train(
        root,
        args.out,
        evaluate=not args.no_eval,
        log=lambda s: print(s, flush=True),
        outcomes=outcomes,
    )
    if obj["metrics"]:
        print(format_metrics(obj["metrics"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
