"""The connection and transaction helpers every repository mixin builds on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from storage.db import begin_immediate, wrap
from storage.errors import describe

if TYPE_CHECKING:
    from sqlite_utils import Database


class StoreBase:
    """Holds the connection. Repositories are mixins over it, one module per concern."""

    def __init__(self, conn: sqlite3.Connection, path: str | None = None) -> None:
        self.conn = conn
        self.path = path or _file_of(conn)
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        """sqlite-utils over the same connection, built on first use (it costs an import)."""
        if self._db is None:
            self._db = wrap(self.conn)
        return self._db

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """A write transaction that takes the lock at once and waits on the busy timeout.

        Nested use joins the outer transaction, so repository methods compose.
        """
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        begin_immediate(conn, self.path)
        try:
            yield
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:  # a failed COMMIT (disk full) leaves it open
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError:
                # A full disk, a read-only file, damage found mid-write: one line, and the
                # caller knows nothing of this write was saved. (A broken constraint is a
                # bug, not the user's disk: it stays an IntegrityError.)
                raise describe(exc, self.path) from None
            raise

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _file_of(conn: sqlite3.Connection) -> str:
    """The file behind `conn` (for messages), or ':memory:'."""
    try:
        for _, name, file in conn.execute("PRAGMA database_list"):
            if name == "main":
                return str(file) or ":memory:"
    except sqlite3.Error:
        pass
    return ":memory:"
