"""`aha route eval`'s figures on tiny hand-checked sets, and how DATA is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.router.lab import eval_metrics as em
from app.router.lab.eval_data import DataError, load

# Four prompts: the weak model fails the first two, the strong one answers all.
# All-weak quality 0.5, all-strong 1.0: each of the first two recovers half the gap.
WEAK = [0.0, 0.0, 1.0, 1.0]
STRONG = [1.0, 1.0, 1.0, 1.0]
NEEDS = [True, True, False, False]


def test_oracle_router() -> None:
    m = em.summary([0.9, 0.8, 0.2, 0.1], WEAK, STRONG, NEEDS)
    assert m["auroc"] == pytest.approx(1.0)
    # PGR(c) = min(2c, 1): area 0.25 under the ramp + 0.5 after it.
    assert m["apgr"] == pytest.approx(0.75)
    assert m["cpt50"] == pytest.approx(0.25)
    assert m["cpt80"] == pytest.approx(0.40)
    # quality(c) = 0.5 + c up to c = 0.5; 95% of 1.0 is reached at c = 0.45.
    assert m["deep_for_95"] == pytest.approx(0.45)


def test_constant_score_is_the_random_expectation() -> None:
    m = em.summary([0.3] * 4, WEAK, STRONG, NEEDS)
    assert m["auroc"] == pytest.approx(0.5)
    assert m["apgr"] == pytest.approx(0.5)
    assert m["cpt50"] == pytest.approx(0.5)
    assert m["cpt80"] == pytest.approx(0.8)
    assert m["deep_for_95"] == pytest.approx(0.9)  # 0.5 + 0.5 c >= 0.95


def test_reversed_router_is_worse_than_random() -> None:
    m = em.summary([0.1, 0.2, 0.8, 0.9], WEAK, STRONG, NEEDS)
    assert m["auroc"] == pytest.approx(0.0)
    assert m["apgr"] == pytest.approx(0.25)
    assert m["cpt50"] == pytest.approx(0.75)


def test_ties_are_split_evenly() -> None:
    # The first prompt is surely deep; the other three tie, one of them needing deep.
    points = em.curve([1.0, 0.5, 0.5, 0.5], WEAK, STRONG)
    assert points == [(0.0, 0.5), (0.25, 0.75), (1.0, 1.0)]
    assert em.cpt(points, 0.5) == pytest.approx(0.25)
    assert em.cpt(points, 0.75) == pytest.approx(0.625)


def test_undefined_figures_are_none() -> None:
    m = em.summary([0.1, 0.2], [1.0, 1.0], [1.0, 1.0], [False, False])
    assert m["auroc"] is None and m["apgr"] is None and m["cpt50"] is None
    assert m["deep_for_95"] == 0.0  # the weak model already has all-deep quality
    assert m["p50_ms"] is None


def test_percentiles() -> None:
    assert em.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == pytest.approx(3.0)
    assert em.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)


def test_csv_folder_skips_blank_rows_answers_and_contaminated(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "a.csv").write_text(
        'prompt,weak,strong\n"Q1\nA. x",False,True\n,,\n"Q2",,True\n"Q3",True,True\n'
        '"Q4",False,False\n',
        encoding="utf-8",
    )
    line = json.dumps({"eval_prompt": "Q4", "train_prompt": "t"})
    (folder / "contaminated_prompts.jsonl").write_text(line + "\n", encoding="utf-8")
    [s] = load(folder)
    assert [(i.prompt, i.weak, i.strong, i.needs_deep) for i in s.items] == [
        ("Q1\nA. x", 0.0, 1.0, True),
        ("Q3", 1.0, 1.0, False),
    ]


def test_judge_scores_use_the_pass_mark(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("prompt,weak,strong\nA,6,9\nB,8,9\nC,9,5\n", encoding="utf-8")
    [s] = load(path)
    assert [i.needs_deep for i in s.items] == [True, False, False]


def test_labels_read_as_qualities(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    rows = [{"prompt": "hi", "label": "fast"}, {"prompt": "prove it", "label": "deep"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    [s] = load(path)
    assert [(i.weak, i.strong, i.needs_deep) for i in s.items] == [
        (1.0, 1.0, False),
        (0.0, 1.0, True),
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.jsonl", '{"prompt": "a", "label": "fast"}\nnot json\n', "bad.jsonl:2: not JSON"),
        ("bad2.jsonl", '{"prompt": "a", "label": "medium"}\n', 'bad2.jsonl:1: expected {"prompt"'),
        ("bad.csv", "prompt,weak,strong\nA,maybe,True\n", "bad.csv:2: expected True/False"),
        ("short.csv", "prompt\nA\n", "expected a header"),
        ("empty.csv", "prompt,weak,strong\n", "no usable rows"),
        ("data.txt", "hello", "expected a .csv or .jsonl file"),
    ],
)
def test_malformed_data_says_where(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace("{", r"\{")):
        load(path)


def test_missing_data(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file or folder"):
        load(tmp_path / "nope.csv")
