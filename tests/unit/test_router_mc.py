"""The exam expert: which prompts it scores, and that chat prompts never see it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.router.model import is_multiple_choice, load
from app.router.scorer import Router

train = pytest.importorskip("app.router.lab.train")

MC = "Which is a prime?\nA. {a}\nB. 4\nC. 6\nD. 8\nAnswer:"


def test_multiple_choice_gate() -> None:
    assert is_multiple_choice(MC.format(a="2"))
    assert is_multiple_choice("Pick one:\nA) red\nB) green\nC) blue\nD) black")
    assert not is_multiple_choice("Plan A. is fine\nB. maybe")
    assert not is_multiple_choice("Write a haiku about autumn.")


def _records() -> tuple[list[tuple[str, float, float]], list[bool]]:
    recs = []
    for i in range(240):  # above EXAM_MIN exam questions: 'lattice' ones gain, 'fruit' ones do not
        hard = i % 2 == 0
        word = "lattice" if hard else "fruit"
        recs.append((MC.format(a=f"{word} {i}"), 0.0 if hard else 1.0, 1.0))
    chat = [
        (f"prove the bound {i}" if i % 2 else f"hi {i}", float(i % 2 == 0), 1.0) for i in range(40)
    ]
    recs += chat
    return recs, [w == 0.0 and s == 1.0 for _, w, s in recs]


def test_exam_expert_scores_exam_questions_only(tmp_path: Path) -> None:
    recs, labels = _records()
    f = train.fit(train.build(recs, labels), iterations=80)
    assert f.exam is not None
    obj = train.to_json(f, {"sha256": "x", "files": {}}, {}, len(recs))
    assert obj["exam_model"]["applies_to"].startswith("multiple-choice")
    path = tmp_path / "w.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    model = load(path)
    assert model.exam is not None and model.source == str(path)
    router = Router(weights=path)
    assert router.score(MC.format(a="lattice 999"))[0] > router.score(MC.format(a="fruit 999"))[0]
    # Without the expert, a chat prompt scores the same and an exam question does not.
    plain = {k: v for k, v in obj.items() if k != "exam_model"}
    path2 = tmp_path / "w2.json"
    path2.write_text(json.dumps(plain), encoding="utf-8")
    chat = "explain lattice fruit trade-offs"
    assert router.score(chat)[0] == Router(weights=path2).score(chat)[0]
    exam = MC.format(a="lattice 5")
    assert router.score(exam)[0] != Router(weights=path2).score(exam)[0]


def test_too_few_exam_questions_means_no_expert() -> None:
    recs, labels = _records()
    recs, labels = recs[-40:], labels[-40:]
    f = train.fit(train.build(recs, labels), iterations=40)
    assert f.exam is None
    assert "exam_model" not in train.to_json(f, {}, {}, len(recs))


def test_malformed_exam_model_falls_back_to_v0(tmp_path: Path) -> None:
    recs, labels = _records()
    obj = train.to_json(train.fit(train.build(recs, labels), iterations=20), {}, {}, len(recs))
    obj["exam_model"]["ngram_weights"]["n_buckets"] = 7
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    assert load(path).source == "v0"
