"""Labelled prompt sets for `aha route eval`: what each file layout means, in one place.

Every set becomes a list of ``Item(prompt, weak, strong, needs_deep)``: the quality the weak
(fast) and strong (deep) model reached on the prompt, and whether it *needs the big model*
(the weak one failed and the strong one succeeded), the label AUROC is measured against.

Layouts (``load(path)``):

- a RouteLLM-style CSV: ``prompt, <weak model>, <strong model>`` with True/False (or 1/0) cells;
  rows with a blank answer are skipped; judge scores (numbers above 1) count as quality, and as a
  success at ``evaluate.MT_BENCH_PASS_MARK`` or above;
- a folder of such CSVs (one set), without the prompts in its ``contaminated_prompts.jsonl``;
- an MT-bench folder (``question.jsonl`` + ``scores.jsonl``), loaded as ``evaluate.py`` does;
- JSON lines ``{"prompt": ..., "label": "fast" | "deep"}``. Such labels carry no model answers,
  so they are read as: "deep" = the weak model fails and the strong one succeeds (quality 0 / 1),
  "fast" = both succeed (1 / 1). APGR is then the share of "deep" prompts routed deep, averaged
  over deep shares;
- a folder of sub-folders in those layouts (e.g. the routing-data root): one set per sub-folder.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from app.router.lab import evaluate as ev


class DataError(ValueError):
    """DATA is missing or not in a known layout; the message says which file and line."""


@dataclass(frozen=True)
class Item:
    prompt: str
    weak: float
    strong: float
    needs_deep: bool


@dataclass(frozen=True)
class EvalSet:
    name: str
    items: list[Item]
    source: str
    """How the set was read, e.g. "57 CSV files" or "labels (JSON lines)"."""


_TRUE = {"true", "1", "1.0", "yes"}
_FALSE = {"false", "0", "0.0", "no"}


def _cell(cell: str, where: str) -> float | None:
    """A quality: booleans as 0/1, judge scores as numbers, blank as missing."""
    c = cell.strip().lower()
    if not c:
        return None
    if c in _TRUE:
        return 1.0
    if c in _FALSE:
        return 0.0
    try:
        return float(c)
    except ValueError:
        raise DataError(f"{where}: expected True/False or a score, got {cell[:40]!r}") from None


def _label(weak: float, strong: float) -> bool:
    if weak > 1.0 or strong > 1.0:  # judge scores (1-10), as on MT-bench
        return weak < ev.MT_BENCH_PASS_MARK <= strong
    return weak < 0.5 <= strong


def _read_csv(path: Path, skip: set[str]) -> list[Item]:
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))
    items: list[Item] = []
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or len(header) < 3:
                raise DataError(f"{path}: expected a header: prompt, <weak model>, <strong model>")
            for row in reader:
                if not row or not any(cell.strip() for cell in row):
                    continue
                where = f"{path}:{reader.line_num}"
                if len(row) < 3:
                    raise DataError(f"{where}: expected 3 columns, got {len(row)}")
                if row[0].strip() in skip:
                    continue
                weak, strong = _cell(row[1], where), _cell(row[2], where)
                if weak is None or strong is None:
                    continue
                items.append(Item(row[0], weak, strong, _label(weak, strong)))
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason})") from None
    return items


def _read_labels(path: Path) -> list[Item]:
    items: list[Item] = []
    try:
        with path.open(encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{number}: not JSON ({exc.msg})") from None
                prompt = obj.get("prompt") if isinstance(obj, dict) else None
                label = obj.get("label") if isinstance(obj, dict) else None
                if not isinstance(prompt, str) or label not in ("fast", "deep"):
                    raise DataError(
                        f'{path}:{number}: expected {{"prompt": "...", "label": "fast"|"deep"}}'
                    )
                deep = label == "deep"
                items.append(Item(prompt, 0.0 if deep else 1.0, 1.0, deep))
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason})") from None
    return items


def _read_mt_bench(folder: Path) -> list[Item]:
    try:
        records = list(ev.mt_bench_folder_records(folder))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{folder}: not an MT-bench folder ({exc})") from None
    return [Item(p, w, s, ev.needs_deep("mt_bench", w, s)) for p, w, s in records]


def _contaminated(folder: Path) -> set[str]:
    try:
        return ev._contaminated(folder / "contaminated_prompts.jsonl")
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(f"{folder}/contaminated_prompts.jsonl: malformed ({exc})") from None


def _folder_set(folder: Path) -> EvalSet | None:
    """The set a folder holds directly, or None if it holds none."""
    if (folder / "question.jsonl").is_file() and (folder / "scores.jsonl").is_file():
        return EvalSet(folder.name, _read_mt_bench(folder), "MT-bench questions and judge scores")
    csvs = sorted(folder.glob("*.csv"))
    if csvs:
        skip = _contaminated(folder)
        items = [item for path in csvs for item in _read_csv(path, skip)]
        return EvalSet(folder.name, items, f"{len(csvs)} CSV file(s)")
    return None


def load(path: str | Path) -> list[EvalSet]:
    """The labelled sets at ``path``; ``DataError`` if there are none or one is malformed."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file or folder")
    sets: list[EvalSet]
    if p.is_file():
        if p.suffix.lower() == ".csv":
            sets = [EvalSet(p.stem, _read_csv(p, set()), "CSV file")]
        elif p.suffix.lower() in (".jsonl", ".json", ".ndjson"):
            sets = [EvalSet(p.stem, _read_labels(p), "labels (JSON lines)")]
        else:
            raise DataError(f"{p}: expected a .csv or .jsonl file, or a folder of them")
    else:
        own = _folder_set(p)
        if own is not None:
            sets = [own]
        else:
            subs = [_folder_set(d) for d in sorted(p.iterdir()) if d.is_dir()]
            sets = [s for s in subs if s is not None]
            for f in sorted(p.glob("*.jsonl")):
                if f.name != "contaminated_prompts.jsonl":
                    sets.append(EvalSet(f.stem, _read_labels(f), "labels (JSON lines)"))
    if not sets:
        raise DataError(f"{p}: no CSV, MT-bench or JSON-lines labels found")
    for s in sets:
        if not s.items:
            raise DataError(f"{s.name} ({p}): no usable rows")
    return sets
