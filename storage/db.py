"""Opening the database: WAL, a busy timeout and pending migrations, in one place."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from storage.schema import MIGRATION_NAMES

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) aha's database at `path`, or in memory for ':memory:', with
    every migration applied.

    WAL lets a reader (a second aha, a search) work while an answer streams; synchronous=NORMAL
    under WAL survives a killed process, which is the crash aha must never lose text to.
    sqlite-utils (and what it imports) is loaded only when a migration is pending: an
    up-to-date database opens on the standard library alone, which keeps `aha ask` quick.
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
        _enable_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    if _pending(conn):
        _migrate(conn)
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, retrying while another process does the same to a new database.

    The switch needs an exclusive lock, and SQLite reports "database is locked" at once,
    without waiting on busy_timeout, when two processes create the database together.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations inside one BEGIN IMMEDIATE transaction.

    A second process opening a new database at the same moment waits for the lock here, then
    finds nothing pending, instead of racing to create the same tables (sqlite-utils nests
    each step's own transaction as a savepoint).
    """
    from storage.migrations import migrations

    conn.execute("BEGIN IMMEDIATE")
    try:
        if _pending(conn):
            migrations.apply(wrap(conn))
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _pending(conn: sqlite3.Connection) -> bool:
    try:
        applied = {
            row[0]
            for row in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'aha'"
            )
        }
    except sqlite3.OperationalError:  # no migrations table yet: a new database
        return True
    return not set(MIGRATION_NAMES) <= applied


def wrap(conn: sqlite3.Connection) -> Database:
    """The sqlite-utils view of a connection, for table-level work (migrations, tools, tests)."""
    from sqlite_utils import Database

    return Database(conn, execute_plugins=False)


def open_database(path: str | Path) -> Database:
    """`connect`, as a sqlite-utils Database."""
    return wrap(connect(path))
