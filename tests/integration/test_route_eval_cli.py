"""`aha route eval` and `aha route train` end to end: the real CLI in a subprocess, data in tmp."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROUTERS = ("aha", "random (expected)", "prompt length", "complexity_router")

HARD = [
    "Prove that the sum of the eigenvalues of a matrix equals its trace, step by step.",
    "Derive the expected value of the maximum of n uniform variables and explain why.",
    "Design a lock-free queue in C++ and analyze its memory ordering trade-offs.",
    "Compare the convergence of Adam and SGD on a transformer; what would happen if?",
]
EASY = ["hi there", "what is the capital of France?", "thanks!", "define photosynthesis"]


def aha(home: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AHA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_csv(path: Path, rows: list[tuple[str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["prompt", "weak-model", "strong-model"])
        w.writerows(rows)


def test_eval_csv_prints_every_router_and_figure(tmp_path: Path) -> None:
    data = tmp_path / "set.csv"
    rows = [(p, "False", "True") for p in HARD] + [(p, "True", "True") for p in EASY]
    write_csv(data, rows + [("blank answer", "", "True")])
    r = aha(tmp_path, "route", "eval", str(data))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "weights trained on:" in out
    assert "set: 8 prompts (CSV file), needs deep 4 (50.0%)" in out
    for title in ("AUROC", "APGR", "CPT(50)", "CPT(80)", "deep@95%", "p50 ms", "p95 ms"):
        assert title in out
    lines = {line[:20].strip(): line for line in out.splitlines()}
    for name in ROUTERS:
        assert name in lines, out
    random_cells = lines["random (expected)"].split()[2:]
    assert random_cells[:5] == ["0.500", "0.500", "50.0%", "80.0%", "90.0%"]  # 0.5 + 0.5 c >= 0.95
    assert "unavailable" not in lines["complexity_router"]


def test_eval_jsonl_as_json(tmp_path: Path) -> None:
    data = tmp_path / "labels.jsonl"
    rows = [{"prompt": p, "label": "deep"} for p in HARD] + [
        {"prompt": p, "label": "fast"} for p in EASY
    ]
    data.write_text("\n".join(json.dumps(x) for x in rows) + "\n", encoding="utf-8")
    r = aha(tmp_path, "route", "eval", str(data), "--json", "--no-litellm")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    [s] = report["sets"]
    assert (s["name"], s["n"], s["needs_deep"]) == ("labels", 8, 4)
    assert (s["weak_quality"], s["strong_quality"]) == (0.5, 1.0)
    aha_fig = s["routers"]["aha"]
    assert aha_fig["auroc"] > 0.5 and aha_fig["apgr"] > 0.5  # obvious cases, unseen prompts
    assert aha_fig["p95_ms"] >= aha_fig["p50_ms"] > 0
    assert s["routers"]["random (expected)"]["apgr"] == 0.5
    assert s["routers"]["complexity_router"] is None
    assert "--no-litellm" in s["complexity_router"]


def test_eval_bad_data_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    r = aha(tmp_path, "route", "eval", str(tmp_path / "missing.csv"))
    assert r.returncode == 2
    assert "missing.csv: no such file or folder" in r.stderr
    assert "Traceback" not in r.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "x"}\n', encoding="utf-8")
    r = aha(tmp_path, "route", "eval", str(bad))
    assert r.returncode == 2 and "bad.jsonl:1:" in r.stderr and "Traceback" not in r.stderr


def tiny_data(tmp_path: Path) -> Path:
    """A routing-data folder of 48 obvious prompts (MMLU-shaped and MT-bench-shaped)."""
    root = tmp_path / "data"
    (root / "mmlu").mkdir(parents=True)
    (root / "mt_bench").mkdir()
    rows = [(f"{p} ({i})", "False", "True") for i in range(4) for p in HARD]
    rows += [(f"{p} ({i})", "True", "True") for i in range(4) for p in EASY]
    write_csv(root / "mmlu" / "tiny.csv", rows)
    questions, scores = [], []
    for qid, (prompt, hard) in enumerate([(p, True) for p in HARD] + [(p, False) for p in EASY]):
        questions.append({"question_id": qid, "category": "x", "turns": [prompt, "and why?"]})
        for turn in (1, 2):
            for model, score in (("mixtral-8x7b", 4 if hard else 9), ("gpt-4-1106", 10)):
                scores.append({"question_id": qid, "model": model, "turn": turn, "score": score})
    for name, objs in (("question.jsonl", questions), ("scores.jsonl", scores)):
        (root / "mt_bench" / name).write_text(
            "".join(json.dumps(o) + "\n" for o in objs), encoding="utf-8"
        )
    return root


def test_train_on_a_tiny_folder_writes_its_weights_where_asked(tmp_path: Path) -> None:
    root = tiny_data(tmp_path)
    out = tmp_path / "w.json"
    committed = (REPO / "app" / "router" / "weights.json").read_bytes()
    r = aha(tmp_path, "route", "train", "--data", str(root), "--out", str(out), "--no-eval")
    assert r.returncode == 0, r.stderr
    obj = json.loads(out.read_text(encoding="utf-8"))
    assert obj["training"]["n"] == 32 + 16
    assert set(obj["data"]["files"]) >= {"mmlu/tiny.csv", "mt_bench/scores.jsonl"}
    assert (REPO / "app" / "router" / "weights.json").read_bytes() == committed
    # The new weights route an unseen hard prompt deep-er than an unseen easy one.
    probe = aha(
        tmp_path,
        "route",
        "eval",
        str(root / "mmlu"),
        "--weights",
        str(out),
        "--as-is",
        "--no-litellm",
        "--json",
    )
    assert probe.returncode == 0, probe.stderr
    [s] = json.loads(probe.stdout)["sets"]
    assert s["routers"]["aha"]["auroc"] > 0.9


def test_train_adds_the_stored_check_outcomes_to_the_labels(tmp_path: Path) -> None:
    """Outcomes of checks in aha's database (fast failed and deep passed; fast passed) join
    the public labels in the fit, counted several times each; --no-outcomes leaves them out."""
    from app.router.feedback import FAST_ENOUGH, NEEDED_DEEP
    from storage import MessageStatus, RouteRecord, Store

    root = tiny_data(tmp_path)
    store = Store.open(tmp_path / "aha.db")
    session = store.create_session()
    for prompt, kind in (("Prove the sum of two odd numbers is even.", NEEDED_DEEP),
                         ("Say hi.", FAST_ENOUGH)):  # fmt: skip
        user = store.add_user_message(session.id, None, prompt)
        answer = store.start_assistant(session.id, user.id, RouteRecord("fast", "m", score=0.3))
        store.finish_assistant(answer.id, MessageStatus.COMPLETE, "x")
        store.add_route_feedback(answer.id, kind, 0.3, 0.5)
    store.add_route_feedback(answer.id, "overkill", 0.3, 0.5)  # not an outcome: left out
    store.close()
    out = tmp_path / "w.json"
    r = aha(tmp_path, "route", "train", "--data", str(root), "--out", str(out), "--no-eval")
    assert r.returncode == 0, r.stderr
    assert "2 check outcomes" in r.stdout and "1 needed deep" in r.stdout
    obj = json.loads(out.read_text(encoding="utf-8"))
    weight = obj["data"]["outcomes"]["weight"]
    assert obj["data"]["outcomes"] | {"weight": 0} == {
        "prompts": 2,
        "needed_deep": 1,
        "fast_enough": 1,
        "weight": 0,
    }
    assert obj["training"]["n"] == 48 + 2 * weight and weight > 1
    args = ("route", "train", "--data", str(root), "--out", str(out), "--no-eval")
    r = aha(tmp_path, *args, "--no-outcomes")
    assert r.returncode == 0, r.stderr
    obj = json.loads(out.read_text(encoding="utf-8"))
    assert obj["training"]["n"] == 48 and obj["data"]["outcomes"]["prompts"] == 0
