"""`[context] overflow = "summarise"`: a branch too long for the window has its oldest turns
summarised by the fast model (a scripted server on 127.0.0.1 records both requests), the
summary is sent in their place and stored with the answer, and the badge says so."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import long_session
from tests.servers.fake_openai import FakeOpenAI, http_error, ok

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def seed_long_session(home: Path) -> str:
    """Three turns of about 200 tokens each: far more than a 600-token window holds."""
    return long_session.seed_long_session(home, turns=3, words=140)


def ask(home: Path, fast: FakeOpenAI, *args: str, overflow: str = "summarise"):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_UI__PRELOAD_MODEL": "false",
        "AHA_ROUTES__FAST__ENGINE": "litellm",
        "AHA_ROUTES__FAST__API_BASE": fast.api_base,
        "AHA_ROUTES__FAST__MODEL": "openai/fast-scripted",
        "AHA_ROUTES__FAST__CONTEXT_WINDOW": "600",
        "AHA_ROUTES__FAST__MAX_TOKENS": "64",
        "AHA_ROUTES__FAST__RETRIES": "0",
        "AHA_ROUTES__DEEP__API_BASE": "http://127.0.0.1:9",
        "AHA_CONTEXT__OVERFLOW": overflow,
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "fast", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def summaries(home: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(f"file:{home / 'aha.db'}?mode=ro", uri=True)
    try:
        return list(conn.execute("SELECT summarised, text FROM context_summaries"))
    finally:
        conn.close()


def test_old_turns_are_summarised_and_the_summary_sent_in_their_place(aha_home: Path) -> None:
    session = seed_long_session(aha_home)
    with FakeOpenAI(model="fast-scripted") as fast:
        fast.script(ok("Runs 0-2: loss fell steadily."), then=ok("Keep the schedule."))
        done = ask(aha_home, fast, "--session", session, "What next?")
        assert done.returncode == 0, done.stderr
        first, second = fast.requests
    assert "Summarise the conversation above" in first.messages[-1]["content"]
    # What was left out, cut to the summariser's own window (its newest part kept).
    assert "Noted run" in first.messages[-1]["content"]
    assert len(first.messages[-1]["content"]) < 600 * 3.5
    sent = [m["content"] for m in second.messages]
    assert any("Runs 0-2: loss fell steadily." in c for c in sent[:2])  # right after aha's own
    assert sent[-1] == "What next?"
    assert "summarised by fast" in done.stderr
    ((count, text),) = summaries(aha_home)
    assert count >= 2 and text == "Runs 0-2: loss fell steadily."


def test_a_failed_summary_falls_back_to_trimming(aha_home: Path) -> None:
    session = seed_long_session(aha_home)
    with FakeOpenAI(model="fast-scripted") as fast:
        fast.script(http_error(503, "overloaded"), then=ok("Keep the schedule."))
        done = ask(aha_home, fast, "--session", session, "What next?")
        assert done.returncode == 0, done.stderr
        answer = fast.requests[-1]
    assert "no summary" in done.stderr and "left out the" in done.stderr
    assert not any("Summary of the" in str(m["content"]) for m in answer.messages)
    assert summaries(aha_home) == []


def test_trim_is_the_default(aha_home: Path) -> None:
    session = seed_long_session(aha_home)
    with FakeOpenAI(model="fast-scripted") as fast:
        fast.script(then=ok("Keep the schedule."))
        done = ask(aha_home, fast, "--session", session, "What next?", overflow="trim")
        assert done.returncode == 0, done.stderr
        assert len(fast.requests) == 1
    assert "left out the" in done.stderr and summaries(aha_home) == []
