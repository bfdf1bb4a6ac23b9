"""`aha eval` end to end: two scripted OpenAI-compatible servers on 127.0.0.1 stand in for the
routes (fast always right, deep always wrong), so each mode's accuracy and deep share are known;
code is judged by the set's tests in the real sandbox; the user's database is never touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.evals.sets import BUILT_IN, CODE, NUMBER, SetError, load_set
from tests.helpers.openai_stub import OpenAIStub

REPO = Path(__file__).resolve().parents[2]
RIGHT = ("```python\ndef add(a, b):\n    return a + b\n```\n\n", "The answer is 15.")
WRONG = ("```python\ndef add(a, b):\n    return a - b\n```\n\n", "The answer is 7.")
TASKS = [
    {"id": "add", "prompt": "Write a Python function add(a, b).", "tests": "assert add(2, 3) == 5"},
    {"id": "apples", "prompt": "12 - 5 + 8 apples: how many?", "answer": 15},
]


def eval_cli(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(
        AHA_HOME=str(home), LITELLM_LOCAL_MODEL_COST_MAP="True", AHA_UI__PRELOAD_MODEL="false"
    )
    return subprocess.run(
        [sys.executable, "-m", "app", "eval", *args],
        cwd=REPO,
        env={**env, **extra},
        capture_output=True,
        text=True,
        timeout=300,
    )


def routes_at(fast: OpenAIStub, deep: OpenAIStub) -> dict[str, str]:
    return {
        "AHA_ROUTES__FAST__ENGINE": "litellm",
        "AHA_ROUTES__FAST__MODEL": "openai/stub-model",
        "AHA_ROUTES__FAST__API_BASE": fast.api_base,
        "AHA_ROUTES__DEEP__MODEL": "openai/stub-model",
        "AHA_ROUTES__DEEP__API_BASE": deep.api_base,
    }


def test_each_mode_is_judged_against_the_set(aha_home: Path, tmp_path: Path) -> None:
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    with OpenAIStub(answer=RIGHT) as fast, OpenAIStub(answer=WRONG) as deep:
        done = eval_cli(aha_home, str(data), "--json", **routes_at(fast, deep))
        assert done.returncode == 0, done.stderr
        record = json.loads(done.stdout)
        table = eval_cli(aha_home, str(data), "--modes", "fast,deep", **routes_at(fast, deep))
    assert table.returncode == 0, table.stderr
    by_mode = {s["mode"]: s for s in record["summaries"]}
    assert list(by_mode) == ["fast", "deep", "router", "router+checks"]
    assert by_mode["fast"]["correct"] == 2 and by_mode["fast"]["deep_share"] == 0
    assert by_mode["deep"]["correct"] == 0 and by_mode["deep"]["deep_share"] == 1
    for summary in record["summaries"]:
        assert summary["set"] == "mine" and summary["prompts"] == 2
        assert {"accuracy", "calls", "deep_calls", "seconds_per_prompt"} <= set(summary)
        assert [r["id"] for r in summary["results"]] == ["add", "apples"]
    checked = {r["id"]: r for r in by_mode["router+checks"]["results"]}
    assert checked["apples"]["calls"] >= 3  # samples drawn for the short result
    failed_code = {r["id"]: r for r in by_mode["deep"]["results"]}["add"]
    assert "tests 0/1 passed" in failed_code["detail"]  # the set's tests, run in the sandbox
    lines = table.stdout.splitlines()
    assert lines[1].split()[:3] == ["set", "mode", "accuracy"]
    assert any(line.split()[:3] == ["mine", "fast", "2/2"] for line in lines)
    assert any(line.split()[:3] == ["mine", "deep", "0/2"] for line in lines)
    assert not (aha_home / "aha.db").exists()  # the user's database is never made or touched


def test_bad_input_is_one_line(aha_home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"prompt": "ok", "answer": 1}\n{"prompt": "no label"}\n')
    bad = eval_cli(aha_home, str(broken))
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        f'aha eval: {broken}:2: each task needs "tests" (a string of Python) or "answer" (a result)'
    ]
    missing = eval_cli(aha_home, "nope")
    assert missing.returncode == 2 and "no such set or file" in missing.stderr
    modes = eval_cli(aha_home, "--modes", "fast,slow")
    assert modes.returncode == 2 and "--modes: slow" in modes.stderr
    assert "Traceback" not in bad.stderr + missing.stderr + modes.stderr


def test_the_built_in_sets_load() -> None:
    code, numbers = load_set("code"), load_set("numbers")
    assert set(BUILT_IN) == {"code", "numbers"}
    assert len(code.tasks) >= 8 and {t.kind for t in code.tasks} == {CODE}
    assert len(numbers.tasks) >= 8 and {t.kind for t in numbers.tasks} == {NUMBER}
    with pytest.raises(SetError):
        load_set(str(Path(__file__)))  # not JSON lines
