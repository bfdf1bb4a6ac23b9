"""SIGKILL the TUI while a draft is being written: at most the last 2 s of typing is lost.

A real `aha` under a private tmux server, typed into as a writer would. First: type, wait for
the autosave (polling the database, never sleeping a fixed time), kill, and the text is all
there. Then: keep typing for several seconds in a new draft and kill the moment the last key
is sent; what is stored must be a prefix of what was typed, hold everything the last autosave
seen by polling held, and miss only text typed in the last AUTOSAVE_S (+ a margin for tmux
and a loaded machine to deliver the keys).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from storage import Store
from tests.helpers.tmux import Tmux, wait_until_gone
from tests.helpers.tools import require_tmux

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SIZE = (120, 40)
AUTOSAVE_S = 2.0
DELIVERY_MARGIN_S = 1.0
START_TIMEOUT_S = 120.0
SAVE_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 30.0
FIRST = ["# Kill test", "", "Typed before the pause and saved by the autosave."]
WORDS = (
    "steady typing goes on for several seconds so that the autosave has to catch up "
    "while the writer is still at the keys and nothing more than two seconds may go "
    "missing when the power is cut without any warning at all"
).split()


def env(home: Path) -> dict[str, str]:
    return {
        "AHA_HOME": str(home),
        "AHA_ROUTES__DEEP__API_BASE": "http://127.0.0.1:9",
        "AHA_UI__PRELOAD_MODEL": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def bodies(db_path: Path) -> dict[str, str]:
    """Every draft's stored body by id, read-only (WAL lets us read while aha writes)."""
    if not db_path.exists():
        return {}
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:
        return {}
    try:
        return dict(conn.execute("SELECT id, body FROM drafts").fetchall())
    except sqlite3.OperationalError:  # the table does not exist yet
        return {}
    finally:
        conn.close()


def poll(predicate: object, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(interval)


def start_drafts(tmux: Tmux, session: str, home: Path) -> int:
    pid = tmux.start(session, [sys.executable, "-m", "app"], env(home), REPO, SIZE)
    poll(lambda: "Ask" in tmux.capture(session), START_TIMEOUT_S, "the first frame", 0.2)
    tmux.keys(session, "C-d")
    poll(lambda: "Outline" in tmux.capture(session), START_TIMEOUT_S, "the drafts screen", 0.2)
    return pid


def kill(tmux: Tmux, session: str, pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    wait_until_gone(pid, EXIT_TIMEOUT_S)
    tmux.kill_session(session)


def stored_after_restart(db_path: Path) -> dict[str, str]:
    store = Store.open(db_path)  # what a restart does
    try:
        assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return {d.id: d.body for d in store.list_drafts()}
    finally:
        store.close()


def test_kill9_while_writing_a_draft_loses_at_most_two_seconds(aha_home: Path) -> None:
    require_tmux()
    db_path = aha_home / "aha.db"
    tmux = Tmux()
    try:
        # 1. Type, let the autosave happen, kill: everything is there.
        pid = start_drafts(tmux, "drafts1", aha_home)
        for index, line in enumerate(FIRST):
            if index:
                tmux.keys("drafts1", "Enter")
            tmux.type("drafts1", line)
        first = "\n".join(FIRST)
        poll(lambda: first in bodies(db_path).values(), SAVE_TIMEOUT_S, "the autosave")
        kill(tmux, "drafts1", pid)
        assert list(stored_after_restart(db_path).values()) == [first]
        (first_id,) = bodies(db_path)

        # 2. Type steadily in a new draft and kill as the last key goes out.
        pid = start_drafts(tmux, "drafts2", aha_home)
        poll(lambda: "Kill test" in tmux.capture("drafts2"), START_TIMEOUT_S, "the draft")
        tmux.keys("drafts2", "C-n")
        poll(lambda: "empty draft" in tmux.capture("drafts2"), 30, "a new draft")
        typed = ""
        sent: list[tuple[float, int]] = []  # (when sent, length typed so far)
        seen: list[tuple[float, str]] = []  # (when polled, stored body) as it changes
        for word in WORDS:
            chunk = word if not typed else " " + word
            tmux.type("drafts2", chunk)
            typed += chunk
            sent.append((time.monotonic(), len(typed)))
            # Between words, look at the database (this is also the typing pace).
            pause_until = time.monotonic() + 0.15
            while time.monotonic() < pause_until:
                body = next((b for i, b in bodies(db_path).items() if i != first_id), None)
                if body is not None and (not seen or seen[-1][1] != body):
                    seen.append((time.monotonic(), body))
                time.sleep(0.03)
        killed_at = time.monotonic()
        kill(tmux, "drafts2", pid)
    finally:
        tmux.kill_server()

    after = stored_after_restart(db_path)
    assert after[first_id] == first  # the first draft is untouched
    (stored,) = [b for i, b in after.items() if i != first_id]
    typing_s = sent[-1][0] - sent[0][0]
    assert typing_s > 2 * AUTOSAVE_S, "typing must outlast the autosave for this test to bite"
    assert typed.startswith(stored), f"stored text is not a prefix of the typed text: {stored!r}"
    assert seen, "no autosave while typing"
    assert stored.startswith(seen[-1][1])  # nothing the last autosave held is lost
    # Everything sent more than AUTOSAVE_S (+ margin) before the kill is stored.
    old_enough = [n for when, n in sent if killed_at - when > AUTOSAVE_S + DELIVERY_MARGIN_S]
    assert len(stored) >= max(old_enough, default=0), (
        f"lost text typed more than {AUTOSAVE_S + DELIVERY_MARGIN_S} s before the kill: "
        f"stored {len(stored)} of {len(typed)} chars"
    )
    lost = typed[len(stored) :]
    lost_from = next((when for when, n in sent if n > len(stored)), killed_at)
    print(
        f"\ntyped {len(typed)} chars over {typing_s:.1f} s; {len(seen)} autosaves seen; "
        f"stored {len(stored)}; lost {len(lost)} chars, typed in the last "
        f"{killed_at - lost_from:.2f} s before the kill"
    )
