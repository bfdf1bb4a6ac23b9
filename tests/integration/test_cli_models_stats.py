"""`aha models`, `aha doctor`'s discovery section and `aha stats`, as subprocesses against a
stub server on 127.0.0.1 and a database seeded through the Store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.backend.discovery import DEEP_CHOICE_KEY, DeepChoice
from storage import MessageStatus, Store
from storage.repository import RouteRecord
from tests.helpers.openai_stub import OpenAIStub, free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def aha(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")},
        "AHA_HOME": str(home),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=env,
        input="",
        capture_output=True,
        text=True,
        timeout=180,
    )


def ports(*values: int) -> dict[str, str]:
    return {"AHA_ROUTES__DEEP__DISCOVER_PORTS": json.dumps(list(values))}


# aha models / doctor --------------------------------------------------------------------------


def test_models_lists_routes_and_what_discovery_found(aha_home: Path) -> None:
    with OpenAIStub(models=("qwen3-8b", "qwen3-32b"), owned_by="llamacpp") as stub:
        text = aha(aha_home, "models", **ports(free_port(), stub.port))
        data = aha(aha_home, "models", "--json", **ports(stub.port))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    deep = next(line for line in lines if line.split()[:1] == ["deep"])
    assert " ok: qwen3-8b at " in deep
    assert f"  {stub.api_base} (llama.cpp)" in lines
    assert "    qwen3-32b" in lines
    assert data.returncode == 0, data.stderr
    report = json.loads(data.stdout)
    routes = {r["name"]: r for r in report["routes"]}
    assert routes["deep"]["ok"] is True and routes["deep"]["api_base"] == "auto"
    assert routes["deep"]["key"] == "none (a local server needs none)"
    assert routes["fast"]["key"] is None
    (server,) = report["discovery"]["servers"]
    assert server == {
        "api_base": stub.api_base,
        "kind": "llama.cpp",
        "models": ["qwen3-8b", "qwen3-32b"],
    }


def test_models_and_doctor_say_nothing_was_found(aha_home: Path) -> None:
    port = free_port()
    expected = f"no server on 127.0.0.1 port {port}"
    models = aha(aha_home, "models", **ports(port))
    assert models.returncode == 0, models.stderr
    assert f"  nothing found: {expected}" in models.stdout.splitlines()
    deep = next(line for line in models.stdout.splitlines() if line.split()[:1] == ["deep"])
    assert deep.endswith(f"unavailable: {expected}")
    doctor = aha(aha_home, "doctor", **ports(port))
    assert doctor.returncode == 0, doctor.stderr
    assert f"  nothing found: {expected}" in doctor.stdout.splitlines()
    assert "not usable here" in doctor.stdout  # the fail keyring backend
    assert not (aha_home / "aha.db").exists()


def test_a_server_with_ten_thousand_models_gets_ten_lines_and_a_count(aha_home: Path) -> None:
    """Before: 10,007 lines from `aha models` (and as many in `aha doctor`). Now the first ten
    of a server's models and a count of the rest; --json still lists every one."""
    names = tuple(f"model-{i:05d}" for i in range(10_000))
    with OpenAIStub(models=names, owned_by="vllm") as stub:
        text = aha(aha_home, "models", **ports(stub.port))
        doctor = aha(aha_home, "doctor", **ports(stub.port))
        data = aha(aha_home, "models", "--json", **ports(stub.port))
        every = aha(aha_home, "models", "--all", **ports(stub.port))
    assert every.returncode == 0 and f"    {names[-1]}" in every.stdout.splitlines()
    more = "    … and 9,990 more; `aha models --all` lists every one"
    for result in (text, doctor):
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert len(lines) < 60, f"{len(lines)} lines"
        at = lines.index(f"  {stub.api_base} (vLLM)")
        assert lines[at + 1 : at + 12] == [f"    {n}" for n in names[:10]] + [more]
        assert "    model-00010" not in lines
    (server,) = json.loads(data.stdout)["discovery"]["servers"]
    assert server["models"] == list(names)


def test_the_model_chosen_in_the_tui_is_listed_even_past_the_first_ten(aha_home: Path) -> None:
    names = tuple(f"model-{i:03d}" for i in range(50))
    with OpenAIStub(models=names, owned_by="vllm") as stub:
        store = Store.open(aha_home / "aha.db")
        try:
            choice = DeepChoice(stub.api_base, "model-042")
            store.set_preference(DEEP_CHOICE_KEY, choice.to_json())
        finally:
            store.close()
        result = aha(aha_home, "models", **ports(stub.port))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    at = lines.index(f"  {stub.api_base} (vLLM)")
    assert lines[at + 10 : at + 13] == [
        "    model-009",
        "    model-042  (chosen in the TUI)",
        "    … and 39 more; `aha models --all` lists every one",
    ]


def test_hosted_route_without_key_says_how_to_add_one(aha_home: Path) -> None:
    result = aha(
        aha_home,
        "models",
        AHA_ROUTES__CLOUD__MODEL="anthropic/claude-sonnet-4-5",
        **ports(free_port()),
    )
    assert result.returncode == 0, result.stderr
    assert "key none: set ANTHROPIC_API_KEY or run `aha keys set anthropic`" in result.stdout


# aha stats ------------------------------------------------------------------------------------


def _seed(home: Path) -> None:
    store = Store.open(home / "aha.db")
    try:
        session = store.create_session()
        answers = [
            (
                "fast",
                "SmolLM2",
                dict(completion_tokens=40, first_token_ms=200, duration_ms=1200, cost_usd=0.0),
            ),
            (
                "fast",
                "SmolLM2",
                dict(completion_tokens=20, first_token_ms=400, duration_ms=900, cost_usd=0.0),
            ),
            (
                "deep",
                "gpt-4o-mini",
                dict(
                    prompt_tokens=100,
                    completion_tokens=50,
                    first_token_ms=500,
                    duration_ms=1500,
                    cost_usd=0.0125,
                ),
            ),
            (
                "deep",
                "gpt-4o-mini",
                dict(prompt_tokens=10, completion_tokens=5, cost_usd=None, duration_ms=300),
            ),
        ]
        for route, model, usage in answers:
            user = store.add_user_message(session.id, None, "q")
            row = store.start_assistant(session.id, user.id, RouteRecord(route=route, model=model))
            store.finish_assistant(row.id, MessageStatus.COMPLETE, "a", **usage)  # type: ignore[arg-type]
        # One answer from long ago, outside --since.
        store.conn.execute(
            "UPDATE messages SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = ?", (row.id,)
        )
    finally:
        store.close()


def test_stats_sums_by_route_and_model(aha_home: Path) -> None:
    _seed(aha_home)
    result = aha(aha_home, "stats")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "usage, all time"
    assert lines[1].split() == [
        "route",
        "model",
        "answers",
        "tokens",
        "in",
        "tokens",
        "out",
        "tok/s",
        "first",
        "token",
        "cost",
    ]
    fast = next(line for line in lines if line.startswith("fast"))
    # No fast answer reported its prompt tokens: said in words, not a dash.
    assert fast.split() == [
        "fast", "SmolLM2", "2", "not", "reported", "60", "40.0", "0.3", "s", "$0"
    ]  # fmt: skip
    deep = next(line for line in lines if line.startswith("deep"))
    assert deep.split() == [
        "deep",
        "gpt-4o-mini",
        "2",
        "110",
        "55",
        "50.0",
        "0.5",
        "s",
        "$0.0125",
        "(1",
        "unpriced)",
    ]
    total = next(line for line in lines if line.startswith("total"))
    assert total.split()[:4] == ["total", "4", "110", "115"]

    recent = json.loads(aha(aha_home, "stats", "--since", "7", "--json").stdout)
    assert recent["since"] is not None
    assert recent["total"]["answers"] == 3
    deep_recent = next(r for r in recent["routes"] if r["route"] == "deep")
    assert (deep_recent["answers"], deep_recent["cost_usd"], deep_recent["unpriced"]) == (
        1,
        0.0125,
        0,
    )


def test_stats_without_a_database_and_bad_since(aha_home: Path) -> None:
    empty = aha(aha_home, "stats")
    assert empty.returncode == 0 and empty.stdout.strip() == "no answers yet (all time)"
    assert json.loads(aha(aha_home, "stats", "--json").stdout)["total"]["answers"] == 0
    assert not (aha_home / "aha.db").exists()
    bad = aha(aha_home, "stats", "--since", "0")
    assert bad.returncode == 2 and "must be more than 0" in bad.stderr


def test_answer_on_a_discovered_server_is_counted(aha_home: Path) -> None:
    """End to end: the deep route finds the stub, answers through litellm, and its usage is
    stored and summed (a local, unpriced model costs $0)."""
    with OpenAIStub(models=("local-7b",)) as stub:
        answer = aha(aha_home, "ask", "--route", "deep", "hello", **ports(stub.port))
    assert answer.returncode == 0, answer.stderr
    data = json.loads(aha(aha_home, "stats", "--json").stdout)
    (deep,) = data["routes"]
    assert (deep["route"], deep["model"], deep["answers"]) == ("deep", "local-7b", 1)
    assert (deep["prompt_tokens"], deep["completion_tokens"], deep["reasoning_tokens"]) == (
        11,
        7,
        3,
    )
    assert deep["cost_usd"] == 0.0 and deep["first_token_ms"] is not None
