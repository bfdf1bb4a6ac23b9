"""`aha ask --by TIME`: fast answers at once, deep works meanwhile, the best answer by the
deadline is final; both stored, with scripted servers standing in for both routes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.fake_openai import FakeOpenAI, ok

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def servers() -> Iterator[tuple[FakeOpenAI, FakeOpenAI]]:
    with FakeOpenAI(model="quick") as fast, FakeOpenAI(model="slow") as deep:
        yield fast, deep


def ask(home: Path, fast: FakeOpenAI, deep: FakeOpenAI, by: str) -> dict:
    env = {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__FAST__ENGINE": "litellm",
        "AHA_ROUTES__FAST__API_BASE": fast.api_base,
        "AHA_ROUTES__FAST__MODEL": "openai/quick",
        "AHA_ROUTES__DEEP__API_BASE": deep.api_base,
        "AHA_ROUTES__DEEP__MODEL": "openai/slow",
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--by", by, "--json", "Explain entropy briefly"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def statuses(home: Path) -> dict[str, str]:
    conn = sqlite3.connect(home / "aha.db")
    try:
        rows = conn.execute("SELECT route, status FROM messages WHERE role = 'assistant'")
        return dict(rows.fetchall())
    finally:
        conn.close()


def test_deep_finishing_in_time_wins(
    aha_home: Path, servers: tuple[FakeOpenAI, FakeOpenAI]
) -> None:
    fast, deep = servers
    fast.script(then=ok("A quick answer."))
    deep.script(then=ok("A careful ", "answer."))
    record = ask(aha_home, fast, deep, "30s")
    assert record["deadline"]["winner"] == "deep"
    assert record["answer"]["content"] == "A careful answer."
    assert record["escalated_from"]["content"] == "A quick answer."
    assert statuses(aha_home) == {"fast": "complete", "deep": "complete"}


def test_at_the_deadline_the_fast_answer_stands(
    aha_home: Path, servers: tuple[FakeOpenAI, FakeOpenAI]
) -> None:
    fast, deep = servers
    fast.script(then=ok("A quick answer."))
    deep.script(then=ok(*(f"slow{i} " for i in range(100)), delay=0.2))
    record = ask(aha_home, fast, deep, "2s")
    assert record["deadline"]["winner"] == "fast"
    assert "not done by the 2 s deadline" in record["deadline"]["reason"]
    assert record["answer"]["content"] == "A quick answer."
    assert statuses(aha_home) == {"fast": "complete", "deep": "cancelled"}


def test_deep_still_thinking_is_asked_to_answer_now(
    aha_home: Path, servers: tuple[FakeOpenAI, FakeOpenAI]
) -> None:
    """Deep thinks past three quarters of the deadline: its stream is cut and it is asked for
    its answer now, which arrives in time and wins."""
    fast, deep = servers
    fast.script(then=ok("A quick answer."))
    thoughts = [f"step {i}. " for i in range(200)]
    deep.script(ok("never sent", reasoning=thoughts, delay=0.05), then=ok("Deep, in time."))
    record = ask(aha_home, fast, deep, "4s")
    assert record["deadline"]["winner"] == "deep", record["deadline"]
    assert record["deadline"]["answer_now"] is True
    assert "asked to answer now" in record["deadline"]["reason"]
    assert record["answer"]["content"] == "Deep, in time."
    assert "by 4 s: deep in time" in record["answer"]["route_note"]
    last = deep.requests[-1].messages[-1]["content"]
    assert last.startswith("Time is up.") and "step 0." in last
    assert statuses(aha_home) == {"fast": "complete", "deep": "complete"}
