"""`aha doctor | head -1`: every command that writes to stdout ends quietly when its reader
goes away (before: a BrokenPipeError traceback and exit 1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import MessageStatus, RouteRecord, Store

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
COMMANDS = [
    ("doctor",),
    ("models",),
    ("stats",),
    ("search", "lighthouse"),
    ("export", "last"),
    ("route", "Prove that there are infinitely many primes"),
    ("draft", "list"),
    ("--help",),
]


@pytest.fixture
def seeded(aha_home: Path) -> Path:
    store = Store.open(aha_home / "aha.db")
    try:
        session = store.create_session()
        for number in range(200):  # enough output to fill a pipe
            user = store.add_user_message(
                session.id, session.active_leaf_id, f"lighthouse {number} " * 20
            )
            answer = store.start_assistant(session.id, user.id, RouteRecord("fast", "smol"))
            store.finish_assistant(answer.id, MessageStatus.COMPLETE, "a lighthouse answer " * 50)
            session = store.get_session(session.id) or session
        store.create_draft(body="# A draft\n\nSome words.")
    finally:
        store.close()
    return aha_home


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_a_reader_that_leaves_ends_the_command_quietly(seeded: Path, args: tuple[str, ...]) -> None:
    env = {
        **os.environ,
        "AHA_HOME": str(seeded),
        "AHA_ROUTES__DEEP__API_BASE": "http://127.0.0.1:9",
    }
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte: `| head -0`
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app", *args],
            cwd=REPO, env=env, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr
