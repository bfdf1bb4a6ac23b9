"""`aha route eval DATA`: aha's router against random routing, prompt length and litellm's
complexity_router heuristic, on labelled prompts, all in the same run (see eval_data.py for the
layouts DATA may take and eval_metrics.py for the figures)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from app.router.lab import eval_baselines as bl
from app.router.lab.eval_aha import run_aha, trained_on, training_items
from app.router.lab.eval_data import DataError, EvalSet, load
from app.router.lab.eval_metrics import summary

COLUMNS = (
    ("AUROC", "auroc", "{:.3f}"),
    ("APGR", "apgr", "{:.3f}"),
    ("CPT(50)", "cpt50", "{:.1%}"),
    ("CPT(80)", "cpt80", "{:.1%}"),
    ("deep@95%", "deep_for_95", "{:.1%}"),
    ("p50 ms", "p50_ms", "{:.3f}"),
    ("p95 ms", "p95_ms", "{:.3f}"),
)
ROUTERS = ("aha", "random (expected)", "prompt length", "complexity_router")

EPILOG = """\
DATA: a RouteLLM-style CSV (prompt, weak model correct, strong model correct; blank answers
skipped), a folder of them (without its contaminated_prompts.jsonl prompts), an MT-bench folder
(question.jsonl + scores.jsonl; a judge score of 8 or more is a success), JSON lines
{"prompt": ..., "label": "fast"|"deep"}, or a folder of such folders (one set each). A label
has no model answers, so "deep" is read as "the weak model fails and the strong one succeeds"
(quality 0/1) and "fast" as "both succeed" (1/1).

Figures: AUROC of the score against needs-deep (weak failed, strong succeeded); APGR, the area
under the performance gap recovered as the top-scored prompts go deep; CPT(x), the share of deep
calls needed to recover x of the gap; deep@95%, the share needed for 95% of all-deep quality;
p50/p95 of one routing decision. Random is the exact expectation of random routing.

aha is never scored on prompts it was trained on: if DATA's prompts are in the committed
weights' training data, it is retrained without them first (same code as aha route train).
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="aha route eval",
        description="Measure aha's router and three baselines on labelled prompts.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("data", type=Path, metavar="DATA", help="labelled prompts (see below)")
    p.add_argument(
        "--folds",
        type=int,
        default=1,
        help="k > 1: k-fold out-of-fold figures, aha retrained on the other folds of DATA",
    )
    p.add_argument("--weights", type=Path, help="a weights file instead of the committed one")
    p.add_argument(
        "--as-is",
        action="store_true",
        help="score with the weights as they are, even on prompts they were trained on",
    )
    p.add_argument("--training-data", type=Path, help="the weights' training data folder")
    p.add_argument("--no-litellm", action="store_true", help="skip the complexity_router baseline")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    return p


def _describe(eset: EvalSet) -> dict:
    items = eset.items
    n = len(items)
    return {
        "name": eset.name,
        "source": eset.source,
        "n": n,
        "needs_deep": sum(1 for it in items if it.needs_deep),
        "weak_quality": round(sum(it.weak for it in items) / n, 4),
        "strong_quality": round(sum(it.strong for it in items) / n, 4),
    }


def _timed(scorer: bl.Scorer, prompts: Sequence[str]) -> tuple[list[float], list[float]]:
    import time

    scores, latencies = [], []
    for prompt in prompts:
        start = time.perf_counter()
        scores.append(scorer(prompt))
        latencies.append((time.perf_counter() - start) * 1000.0)
    return scores, latencies


def evaluate_set(eset: EvalSet, args: argparse.Namespace, training, litellm, log) -> dict:
    items = eset.items
    prompts = [it.prompt for it in items]
    weak, strong = [it.weak for it in items], [it.strong for it in items]
    labels = [it.needs_deep for it in items]
    out = _describe(eset)
    aha = run_aha(eset, training, args.folds, args.weights, args.as_is, log)
    out["aha_weights"] = aha.how
    routers = {"aha": summary(aha.scores, weak, strong, labels, aha.latencies_ms)}
    routers["random (expected)"] = summary([0.0] * len(items), weak, strong, labels)
    s, lat = _timed(bl.length_score, prompts)
    routers["prompt length"] = summary(s, weak, strong, labels, lat)
    if isinstance(litellm, str):
        routers["complexity_router"] = None
        out["complexity_router"] = litellm
    else:
        s, lat = _timed(litellm, prompts)
        routers["complexity_router"] = summary(s, weak, strong, labels, lat)
    out["routers"] = {k: _rounded(v) for k, v in routers.items()}
    return out


def _rounded(m: dict | None) -> dict | None:
    return None if m is None else {k: None if v is None else round(v, 4) for k, v in m.items()}


def format_set(r: dict) -> str:
    head = (
        f"{r['name']}: {r['n']} prompts ({r['source']}), needs deep {r['needs_deep']}"
        f" ({r['needs_deep'] / r['n']:.1%}); quality all-fast {r['weak_quality']:.3f},"
        f" all-deep {r['strong_quality']:.3f}"
    )
    lines = [head, f"aha: {r['aha_weights']}"]
    lines.append(f"{'router':20s}" + "".join(f"{title:>10s}" for title, _, _ in COLUMNS))
    for name in ROUTERS:
        m = r["routers"].get(name)
        if m is None:
            lines.append(f"{name:20s}  unavailable: {r.get('complexity_router', '')}")
            continue
        cells = ["-" if m[key] is None else fmt.format(m[key]) for _, key, fmt in COLUMNS]
        lines.append(f"{name:20s}" + "".join(f"{c:>10s}" for c in cells))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.folds < 1:
        print("aha: --folds must be at least 1", file=sys.stderr)
        return 2
    if args.weights is not None and not args.weights.is_file():
        print(f"aha: {args.weights}: no such weights file", file=sys.stderr)
        return 2
    try:
        sets = load(args.data)
    except DataError as exc:
        print(f"aha: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"aha: cannot read {args.data}: {exc.strerror or exc}", file=sys.stderr)
        return 2

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    trained = trained_on(args.weights)
    training = training_items(list(trained), args.training_data) if trained else []
    litellm: bl.Scorer | str
    if args.no_litellm:
        litellm = "skipped (--no-litellm)"
    else:
        try:
            litellm = bl.complexity_router_scorer()
        except bl.Unavailable as exc:
            litellm = str(exc)
    results = []
    for eset in sets:
        try:
            results.append(evaluate_set(eset, args, training, litellm, log))
        except ValueError as exc:  # e.g. a fold with one class only
            print(f"aha: {eset.name}: cannot evaluate ({exc})", file=sys.stderr)
            return 2
    trained_line = ", ".join(f"{k} ({v})" if v else k for k, v in trained.items()) or "v0"
    if args.json:
        print(json.dumps({"weights_trained_on": trained, "folds": args.folds, "sets": results}))
        return 0
    print(f"weights trained on: {trained_line}")
    for r in results:
        print()
        print(format_set(r))
    return 0
