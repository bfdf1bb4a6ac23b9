"""`aha ask -f`: files reach the model before the question, in order, and a bad file sends
nothing, stores nothing and says so in one line (a scripted server records what arrives)."""

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
from tests.servers.pages import PageServer

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


def attachment_rows(home: Path) -> list[tuple[str, str, str]]:
    db = next(home.rglob("*.db"))
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.execute(
            "SELECT a.name, a.kind, a.hash FROM message_attachments a"
            " JOIN messages m ON m.id = a.message_id ORDER BY m.created_at, a.position"
        ))  # fmt: skip
    finally:
        conn.close()


def content_count(home: Path) -> int:
    db = next(home.rglob("*.db"))
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM attachment_contents").fetchone()[0])
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
    # The prompt is stored as typed; the files beside it, once each by content.
    assert stored_prompts(aha_home) == ["What went wrong?"]
    assert [r[:2] for r in attachment_rows(aha_home)] == [
        ("notes.md", "markdown"),
        ("runs.csv", "csv"),
    ]


def test_a_file_stays_on_its_branch_and_is_stored_once(
    aha_home: Path, deep: FakeOpenAI, tmp_path: Path
) -> None:
    (tmp_path / "log.txt").write_text("step 300: loss 9.1 (spike)\n")
    first = ask(aha_home, deep, tmp_path, "--json", "-f", "log.txt", "Why the spike?")
    assert first.returncode == 0, first.stderr
    record = json.loads(first.stdout)
    assert record["attachments"][0]["name"] == "log.txt"
    assert record["attachments"][0]["tokens"] > 0 and "text" not in record["attachments"][0]
    session = record["session"]["id"]
    # A follow-up on the branch: the file goes again, before the first question, unasked.
    ask(aha_home, deep, tmp_path, "--session", session, "And at step 400?")
    # The same file attached again to a new session: one stored copy of its content.
    ask(aha_home, deep, tmp_path, "-f", "log.txt", "Summarise it.")
    follow_up = deep.requests[1].messages
    users = [m["content"] for m in follow_up if m["role"] == "user"]
    assert "loss 9.1" in users[0] and users[0].endswith("Why the spike?")
    assert users[1] == "And at step 400?"
    rows = attachment_rows(aha_home)
    assert len(rows) == 2 and len({r[2] for r in rows}) == 1
    assert content_count(aha_home) == 1


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


def test_a_page_and_stdin_arrive_before_the_question(
    aha_home: Path, deep: FakeOpenAI, tmp_path: Path
) -> None:
    with PageServer() as pages:
        done = ask(
            aha_home, deep, tmp_path, "-u", pages.url("/hop/1"), "-f", "-", "Compare them.",
            stdin="warmup 500 steps: val loss 2.47\n",
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"attached {pages.url('/article')} (html" in done.stderr
    assert "after 2 redirects" in done.stderr and "attached stdin (text" in done.stderr
    (request,) = deep.requests
    sent = request.messages[-1]["content"]
    assert sent.index("loss spiked") < sent.index("val loss 2.47") < sent.index("Compare them.")
    assert "Shop the merch" not in sent  # the page's menus stay behind


def test_a_page_that_fails_sends_and_stores_nothing(
    aha_home: Path, deep: FakeOpenAI, tmp_path: Path
) -> None:
    (tmp_path / "ok.md").write_text("fine\n")
    with PageServer() as pages:
        done = ask(aha_home, deep, tmp_path, "-f", "ok.md", "-u", pages.url("/gone"), "Why?")
    assert done.returncode == 2
    assert done.stderr.startswith(f"aha ask: {pages.url('/gone')}: the server answered 404")
    assert "Traceback" not in done.stderr and "attached ok.md" not in done.stderr
    assert deep.requests == [] and stored_prompts(aha_home) == []
