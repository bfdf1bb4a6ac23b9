"""The router's weights: hand-made feature weights plus a sparse linear model over hashed n-grams.

Why here and pure standard library: ``Router()`` loads these weights on the way to every answer, so
this module must not import numpy (training lives in ``lab/train.py``). The committed
``weights.json`` is read once per process and cached; if it is missing or unreadable the router
falls back, silently, to the hand-set v0 weights in ``scorer.py``.

N-gram hashing: lower-cased ``[a-z0-9]+`` tokens of the first ``HASH_CHARS`` characters, unigrams
and bigrams, CRC-32 (stable across processes, unlike ``hash()``) into ``N_BUCKETS`` buckets. Each
distinct bucket present counts ``1/sqrt(number of distinct buckets)``, so long prompts do not
outweigh the hand-made features by sheer size.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import sys
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

N_BUCKETS = 1 << 18
HASH_CHARS = 4_000
"""Only this many leading characters are hashed: keeps a decision well under a millisecond."""
WEIGHTS_PATH = Path(__file__).with_name("weights.json")
FORMAT_VERSION = 2  # 2: n-gram weights as base64 arrays

_TOKEN = re.compile(r"[a-z0-9]+")
_CHOICES = re.compile(r"^A[.)] .*\nB[.)] .*\nC[.)] .*\nD[.)] ", re.M)
MC_TAIL = 3_000
"""Only the end of a prompt is searched for answer choices: they close an exam question."""


def is_multiple_choice(text: str) -> bool:
    """An exam-style multiple-choice question: options A. to D. on their own lines.

    Why a gate: n-grams learned from exam questions (which wording makes the weak model fail
    where the strong one succeeds) say nothing about chat prompts, so they only apply here.
    """
    tail = text[-MC_TAIL:]
    return "\nA" in tail and _CHOICES.search(tail) is not None


def ngram_buckets(text: str) -> list[int]:
    """Sorted distinct hash buckets of the unigrams and bigrams of ``text``'s first characters."""
    tokens = _TOKEN.findall(text[:HASH_CHARS].lower())
    grams = set(tokens)
    grams.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))
    mask = N_BUCKETS - 1
    return sorted({zlib.crc32(g.encode("utf-8")) & mask for g in grams})


def ngram_value(n_buckets: int) -> float:
    """The value each present bucket takes (L2-normalised binary presence)."""
    return 1.0 / math.sqrt(n_buckets) if n_buckets else 0.0


@dataclass(frozen=True)
class Model:
    """Logit = bias + sum(feature weight * value) + sum(ngram weight) * ngram_value(n)."""

    bias: float
    features: dict[str, float]
    ngrams: SparseWeights | Mapping[int, float] = field(default_factory=dict)
    source: str = "v0"
    """"v0" (hand-set fallback) or the path of the weights file that was loaded."""
    meta: dict = field(default_factory=dict)
    calibration: tuple[tuple[float, float], ...] = ()
    """(deep share, threshold) pairs from held-out scores, shares increasing; empty for v0."""
    exam: Model | None = None
    """The model that scores multiple-choice exam questions instead, if trained."""

    def threshold_for(self, deep_share: float) -> float | None:
        """The threshold that sends ``deep_share`` of prompts deep, interpolated linearly in the
        calibration table (share 0 -> 1.0 and share 1 -> 0.0 close its ends); None without one."""
        if not self.calibration:
            return None
        points = ((0.0, 1.0), *self.calibration, (1.0, 0.0))
        for (s0, t0), (s1, t1) in zip(points, points[1:], strict=False):
            if deep_share <= s1:
                w = 0.0 if s1 == s0 else (deep_share - s0) / (s1 - s0)
                return t0 + w * (t1 - t0)
        return 0.0


class SparseWeights:
    """The n-gram weights as two sorted arrays, looked up by bisection.

    Stored as base64 of little-endian uint32 buckets and float32 weights: decoding that is a
    copy, where parsing tens of thousands of JSON numbers into a dict delayed the first
    decision noticeably (`make bench` router section).
    """

    def __init__(self, buckets: array[int], weights: array[float]) -> None:
        self.buckets, self.weights = buckets, weights

    @classmethod
    def decode(cls, ngram: dict[str, Any]) -> SparseWeights:
        """Check the arrays against the digest written with them (lab/train.py writes them sorted
        and finite), instead of re-validating 80k values on every start."""
        raw_buckets = base64.b64decode(ngram["buckets_b64"], validate=True)
        raw_weights = base64.b64decode(ngram["weights_b64"], validate=True)
        if hashlib.sha256(raw_buckets + raw_weights).hexdigest() != ngram["sha256"]:
            raise ValueError("ngram weights do not match their digest")
        buckets, weights = array("I"), array("f")
        buckets.frombytes(raw_buckets)
        weights.frombytes(raw_weights)
        if sys.byteorder != "little":
            buckets.byteswap()
            weights.byteswap()
        if len(buckets) != len(weights):
            raise ValueError("ngram buckets and weights differ in length")
        return cls(buckets, weights)

    @staticmethod
    def encode(buckets: list[int], weights: list[float]) -> dict[str, str]:
        """The fields written to weights.json: increasing buckets, finite weights, a digest."""
        if any(b >= a for a, b in zip(buckets[1:], buckets, strict=False)):
            raise ValueError("buckets must be increasing")
        if not all(map(math.isfinite, weights)) or (buckets and buckets[-1] >= N_BUCKETS):
            raise ValueError("weights must be finite and buckets in range")
        b, w = array("I", buckets), array("f", weights)
        if sys.byteorder != "little":
            b.byteswap()
            w.byteswap()
        return {
            "buckets_b64": base64.b64encode(b.tobytes()).decode("ascii"),
            "weights_b64": base64.b64encode(w.tobytes()).decode("ascii"),
            "sha256": hashlib.sha256(b.tobytes() + w.tobytes()).hexdigest(),
        }

    def get(self, bucket: int, default: float = 0.0) -> float:
        i = bisect_left(self.buckets, bucket)
        if i < len(self.buckets) and self.buckets[i] == bucket:
            return float(self.weights[i])
        return default

    def __len__(self) -> int:
        return len(self.buckets)

    def __bool__(self) -> bool:
        return len(self.buckets) > 0


def v0_model() -> Model:
    """The hand-set weights of router v0."""
    from app.router.scorer import BIAS, WEIGHTS

    return Model(bias=BIAS, features=dict(WEIGHTS), source="v0")


def _number(x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")
    return float(x)


def parse(obj: object, source: str = "weights.json") -> Model:
    """A ``Model`` from the decoded JSON of a weights file; ``ValueError`` if malformed."""
    if not isinstance(obj, dict) or obj.get("version") != FORMAT_VERSION:
        raise ValueError("not a router weights file of a known version")
    feats = obj["feature_weights"]
    if not isinstance(feats, dict) or not feats:
        raise ValueError("feature_weights must be a non-empty object")
    ngram = obj["ngram_weights"]
    if not isinstance(ngram, dict) or ngram.get("n_buckets") != N_BUCKETS:
        raise ValueError("ngram_weights must use the same hashing as this code")
    ngrams = SparseWeights.decode(ngram)
    calibration = _calibration(obj.get("calibration"))
    exam = obj.get("exam_model")
    if exam is not None and not isinstance(exam, dict):
        raise ValueError("exam_model must be an object")
    meta = {k: obj[k] for k in ("data", "metrics", "training") if k in obj}
    return Model(
        bias=_number(obj["bias"]),
        features={str(k): _number(v) for k, v in feats.items()},
        ngrams=ngrams,
        source=source,
        meta=meta,
        calibration=calibration,
        exam=_exam(exam, source) if exam else None,
    )


def _exam(obj: dict, source: str) -> Model:
    """The exam expert: a bias, feature weights and n-gram weights, as the main model has."""
    feats, ngram = obj["feature_weights"], obj["ngram_weights"]
    if not isinstance(feats, dict) or not isinstance(ngram, dict):
        raise ValueError("exam_model needs feature_weights and ngram_weights objects")
    if ngram.get("n_buckets") != N_BUCKETS:
        raise ValueError("exam_model ngram_weights must use the same hashing as this code")
    return Model(
        bias=_number(obj["bias"]),
        features={str(k): _number(v) for k, v in feats.items()},
        ngrams=SparseWeights.decode(ngram),
        source=source,
    )


def _calibration(obj: object) -> tuple[tuple[float, float], ...]:
    """The stored (share, threshold) table; absent is fine, malformed is not."""
    if obj is None:
        return ()
    if not isinstance(obj, dict):
        raise ValueError("calibration must be an object")
    shares, thresholds = obj.get("deep_share"), obj.get("threshold")
    if not isinstance(shares, list) or not isinstance(thresholds, list):
        raise ValueError("calibration.deep_share and .threshold must be lists")
    if len(shares) != len(thresholds):
        raise ValueError("calibration.deep_share and .threshold differ in length")
    pairs = tuple((_number(s), _number(t)) for s, t in zip(shares, thresholds, strict=True))
    if not all(0.0 < s < 1.0 and 0.0 <= t <= 1.0 for s, t in pairs):
        raise ValueError("calibration shares must be in (0, 1) and thresholds in [0, 1]")
    if any(b[0] <= a[0] or b[1] > a[1] for a, b in zip(pairs, pairs[1:], strict=False)):
        raise ValueError("calibration: shares must increase and thresholds must not")
    return pairs


def load(path: str | Path | None = None) -> Model:
    """The model in ``path`` (default: the committed weights.json), or v0 if it cannot be read."""
    p = Path(path) if path is not None else WEIGHTS_PATH
    try:
        with p.open(encoding="utf-8") as f:
            return parse(json.load(f), source=str(p))
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return v0_model()


_CACHE: dict[str, Model] = {}


def get_model(path: str | Path | None = None) -> Model:
    """``load(path)``, cached per path for the life of the process."""
    key = str(Path(path).resolve()) if path is not None else str(WEIGHTS_PATH)
    model = _CACHE.get(key)
    if model is None:
        model = _CACHE[key] = load(path)
    return model
