"""Offline evaluation of the router against public RouteLLM labels.

Why: every router change should be measured the same way, on held-out public data. A prompt
*needs deep* when the weak model (Mixtral-8x7B) failed and the strong one (GPT-4) succeeded; the
router's score should rank those prompts first, so the headline number is AUROC.

Run ``python -m app.router.evaluate [DATA_DIR]`` to print the AUROC of router v0 on each set.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

DATA_ENV = "AHA_ROUTING_DATA"
DATASETS = ("mmlu", "mt_bench")
MT_BENCH_PASS_MARK = 8.0
"""An MT-bench answer (GPT-4 judge, 1-10) counts as a success at or above this score."""


def auroc(scores: Sequence[float], labels: Sequence[bool | int]) -> float:
    """Area under the ROC curve via the rank-sum (Mann-Whitney U) statistic; ties count half."""
    if len(scores) != len(labels):
        raise ValueError("scores and labels must have the same length")
    n_pos = sum(1 for y in labels if y)
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("auroc needs at least one positive and one negative label")
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    rank_sum = 0.0
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        mid_rank = (i + j) / 2.0 + 1.0  # average 1-based rank of the tied block
        rank_sum += mid_rank * sum(1 for k in range(i, j + 1) if labels[order[k]])
        i = j + 1
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def data_dir(root: str | Path | None = None) -> Path:
    """Where the routing data lives: ``root``, ``$AHA_ROUTING_DATA``, or a nearby ``shared/``."""
    if root is not None:
        return Path(root)
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    repo = Path(__file__).resolve().parents[2]
    for candidate in (repo / "shared" / "routing-data", repo.parent / "shared" / "routing-data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"routing data not found; set {DATA_ENV} or pass a directory")


def _contaminated(path: Path) -> set[str]:
    """Eval prompts RouteLLM saw in training; they must not be used for evaluation."""
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8") as f:
        return {json.loads(line)["eval_prompt"].strip() for line in f if line.strip()}


def _truthy(cell: str) -> bool | None:
    cell = cell.strip().lower()
    return True if cell == "true" else False if cell == "false" else None


def load_mmlu(root: str | Path | None = None) -> Iterator[tuple[str, bool]]:
    """(prompt, needs_deep) for every uncontaminated MMLU prompt with both answers present."""
    base = data_dir(root) / "mmlu"
    skip = _contaminated(base / "contaminated_prompts.jsonl")
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))
    for path in sorted(base.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader, None)  # header: prompt, <weak model>, <strong model>
            for row in reader:
                if len(row) < 3 or row[0].strip() in skip:
                    continue
                weak, strong = _truthy(row[1]), _truthy(row[2])
                if weak is None or strong is None:
                    continue
                yield row[0], (not weak) and strong


def load_mt_bench(
    root: str | Path | None = None, pass_mark: float = MT_BENCH_PASS_MARK
) -> Iterator[tuple[str, bool]]:
    """(prompt, needs_deep) per MT-bench question and turn.

    The turn-2 prompt is both turns joined by a blank line, since turn 2 alone ("Rewrite your
    previous response...") means little without turn 1.
    """
    base = data_dir(root) / "mt_bench"
    skip = _contaminated(base / "contaminated_prompts.jsonl")
    with (base / "question.jsonl").open(encoding="utf-8") as f:
        questions = [json.loads(line) for line in f if line.strip()]
    scores: dict[tuple[int, int], dict[str, float]] = {}
    with (base / "scores.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                scores.setdefault((r["question_id"], r["turn"]), {})[r["model"]] = float(r["score"])
    for q in questions:
        turns = q["turns"]
        if turns[0].strip() in skip:
            continue
        for t in range(1, len(turns) + 1):
            by_model = scores.get((q["question_id"], t), {})
            weak = next((v for m, v in by_model.items() if "mixtral" in m.lower()), None)
            strong = next((v for m, v in by_model.items() if "gpt-4" in m.lower()), None)
            if weak is None or strong is None:
                continue
            yield "\n\n".join(turns[:t]), weak < pass_mark <= strong


def load_pairs(dataset: str, root: str | Path | None = None) -> Iterator[tuple[str, bool]]:
    """(prompt, needs_deep) pairs of one dataset: "mmlu" or "mt_bench"."""
    if dataset == "mmlu":
        return load_mmlu(root)
    if dataset == "mt_bench":
        return load_mt_bench(root)
    raise ValueError(f"unknown dataset {dataset!r}; expected one of {DATASETS}")


def evaluate(router: object, pairs: Iterable[tuple[str, bool]]) -> dict[str, float]:
    """AUROC of ``router.decide(prompt).score`` against the needs-deep labels, with counts."""
    scores: list[float] = []
    labels: list[bool] = []
    for prompt, needs_deep in pairs:
        scores.append(router.decide(prompt).score)  # type: ignore[attr-defined]
        labels.append(needs_deep)
    deep_share = sum(1 for s in scores if s >= getattr(router, "threshold", 0.5)) / max(
        len(scores), 1
    )
    return {
        "n": len(scores),
        "positives": sum(labels),
        "auroc": auroc(scores, labels),
        "deep_share": deep_share,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print router v0's AUROC on each dataset."""
    from app.router.scorer import Router

    args = list(sys.argv[1:] if argv is None else argv)
    root = args[0] if args else None
    router = Router()
    for name in DATASETS:
        r = evaluate(router, load_pairs(name, root))
        print(
            f"{name:9s} n={r['n']:6d} needs_deep={r['positives']:5d} "
            f"auroc={r['auroc']:.4f} routed_deep={r['deep_share']:.1%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
