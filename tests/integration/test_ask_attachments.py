"""`aha ask -f`: files reach the model before the question, in order, and a bad file sends
nothing, stores nothing and says so in one line (a scripted server records what arrives)."""

from __future__ import annotations

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
def deep() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        server.script(then=ok("Noted."))
        yield server


def ask(
    home: Path, deep: FakeOpenAI, cwd: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_UI__PRELOAD_MODEL": "false",
        "AHA_ROUTES__DEEP__API_BASE": deep.api_base,
        "AHA_ROUTES__DEEP__MODEL": "openai/fake-deep",
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "deep", *args],
        cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def stored_prompts(home: Path) -> list[str]:
    db = next(home.rglob("*.db"), None)
    if db is None:
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT content FROM messages WHERE role = 'user'")]
    finally:
        conn.close()


def test_files_arrive_before_the_question_in_order(
    aha_home: Path, deep: FakeOpenAI, tmp_path: Path
) -> None:
    (tmp_path / "notes.md").write_text("# Notes\nwarmup hurt the small model\n")
    (tmp_path / "runs.csv").write_text("lr,loss\n" + "".join(f"{i},{i}\n" for i in range(50)))
    done = ask(aha_home, deep, tmp_path, "-f", "notes.md", "-f", "runs.csv", "What went wrong?")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Noted."
    assert "attached notes.md (markdown" in done.stderr
    assert "attached runs.csv (csv" in done.stderr and "20 of 50 rows" in done.stderr
    (request,) = deep.requests
    sent = request.messages[-1]["content"]
    assert sent.index("warmup hurt") < sent.index("lr,loss") < sent.index("What went wrong?")
    assert "49,49" not in sent  # only the sample of rows
    assert stored_prompts(aha_home) == [sent]


def test_a_bad_file_sends_and_stores_nothing(
    aha_home: Path, deep: FakeOpenAI, tmp_path: Path
) -> None:
    (tmp_path / "ok.md").write_text("fine\n")
    (tmp_path / "blob.bin").write_bytes(b"\0\1\2")
    done = ask(aha_home, deep, tmp_path, "-f", "ok.md", "-f", "blob.bin", stdin="my question\n")
    assert done.returncode == 2
    assert "aha ask: blob.bin: a binary file, not text" in done.stderr
    assert "my question" in done.stderr  # a prompt from stdin is given back
    assert "Traceback" not in done.stderr
    assert deep.requests == [] and stored_prompts(aha_home) == []
