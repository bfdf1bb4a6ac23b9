"""The connection and transaction helpers every repository mixin builds on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from storage.db import wrap

if TYPE_CHECKING:
    from sqlite_utils import Database


class StoreBase:
    """Holds the connection. Repositories are mixins over it, one module per concern."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
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
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
