"""Opening the database: WAL, a busy timeout and pending migrations, in one place."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from storage.errors import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseReadOnly,
    SchemaTooNew,
    StorageError,
    describe,
    recover_hint,
)
from storage.schema import MIGRATION_NAMES

if TYPE_CHECKING:
    from sqlite_utils import Database

# One step of waiting for another writer; aha keeps trying, saying so, up to LOCK_WAIT_S.
BUSY_TIMEOUT_MS = 2_000
LOCK_WAIT_S = 120.0
# A file this small gets a `PRAGMA quick_check` at every open (a few milliseconds); a bigger
# one only the header and schema check, and the full check is `aha doctor --check`.
QUICK_CHECK_MAX_BYTES = 16 * 1024 * 1024

# Called with one line when a write has to wait for another process's lock; the command line
# prints it on stderr, the TUI shows it as a notification. None: wait silently.
lock_notice: Callable[[str], None] | None = None


def connect(path: str | Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) aha's database at `path`, or in memory for ':memory:', with
    every migration applied. Every failure is a `StorageError` with one line for the user.

    `read_only`: the caller only reads (search, export, stats); a file that cannot be written
    (a read-only mount, a file without write permission) is then opened read-only instead of
    failing.

    WAL lets a reader (a second aha, a search) work while an answer streams; synchronous=NORMAL
    under WAL survives a killed process, which is the crash aha must never lose text to.
    sqlite-utils (and what it imports) is loaded only when a migration is pending: an
    up-to-date database opens on the standard library alone, which keeps `aha ask` quick.
    """
    if str(path) == ":memory:":
        conn = _raw_connect(":memory:")
        _configure(conn)
        _migrate(conn, ":memory:")
        return conn
    path = Path(path)
    try:
        if read_only and path.exists() and not _writable(path):
            return _open_read_only(path)
        try:
            return _open_read_write(path)
        except DatabaseReadOnly:
            if read_only and path.exists():
                return _open_read_only(path)
            raise
    except sqlite3.Error as exc:
        raise describe(exc, path) from None


def _writable(path: Path) -> bool:
    """Whether SQLite can write the file and create its -wal and -shm files beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _raw_connect(target: str, uri: bool = False) -> sqlite3.Connection:
    # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE for writes), so a
    # writer takes the lock up front and waits on busy_timeout instead of failing mid-transaction.
    conn = sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
        isolation_level=None,
        uri=uri,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")


def _open_read_write(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create the folder for {path}: {exc.strerror}", path) from None
    if path.exists() and not _writable(path):
        raise DatabaseReadOnly(f"the database {path} is read-only here; aha cannot write", path)
    conn = _raw_connect(str(path))
    try:
        check_health(conn, path)
        _check_version(conn, path)  # before anything is written, the WAL switch included
        _enable_wal(conn, path)
        _configure(conn)
        _migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _open_read_only(path: Path) -> sqlite3.Connection:
    """Open for reading only. A WAL database on a read-only mount has no -shm file to share,
    so when plain `mode=ro` cannot open it, `immutable=1` says nobody is writing it."""
    uri = f"file:{quote(str(path))}?mode=ro"
    conn = _raw_connect(uri, uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        conn = _raw_connect(uri + "&immutable=1", uri=True)
    try:
        check_health(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        _check_version(conn, path)
        if _pending(conn):
            raise StorageError(
                f"the database {path} was written by an older aha and is read-only here; open"
                " it once with write access so aha can upgrade it",
                path,
            )
    except BaseException:
        conn.close()
        raise
    return conn


def check_health(conn: sqlite3.Connection, path: str | Path) -> None:
    """Refuse a damaged file at open, before anything is written into it: a garbage header
    fails the schema read, and a small file also gets SQLite's quick check of every page."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if Path(path).stat().st_size <= QUICK_CHECK_MAX_BYTES:
            verdict = conn.execute("PRAGMA quick_check(1)").fetchone()
            if verdict and verdict[0] != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed: {verdict[0]}")
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return  # another process is mid-change (creating the file): not damage
        raise DatabaseCorrupt(
            f"the database {path} is damaged ({exc}); {recover_hint(path)}", path
        ) from None


def integrity_problems(conn: sqlite3.Connection, limit: int = 20) -> list[str]:
    """SQLite's full `integrity_check` (every index against its table): [] when healthy."""
    rows = conn.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    try:
        return [
            row[0]
            for row in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'aha' ORDER BY rowid"
            )
        ]
    except sqlite3.OperationalError:  # no migrations table yet: a new database
        return []


def _check_version(conn: sqlite3.Connection, path: str | Path) -> None:
    """A newer aha added migrations this one does not know: its schema may hold columns and
    rules this code would violate, so the file is refused, never written."""
    applied = applied_migrations(conn)
    unknown = [name for name in applied if name not in MIGRATION_NAMES]
    if unknown:
        raise SchemaTooNew(
            f"the database {path} has schema version {len(applied)} ({applied[-1]}), from a"
            f" newer aha; this aha knows up to version {len(MIGRATION_NAMES)}"
            f" ({MIGRATION_NAMES[-1]}): update aha, or point AHA_HOME elsewhere",
            path,
        )


def _lock_wait_s() -> float:
    """How long a write waits for another process's lock: AHA_DB_LOCK_WAIT_S, else 120 s."""
    try:
        return max(0.0, float(os.environ.get("AHA_DB_LOCK_WAIT_S") or LOCK_WAIT_S))
    except ValueError:
        return LOCK_WAIT_S


def _is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def begin_immediate(conn: sqlite3.Connection, path: str | Path) -> None:
    """BEGIN IMMEDIATE, waiting for another writer in steps of the busy timeout: after the
    first step `lock_notice` says aha is waiting; after LOCK_WAIT_S, `DatabaseLocked`."""
    started = time.monotonic()
    told = False
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc):
                raise describe(exc, path) from None
            waited = time.monotonic() - started
            if waited >= _lock_wait_s():
                raise DatabaseLocked(
                    f"the database {path} stayed locked by another process for {waited:.0f} s;"
                    " close whatever holds it (another aha?) and try again",
                    path,
                ) from None
            if not told and lock_notice is not None:
                told = True
                lock_notice(f"waiting for the database: another process is writing to {path}")


def _enable_wal(conn: sqlite3.Connection, path: Path) -> None:
    """Switch to WAL, retrying while another process does the same to a new database.

    The switch needs an exclusive lock, and SQLite reports "database is locked" at once,
    without waiting on busy_timeout, when two processes create the database together.
    An existing WAL database needs no switch (and so no lock, and no write on a full disk).
    """
    mode = conn.execute("PRAGMA journal_mode").fetchone()
    if mode and str(mode[0]).lower() == "wal":
        return
    started = time.monotonic()
    told = False
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            waited = time.monotonic() - started
            if not _is_locked(exc) or waited > _lock_wait_s():
                raise describe(exc, path) from None
            if not told and lock_notice is not None and waited > BUSY_TIMEOUT_MS / 1000:
                told = True
                lock_notice(f"waiting for the database: another process is writing to {path}")
            time.sleep(0.01)


def _migrate(conn: sqlite3.Connection, path: str | Path) -> None:
    """Apply pending migrations inside one BEGIN IMMEDIATE transaction.

    A second process opening a new database at the same moment waits for the lock here, then
    finds nothing pending, instead of racing to create the same tables (sqlite-utils nests
    each step's own transaction as a savepoint).
    """
    if not _pending(conn):
        return
    from storage.migrations import migrations

    begin_immediate(conn, path)
    try:
        if _pending(conn):
            migrations.apply(wrap(conn))
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _pending(conn: sqlite3.Connection) -> bool:
    return not set(MIGRATION_NAMES) <= set(applied_migrations(conn))


def wrap(conn: sqlite3.Connection) -> Database:
    """The sqlite-utils view of a connection, for table-level work (migrations, tools, tests)."""
    from sqlite_utils import Database

    return Database(conn, execute_plugins=False)


def open_database(path: str | Path, *, read_only: bool = False) -> Database:
    """`connect`, as a sqlite-utils Database."""
    return wrap(connect(path, read_only=read_only))
