"""Opening the database: WAL, a busy timeout and pending migrations, in one place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from storage.migrations import migrations

BUSY_TIMEOUT_MS = 10_000


def open_database(path: str | Path) -> Database:
    """Open (creating if needed) aha's database at `path`, or in memory for ':memory:'.

    WAL lets a reader (a second aha, a search) work while an answer streams; synchronous=NORMAL
    under WAL survives a killed process, which is the crash aha must never lose text to.
    """
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE for writes), so a
    # writer takes the lock up front and waits on busy_timeout instead of failing mid-transaction.
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = Database(conn, execute_plugins=False)
    migrations.apply(db)
    return db
