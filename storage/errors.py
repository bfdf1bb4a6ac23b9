"""What went wrong with the database, as one line a user can act on.

SQLite reports a locked, full, read-only, corrupt or unopenable file as `OperationalError` or
`DatabaseError` with a terse message ("database is locked", "file is not a database"). Every
storage entry point turns those into a `StorageError` whose text names the file and the way
out; the command line and the TUI print that text, never a traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StorageError(Exception):
    """A database problem, already phrased for the user (one line)."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        super().__init__(message)
        self.path = str(path) if path is not None else None


class DatabaseLocked(StorageError):
    """Another process held the write lock for longer than aha waits."""


class DatabaseFull(StorageError):
    """The disk (or the file's quota) is full: nothing more can be written."""


class DatabaseReadOnly(StorageError):
    """The file or its folder cannot be written."""


class DatabaseCorrupt(StorageError):
    """The file is not a healthy SQLite database."""


class SchemaTooNew(StorageError):
    """A newer aha migrated this database; this one does not know its schema."""


def recover_hint(path: str | Path) -> str:
    """The way out of a damaged file: copy what can be read into a new file, keep the old."""
    return (
        f"recover what can be read with `sqlite3 {path} .recover | sqlite3 {path}.recovered`,"
        f" then move {path} aside and the .recovered file into its place (aha doctor --check)"
    )


def describe(exc: sqlite3.Error, path: str | Path) -> StorageError:
    """`exc` as the `StorageError` a user should see, for the database at `path`."""
    if isinstance(exc, StorageError):
        return exc
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLocked(
            f"the database {path} is locked by another process (another aha?); try again", path
        )
    if "full" in text or "no space" in text:
        return DatabaseFull(f"the disk holding {path} is full; free some space and retry", path)
    if "readonly" in text or "read-only" in text or "attempt to write" in text:
        return DatabaseReadOnly(f"the database {path} is read-only here; aha cannot write", path)
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        hint = recover_hint(path)
        return DatabaseCorrupt(f"the database {path} is damaged ({exc}); {hint}", path)
    if "unable to open" in text or "disk i/o" in text:
        return StorageError(f"cannot open the database {path}: {exc}", path)
    return StorageError(f"database error in {path}: {exc}", path)
