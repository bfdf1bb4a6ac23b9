"""Signals and prompts too big for the window, with the real embedded model and real
processes: Ctrl+C before the first token never crashes the process, SIGTERM marks the answer
interrupted at once, and one oversized prompt never poisons its session."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.fake_openai import FakeOpenAI, ok

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = "Tell me a long story about a lighthouse keeper and the sea, with many details."


def env_for(home: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_UI__PRELOAD_MODEL": "false",
        "AHA_ROUTES__FAST__TEMPERATURE": "0",
        **extra,
    }


def spawn(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_for_line(stream: object, needle: bytes, limit: float = 60) -> bytes:
    """Read `stream` line by line until one holds `needle` (bounded: a hang fails)."""
    assert hasattr(stream, "readline")
    seen = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = stream.readline()
        seen += line
        if needle in line or not line:
            return seen
    raise AssertionError(f"{needle!r} not seen in {seen!r}")


def statuses(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT status, content FROM messages WHERE role = 'assistant'")
        return [(status, content) for status, content in rows]
    finally:
        conn.close()


def test_ctrl_c_before_the_first_token_exits_130_every_time(aha_home: Path) -> None:
    """SIGINT as soon as the badge is out (the model loading or evaluating the prompt): the
    generation thread is stopped and joined, never torn down, so the exit is 130, never a
    crash (before: SIGSEGV in about 1 run in 6)."""
    env = env_for(aha_home, AHA_ROUTES__FAST__MAX_TOKENS="64")
    codes = []
    for _ in range(12):
        proc = spawn(env, "ask", "--route", "fast", PROMPT)
        wait_for_line(proc.stderr, b"[fast")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        codes.append(proc.returncode)
        assert b"Traceback" not in err, err.decode()
    assert codes == [130] * 12


def test_ctrl_c_during_start_up_prints_no_traceback(aha_home: Path) -> None:
    env = env_for(aha_home)
    for delay in (0.05, 0.1, 0.2, 0.3, 0.5):
        proc = spawn(env, "route", "a prompt to explain")
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert b"Traceback" not in err, err.decode()
        # 130 from aha; -2 when the signal beat Python's own handler; 0 when it finished first.
        assert proc.returncode in (0, 130, -signal.SIGINT), (proc.returncode, err)


@pytest.fixture
def slow_deep() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        server.script(then=ok(*(f"part{i} " for i in range(400)), delay=0.05))
        yield server


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_mark_the_answer_interrupted_at_once(
    aha_home: Path, slow_deep: FakeOpenAI, signum: int
) -> None:
    env = env_for(
        aha_home,
        AHA_ROUTES__DEEP__API_BASE=slow_deep.api_base,
        AHA_ROUTES__DEEP__MODEL="openai/fake-deep",
    )
    proc = spawn(env, "ask", "--route", "deep", PROMPT)
    assert proc.stdout is not None
    os.read(proc.stdout.fileno(), 5)  # the answer is streaming
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err.decode()
    assert b"Traceback" not in err
    # Read straight from the file, with no aha start in between to recover anything.
    [(status, content)] = statuses(aha_home / "aha.db")
    assert status == "interrupted" and content.startswith("part0 ")


def test_an_oversized_prompt_is_one_line_and_never_poisons_its_session(aha_home: Path) -> None:
    env = env_for(aha_home, AHA_ROUTES__FAST__MAX_TOKENS="8")
    huge = "word " * 24_000  # 120 KB: far over the fast route's 2,048-token window
    big = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "fast", "--json", "-"],
        cwd=REPO, env=env, input=huge, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert big.returncode == 1 and "Traceback" not in big.stderr
    record = json.loads(big.stdout)
    error = record["answer"]["error"]
    assert "fast route's 2,048-token window" in error and "\n" not in error
    assert "ValueError" not in big.stderr + error
    session = record["session"]["id"]
    after = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "fast", "--session", session, "Hello!"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert after.returncode == 0, after.stderr
    assert after.stdout.strip()
    assert "context: left out the" in after.stderr  # the badge says the history was cut


def test_a_long_history_is_trimmed_from_the_oldest_turn(aha_home: Path) -> None:
    """A long paste that fits the window only alone, then a long follow-up: the
    follow-up is answered, with the paste left out and the badge saying so."""
    env = env_for(aha_home, AHA_ROUTES__FAST__MAX_TOKENS="8")
    paste = "A paragraph of notes about gradient clipping. " * 100  # ~4,700 characters
    first = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "fast", "--json", paste],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    session = json.loads(first.stdout)["session"]["id"]
    second = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "fast", "--session", session,
         "--json", "Now one line: what is gradient clipping? " + "Be exact. " * 300],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    note = json.loads(second.stdout)["answer"]["route_note"] or ""
    assert "context: left out the 2 oldest message(s) to fit the 2,048-token window" in note


def test_a_paste_too_long_for_fast_goes_deep_when_deep_answers(
    aha_home: Path, slow_deep: FakeOpenAI
) -> None:
    """19,000 characters routed fast: too long for its 2,048-token window, so it goes to the
    deep route (which answers) with a note, instead of a raw `ValueError` and a retry that
    cannot succeed."""
    slow_deep.script(then=ok("A summary."))
    env = env_for(
        aha_home,
        AHA_ROUTES__DEEP__API_BASE=slow_deep.api_base,
        AHA_ROUTES__DEEP__MODEL="openai/fake-deep",
        AHA_ROUTER__THRESHOLD="0.99",  # the router would send it fast
    )
    paste = "hi there, " * 1900
    done = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--json", "-"],
        cwd=REPO, env=env, input=paste, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["decision"]["route"] == "fast"
    answer = record["answer"]
    assert (answer["route"], answer["content"]) == ("deep", "A summary.")
    assert "too long for the fast route's 2,048-token window; sent deep" in answer["route_note"]
