"""Design matrices for training the router: hand-made features and hashed n-grams of prompts.

Kept apart from ``train.py`` (the fitting and the command) so each module has one job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.router.features import extract
from app.router.model import is_multiple_choice, ngram_buckets, ngram_value
from app.router.scorer import WEIGHTS as V0_WEIGHTS

FEATURES = tuple(V0_WEIGHTS)


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
    mc: np.ndarray | None = None
    """Whether each prompt is a multiple-choice exam question (``model.is_multiple_choice``)."""

    @property
    def n(self) -> int:
        return len(self.y)

    def mask_mc(self) -> np.ndarray:
        return np.zeros(self.n, dtype=bool) if self.mc is None else self.mc

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
            mc=None if self.mc is None else self.mc[idx],
        )


def build(records: Sequence[tuple[str, float, float]], labels: Sequence[bool]) -> Data:
    feats = np.zeros((len(records), len(FEATURES)))
    indptr = [0]
    cols: list[int] = []
    vals: list[float] = []
    mc = np.zeros(len(records), dtype=bool)
    for i, (prompt, _, _) in enumerate(records):
        mc[i] = is_multiple_choice(prompt)
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
        mc=mc,
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
        mc=np.concatenate([a.mask_mc(), b.mask_mc()]),
    )
