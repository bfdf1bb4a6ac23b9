"""Two aha processes writing to one database at once lose nothing and never see a lock error.

Each worker is `tests/helpers/ask_loop.py`: `aha ask`'s own code path (`app.cli.main`) run 200
times in one process, with the fast route on litellm's mock response, so the test spends its
time writing to SQLite instead of importing litellm 400 times. Both workers open the same,
not yet created, database at the same moment.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage import MessageStatus, Store

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ASK_LOOP = REPO / "tests" / "helpers" / "ask_loop.py"
PROMPTS_PER_WORKER = 200
WORKERS = ("A", "B")
MOCK_ANSWER = "mock answer text"
# Bounds only stop a broken run; a healthy one takes seconds.
READY_TIMEOUT_S = 240.0
RUN_TIMEOUT_S = 420.0


def mock_env(home: Path) -> dict[str, str]:
    """The fast route on litellm's mock response: no server, no key, no network."""
    env = {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__DEEP__API_BASE": "http://127.0.0.1:9",
        "AHA_ROUTES__FAST__ENGINE": "litellm",
        "AHA_ROUTES__FAST__MODEL": "openai/mock-model",
        "AHA_ROUTES__FAST__EXTRA": json.dumps({"mock_response": MOCK_ANSWER}),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("AHA_ROUTES__FAST__API_BASE", None)
    env.pop("OPENAI_API_KEY", None)  # the mock path must not need one
    return env


def wait_until(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def integrity(path: Path) -> list[tuple[str, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


def test_two_ask_loops_at_once_lose_nothing(aha_home: Path, tmp_path: Path) -> None:
    """Two workers x 200 `aha ask`: every prompt stored once with its complete answer, no
    'database is locked' anywhere, and the two workers' writes really overlap in time."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    env = mock_env(aha_home)
    logs = {w: (run_dir / f"out-{w}", run_dir / f"err-{w}") for w in WORKERS}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for worker in WORKERS:
            out, err = logs[worker]
            with out.open("wb") as stdout, err.open("wb") as stderr:
                procs[worker] = subprocess.Popen(
                    [sys.executable, str(ASK_LOOP), worker, str(PROMPTS_PER_WORKER), str(run_dir)],
                    cwd=REPO,
                    env=env,
                    stdout=stdout,
                    stderr=stderr,
                )

        def ready() -> bool:
            for worker, proc in procs.items():
                assert proc.poll() is None, (
                    f"worker {worker} exited early:\n{logs[worker][1].read_text()}"
                )
            return all((run_dir / f"ready-{w}").exists() for w in WORKERS)

        wait_until(ready, READY_TIMEOUT_S, "both workers to import litellm")
        (run_dir / "go").touch()
        codes = {w: p.wait(timeout=RUN_TIMEOUT_S) for w, p in procs.items()}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    stderr = {w: logs[w][1].read_text(errors="replace") for w in WORKERS}
    for worker in WORKERS:
        assert "database is locked" not in stderr[worker], stderr[worker]
        assert "Traceback" not in stderr[worker], stderr[worker]
        assert codes[worker] == 0, f"worker {worker} exited {codes[worker]}:\n{stderr[worker]}"
        assert logs[worker][0].read_text().splitlines() == [MOCK_ANSWER] * PROMPTS_PER_WORKER

    # Both workers were writing at the same time, most of the time.
    spans = {}
    for worker in WORKERS:
        calls = json.loads((run_dir / f"times-{worker}.json").read_text())
        assert [c["rc"] for c in calls] == [0] * PROMPTS_PER_WORKER
        spans[worker] = (calls[0]["start"], calls[-1]["end"])
    (a0, a1), (b0, b1) = spans["A"], spans["B"]
    overlap = min(a1, b1) - max(a0, b0)
    shorter = min(a1 - a0, b1 - b0)
    print(
        f"\nworker A {a1 - a0:.2f} s, worker B {b1 - b0:.2f} s, "
        f"overlap {overlap:.2f} s ({overlap / shorter:.0%} of the shorter)"
    )
    assert overlap >= 0.5 * shorter, f"workers barely overlapped: {spans}"

    db_path = aha_home / "aha.db"
    assert integrity(db_path) == [("ok",)]
    store = Store.open(db_path)
    try:
        sessions = store.list_sessions(include_archived=True, limit=10_000)
        messages = {s.id: store.messages(s.id) for s in sessions}
        total = store.conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    finally:
        store.close()
    assert len(sessions) == len(WORKERS) * PROMPTS_PER_WORKER
    assert total == 2 * len(WORKERS) * PROMPTS_PER_WORKER

    seen: dict[str, int] = {}
    for session in sessions:
        user, answer = messages[session.id]
        assert (user.role, user.status) == ("user", MessageStatus.COMPLETE)
        assert answer.role == "assistant"
        assert answer.parent_id == user.id
        assert answer.status is MessageStatus.COMPLETE, (answer.status, answer.error)
        assert answer.content == MOCK_ANSWER
        assert session.title == user.content
        assert session.active_leaf_id == answer.id
        seen[user.content] = seen.get(user.content, 0) + 1
    expected = {f"prompt {w} {i}" for w in WORKERS for i in range(PROMPTS_PER_WORKER)}
    assert set(seen) == expected
    assert set(seen.values()) == {1}


OPENER = """
import sys, time
from storage.db import connect
deadline = float(sys.argv[2])
while time.time() < deadline:
    time.sleep(0.001)
conn = connect(sys.argv[1])
print(conn.execute("PRAGMA journal_mode").fetchone()[0])
"""


@pytest.mark.parametrize("round_", range(5))
def test_processes_creating_the_database_at_once(tmp_path: Path, round_: int) -> None:
    """Several processes opening a database that does not exist yet, at the same instant,
    all get a migrated WAL database: no 'database is locked', no 'table already exists'."""
    db_path = tmp_path / "aha.db"
    start_at = time.time() + 2.0  # after every interpreter has started
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, str(db_path), repr(start_at)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "wal"
    assert integrity(db_path) == [("ok",)]
    store = Store.open(db_path)
    try:
        applied = store.conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    finally:
        store.close()
    from storage.schema import MIGRATION_NAMES

    assert applied == len(MIGRATION_NAMES)
