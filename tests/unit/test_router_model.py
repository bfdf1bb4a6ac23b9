"""Learned router: training determinism, the committed weights file, fallback, and APGR."""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import pytest

from app.router import Router
from app.router import model as router_model
from app.router.lab.evaluate import apgr, auroc
from app.router.scorer import BIAS, WEIGHTS

np = pytest.importorskip("numpy")
train = pytest.importorskip("app.router.lab.train")


def _synthetic(n: int = 120) -> list[tuple[str, float, float]]:
    """(prompt, weak, strong): prompts mentioning 'zorbl quantum' need the strong model."""
    rng = random.Random(7)
    filler = ["apple", "river", "stone", "cloud", "table", "green", "music", "paper"]
    out = []
    for i in range(n):
        words = " ".join(rng.choice(filler) for _ in range(8))
        if i % 3 == 0:
            out.append((f"zorbl quantum {words}", 0.0, 1.0))
        else:
            out.append((f"{words} plain", 1.0, 1.0))
    return out


def _data():
    records = _synthetic()
    return train.build(records, [w == 0.0 and s == 1.0 for _, w, s in records])


def test_training_is_deterministic() -> None:
    a = train.fit(_data(), iterations=60)
    b = train.fit(_data(), iterations=60)
    assert a.bias == b.bias
    assert np.array_equal(a.feats, b.feats)
    assert np.array_equal(a.ngrams, b.ngrams)


def test_training_learns_an_obvious_signal(tmp_path: Path) -> None:
    d = _data()
    f = train.fit(d, use_features=False, use_ngrams=True, iterations=60)
    z = f.logits(d).tolist()
    assert auroc(z, d.y.tolist()) > 0.95
    # The weights file it would write routes the signal above the rest.
    obj = train.to_json(f, {"sha256": "x", "files": {}}, {}, d.n)
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    router = Router(weights=path)
    assert router.model.source == str(path)
    hard = router.decide("zorbl quantum apple river").score
    easy = router.decide("apple river plain").score
    assert hard > easy


def test_committed_weights_load_with_required_keys() -> None:
    path = router_model.WEIGHTS_PATH
    obj = json.loads(path.read_text(encoding="utf-8"))
    for key in ("version", "bias", "feature_weights", "ngram_weights", "data", "metrics"):
        assert key in obj
    assert len(obj["data"]["sha256"]) == 64
    assert obj["data"]["files"]
    for setting in ("mmlu_cv5", "mmlu_to_mt_bench", "mt_bench_to_mmlu"):
        for cfg in ("v0", "hand", "ngrams", "combined"):
            m = obj["metrics"][setting][cfg]
            assert 0.0 <= m["auroc"] <= 1.0
            assert "apgr" in m
    assert set(obj["feature_weights"]) == set(WEIGHTS)
    assert path.stat().st_size < 5_000_000
    m = router_model.get_model()
    assert m.source != "v0"
    # The learned n-grams live in the exam expert; chat prompts keep the hand-set features until
    # there are enough labelled chat prompts to learn from (fit.CHAT_MIN_PER_CLASS).
    assert m.exam is not None and m.exam.ngrams
    assert Router().model is m  # cached, not re-read


@pytest.mark.parametrize(
    "prompt",
    ["", "hi", "zorbl", "Prove that every bounded monotone sequence converges. " * 50, "x" * 9000],
)
def test_scores_in_unit_interval(prompt: str) -> None:
    d = Router().decide(prompt)
    assert 0.0 <= d.score <= 1.0


def test_reasons_never_show_raw_ngrams() -> None:
    allowed_extra = {"wording seen in hard questions", "wording seen in easy questions"}
    v0_phrases = set()
    from app.router.features import extract

    for f in extract("x"):
        v0_phrases.update({f.phrase, f.negative_phrase})
    prompt = "Which of the following is a prime ideal of the ring Z[x]?\nA. 1\nB. 2\nAnswer:"
    for reason in Router().decide(prompt).reasons:
        assert reason in v0_phrases | allowed_extra | {"no strong difficulty signal"}


@pytest.mark.parametrize(
    "content", ["", "{not json", '{"version": 1}', "[1, 2]", '{"version": 1, "bias": "x"}']
)
def test_missing_or_corrupt_weights_fall_back_to_v0(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "weights.json"
    bad.write_text(content, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path in (bad, tmp_path / "missing.json"):
            router = Router(weights=path)
            assert router.model.source == "v0"
            assert router.model.bias == BIAS and router.model.features == WEIGHTS
            d = router.decide("hi")
            assert d.route == "fast" and "casual chat" in d.reasons


def test_nan_weight_is_corrupt(tmp_path: Path) -> None:
    obj = json.loads(router_model.WEIGHTS_PATH.read_text(encoding="utf-8"))
    obj["feature_weights"]["math"] = float("nan")
    bad = tmp_path / "nan.json"
    bad.write_text(json.dumps(obj), encoding="utf-8")
    assert router_model.load(bad).source == "v0"


def test_apgr_hand_made() -> None:
    rng = random.Random(1)
    n = 2000
    weak = [float(rng.random() < 0.6) for _ in range(n)]
    strong = [float(w or rng.random() < 0.5) for w in weak]  # strong >= weak everywhere
    gain = [s - w for w, s in zip(weak, strong, strict=True)]
    perfect = apgr(gain, weak, strong)
    reverse = apgr([-g for g in gain], weak, strong)
    rand = apgr([rng.random() for _ in range(n)], weak, strong)
    constant = apgr([0.5] * n, weak, strong)
    assert perfect > 0.8
    assert reverse < 0.2
    assert 0.45 < rand < 0.55
    assert constant == pytest.approx(0.5)
    with pytest.raises(ValueError):
        apgr([0.1, 0.2], [1.0, 1.0], [1.0, 1.0])  # no gap to recover
