"""Offline evaluation of the router against public RouteLLM labels.

Why: every router change should be measured the same way, on held-out public data. A prompt
*needs deep* when the weak model (Mixtral-8x7B) failed and the strong one (GPT-4) succeeded; the
router's score should rank those prompts first, so the headline number is AUROC.

Run ``python -m app.router.lab.evaluate [DATA_DIR]`` to print the AUROC of router v0 on each set.
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
    repo = Path(__file__).resolve().parents[3]  # app/router/lab/ -> the repository
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


def mmlu_records(root: str | Path | None = None) -> Iterator[tuple[str, float, float]]:
    """(prompt, weak correct 0/1, strong correct 0/1) per uncontaminated, answered MMLU row."""
    return csv_folder_records(data_dir(root) / "mmlu")


def csv_folder_records(base: Path) -> Iterator[tuple[str, float, float]]:
    """Every RouteLLM-style CSV in ``base`` (prompt, weak correct, strong correct), skipping
    blank answers and the prompts listed in the folder's ``contaminated_prompts.jsonl``."""
    skip = _contaminated(base / "contaminated_prompts.jsonl")
    for path in sorted(base.glob("*.csv")):
        yield from csv_records(path, skip)


def csv_records(
    path: Path, skip: set[str] | frozenset[str] = frozenset()
) -> Iterator[tuple[str, float, float]]:
    """(prompt, weak, strong) of one RouteLLM-style CSV with True/False answers."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)  # header: prompt, <weak model>, <strong model>
        for row in reader:
            if len(row) < 3 or row[0].strip() in skip:
                continue
            weak, strong = _truthy(row[1]), _truthy(row[2])
            if weak is None or strong is None:
                continue
            yield row[0], float(weak), float(strong)


def load_mmlu(root: str | Path | None = None) -> Iterator[tuple[str, bool]]:
    """(prompt, needs_deep) for every uncontaminated MMLU prompt with both answers present."""
    for prompt, weak, strong in mmlu_records(root):
        yield prompt, needs_deep("mmlu", weak, strong)


def mt_bench_records(root: str | Path | None = None) -> Iterator[tuple[str, float, float]]:
    """(prompt, weak judge score, strong judge score) per MT-bench question and turn.

    The turn-2 prompt is both turns joined by a blank line, since turn 2 alone ("Rewrite your
    previous response...") means little without turn 1.
    """
    return mt_bench_folder_records(data_dir(root) / "mt_bench")


def mt_bench_folder_records(base: Path) -> Iterator[tuple[str, float, float]]:
    """``mt_bench_records`` of a folder holding question.jsonl and scores.jsonl."""
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
            yield "\n\n".join(turns[:t]), weak, strong


def load_mt_bench(
    root: str | Path | None = None, pass_mark: float = MT_BENCH_PASS_MARK
) -> Iterator[tuple[str, bool]]:
    """(prompt, needs_deep) per MT-bench question and turn (see ``mt_bench_records``)."""
    for prompt, weak, strong in mt_bench_records(root):
        yield prompt, weak < pass_mark <= strong


def load_records(dataset: str, root: str | Path | None = None) -> list[tuple[str, float, float]]:
    """(prompt, weak quality, strong quality) of one dataset: "mmlu" or "mt_bench"."""
    if dataset == "mmlu":
        return list(mmlu_records(root))
    if dataset == "mt_bench":
        return list(mt_bench_records(root))
    raise ValueError(f"unknown dataset {dataset!r}; expected one of {DATASETS}")


def needs_deep(dataset: str, weak: float, strong: float) -> bool:
    """The label: the weak model failed and the strong one succeeded."""
    if dataset == "mt_bench":
        return weak < MT_BENCH_PASS_MARK <= strong
    return not weak and bool(strong)


def apgr(
    scores: Sequence[float],
    weak: Sequence[float],
    strong: Sequence[float],
    steps: int = 100,
) -> float:
    """Average performance gap recovered (APGR), as defined by RouteLLM (Ong et al., 2024,
    "RouteLLM: Learning to Route LLMs with Preference Data", section 5; ``routellm/evals``).

    For each share of deep (strong-model) calls c in 0, 1/steps, ..., 1, the c*n prompts with the
    highest router score go to the strong model (equivalently: a score threshold). Then

        performance(c) = mean over prompts of (strong quality if routed deep else weak quality)
        PGR(c)         = (performance(c) - weak_perf) / (strong_perf - weak_perf)
        APGR           = area under PGR versus c from 0 to 1 (trapezoid rule over the steps)

    where weak_perf / strong_perf are the qualities of sending everything to one model. Quality is
    correctness (0/1) on MMLU and the judge score on MT-bench. Tied scores are routed together, so
    a tie block is split in proportion (the expected value under random tie-breaking): a constant
    or random router scores about 0.5, a perfect one close to 1 (PGR can exceed 1 when the strong
    model is worse than the weak one on some prompts), a reversed one well below 0.5.
    """
    n = len(scores)
    if not n or len(weak) != n or len(strong) != n:
        raise ValueError("apgr needs equally long, non-empty scores, weak and strong")
    weak_perf = sum(weak) / n
    strong_perf = sum(strong) / n
    gap = strong_perf - weak_perf
    if gap <= 0:
        raise ValueError("apgr needs the strong model to outperform the weak one on average")
    order = sorted(range(n), key=lambda i: -scores[i])
    # Tie blocks in score order: (size, total gain strong - weak).
    blocks: list[tuple[int, float]] = []
    i = 0
    while i < n:
        j = i
        total = 0.0
        while j < n and scores[order[j]] == scores[order[i]]:
            total += strong[order[j]] - weak[order[j]]
            j += 1
        blocks.append((j - i, total))
        i = j
    pgrs: list[float] = []
    for s in range(steps + 1):
        k = n * s / steps  # prompts routed deep; a fractional k splits a tie block evenly
        gained = 0.0
        taken = 0
        for size, total in blocks:
            if taken + size <= k:
                gained += total
                taken += size
            else:
                gained += total * (k - taken) / size
                break
        pgrs.append((gained / n) / gap)
    return sum((pgrs[t] + pgrs[t + 1]) / 2.0 for t in range(steps)) / steps


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
