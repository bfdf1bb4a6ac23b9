"""aha's router on one labelled set, never scored on prompts it was trained on.

Why retrain here: the committed weights are trained on the public routing data, so scoring them
on a set they saw would flatter them. When the training data is at hand, the prompts of the set
under evaluation are looked up in it; if any are there, the router is retrained (same code and
settings as ``aha route train``) without them. ``folds=k`` instead reports k-fold out-of-fold
figures: each fold is scored by a model trained on the other folds plus the training prompts that
are not in the set. Either way the scores come from ``Router`` itself on a weights file written
the way ``aha route train`` writes it, so what is measured is what ships.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.router.lab import evaluate as ev
from app.router.lab.eval_data import EvalSet, Item
from app.router.model import get_model
from app.router.scorer import Router

Log = Callable[[str], None]


@dataclass
class AhaRun:
    scores: list[float]
    latencies_ms: list[float]
    how: str
    """One line saying which weights scored the set, e.g. "5-fold out-of-fold"."""


def trained_on(weights: Path | None = None) -> dict[str, int]:
    """The sets the weights were trained on, by name, with their sizes when recorded."""
    meta = get_model(weights).meta
    training = meta.get("training", {})
    if isinstance(training.get("sets"), dict):
        return {str(k): int(v) for k, v in training["sets"].items()}
    files = meta.get("data", {}).get("files", {})
    return {name: 0 for name in ev.DATASETS if any(f.startswith(name + "/") for f in files)}


def training_items(names: Sequence[str], root: str | Path | None = None) -> list[Item] | None:
    """The prompts of the named training sets, or None when the training data is not here."""
    try:
        base = ev.data_dir(root)
        out: list[Item] = []
        for name in names:
            for prompt, weak, strong in ev.load_records(name, base):
                out.append(Item(prompt, weak, strong, ev.needs_deep(name, weak, strong)))
        return out
    except (OSError, ValueError):
        return None


def _key(prompt: str) -> str:
    return prompt.strip()


def fit_router(items: Sequence[Item], workdir: Path) -> Router:
    """A router trained on ``items`` with ``aha route train``'s code and settings."""
    from app.router.lab import train as tr  # numpy: only when retraining

    records = [(it.prompt, it.weak, it.strong) for it in items]
    data = tr.build(records, [it.needs_deep for it in items])
    f = tr.fit(data)
    path = Path(tempfile.mkstemp(suffix=".json", dir=workdir)[1])
    path.write_text(json.dumps(tr.to_json(f, {}, {}, data.n)), encoding="utf-8")
    return Router(threshold=0.5, weights=path)


def score_with(router: Router, prompts: Sequence[str]) -> tuple[list[float], list[float]]:
    """Unrounded p(needs deep) per prompt, and the wall time of each ``decide`` in ms."""
    _ = router.model  # loading the weights is not part of a decision
    scores: list[float] = []
    latencies: list[float] = []
    for prompt in prompts:
        start = time.perf_counter()
        router.decide(prompt)
        latencies.append((time.perf_counter() - start) * 1000.0)
        scores.append(router.score(prompt)[0])
    return scores, latencies


def run_aha(
    eset: EvalSet,
    training: list[Item] | None,
    folds: int = 1,
    weights: Path | None = None,
    as_is: bool = False,
    log: Log = lambda s: None,
) -> AhaRun:
    """Score ``eset`` with aha's router, holding its prompts out of training (see module doc)."""
    prompts = [it.prompt for it in eset.items]
    in_set = {_key(p) for p in prompts}
    pool = [it for it in training or [] if _key(it.prompt) not in in_set]
    overlap = len(training or []) - len(pool)
    label = str(weights) if weights else "committed weights"
    if folds > 1:
        from app.router.lab.train import folds as split

        scores = [0.0] * len(prompts)
        latencies: list[float] = []
        with tempfile.TemporaryDirectory() as tmp:
            for k, test in enumerate(split(len(prompts), folds)):
                held = set(test.tolist())
                rest = [it for i, it in enumerate(eset.items) if i not in held]
                router = fit_router(pool + rest, Path(tmp))
                s, lat = score_with(router, [prompts[i] for i in test])
                for i, v in zip(test.tolist(), s, strict=True):
                    scores[i] = v
                latencies.extend(lat)
                log(f"  {eset.name}: fold {k + 1}/{folds} scored")
        how = (
            f"{folds}-fold out-of-fold: retrained on the other folds"
            f" + {len(pool)} training prompts not in this set"
        )
        return AhaRun(scores, latencies, how)
    if overlap and not as_is:
        log(f"  {eset.name}: retraining without its {overlap} prompts")
        with tempfile.TemporaryDirectory() as tmp:
            router = fit_router(pool, Path(tmp))
            s, lat = score_with(router, prompts)
        how = f"retrained on {len(pool)} training prompts, without the {overlap} of this set"
        return AhaRun(s, lat, how)
    router = Router(threshold=0.5, weights=weights)
    s, lat = score_with(router, prompts)
    if training is None:
        how = f"{label} (training data not found: could not check for overlap)"
    elif overlap:
        how = f"{label} as is: {overlap} of these prompts were in its training data"
    else:
        how = f"{label}: none of these prompts in its training data"
    return AhaRun(s, lat, how)
