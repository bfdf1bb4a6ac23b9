"""The message tree: threads, siblings, the active leaf, forks."""

from __future__ import annotations

from storage.base import StoreBase
from storage.ids import new_id, now_iso
from storage.models import Message, Session


class TreeRepo(StoreBase):
    def thread(self, leaf_id: str) -> list[Message]:
        """The branch from the root down to `leaf_id`, root first."""
        rows = self._rows(
            """
            WITH RECURSIVE chain(id, depth) AS (
                SELECT id, 0 FROM messages WHERE id = ?
                UNION ALL
                SELECT m.parent_id, chain.depth + 1 FROM messages m JOIN chain ON m.id = chain.id
                WHERE m.parent_id IS NOT NULL
            )
            SELECT messages.* FROM chain JOIN messages ON messages.id = chain.id
            ORDER BY chain.depth DESC
            """,
            (leaf_id,),
        )
        return [Message.from_row(r) for r in rows]

    def active_thread(self, session_id: str) -> list[Message]:
        session = self.get_session(session_id)
        if session is None or session.active_leaf_id is None:
            return []
        return self.thread(session.active_leaf_id)

    def children(self, message_id: str) -> list[Message]:
        rows = self._rows("SELECT * FROM messages WHERE parent_id = ? ORDER BY id", (message_id,))
        return [Message.from_row(r) for r in rows]

    def siblings(self, message_id: str) -> list[Message]:
        """The message and its siblings (same parent; roots of the same session), oldest first."""
        message = self.get_message(message_id)  # type: ignore[attr-defined]
        if message is None:
            return []
        if message.parent_id is None:
            rows = self._rows(
                "SELECT * FROM messages WHERE session_id = ? AND parent_id IS NULL ORDER BY id",
                (message.session_id,),
            )
        else:
            rows = self._rows(
                "SELECT * FROM messages WHERE parent_id = ? ORDER BY id", (message.parent_id,)
            )
        return [Message.from_row(r) for r in rows]

    def latest_leaf(self, message_id: str) -> str:
        """The newest message under `message_id` (itself included).

        Children are always created after their parent, so the newest message of a subtree
        has no children: it is the leaf a user most recently worked on down that branch.
        """
        row = self.conn.execute(
            """
            WITH RECURSIVE subtree(id) AS (
                SELECT ?
                UNION ALL
                SELECT m.id FROM messages m JOIN subtree ON m.parent_id = subtree.id
            )
            SELECT max(id) FROM subtree
            """,
            (message_id,),
        ).fetchone()
        return str(row[0])

    def set_active_leaf(self, session_id: str, message_id: str) -> None:
        """Remember which branch the session shows, across restarts."""
        with self._write():
            self.conn.execute(
                "UPDATE sessions SET active_leaf_id = ? WHERE id = ?", (message_id, session_id)
            )

    def fork_session(self, message_id: str, title: str | None = None) -> Session:
        """Copy the thread from the root down to `message_id` into a new session that records
        where it came from. The copies get new ids; the original is untouched."""
        thread = self.thread(message_id)
        if not thread:
            raise KeyError(message_id)
        source = self.get_session(thread[0].session_id)  # type: ignore[attr-defined]
        now = now_iso()
        session_id = new_id()
        new_title = (
            title if title is not None else f"{source.title if source else ''} (fork)".strip()
        )
        with self._write():
            self.conn.execute(
                "INSERT INTO sessions (id, title, created_at, updated_at, archived,"
                " forked_from_session_id, forked_from_message_id) VALUES (?, ?, ?, ?, 0, ?, ?)",
                (session_id, new_title, now, now, thread[0].session_id, message_id),
            )
            parent: str | None = None
            columns = [c[1] for c in self.conn.execute("PRAGMA table_info(messages)")]
            copied = [c for c in columns if c not in ("id", "session_id", "parent_id", "owner_pid")]
            for message in thread:
                copy_id = new_id()
                self.conn.execute(
                    f"INSERT INTO messages (id, session_id, parent_id, {', '.join(copied)})"
                    f" SELECT ?, ?, ?, {', '.join(copied)} FROM messages WHERE id = ?",
                    (copy_id, session_id, parent, message.id),
                )
                # The copy's attachments point at the same stored content (stored once).
                self.conn.execute(
                    "INSERT INTO message_attachments (message_id, position, hash, name, kind,"
                    " note, tokens) SELECT ?, position, hash, name, kind, note, tokens"
                    " FROM message_attachments WHERE message_id = ?",
                    (copy_id, message.id),
                )
                parent = copy_id
            self.conn.execute(
                "UPDATE sessions SET active_leaf_id = ? WHERE id = ?", (parent, session_id)
            )
        forked = self.get_session(session_id)  # type: ignore[attr-defined]
        assert forked is not None
        return forked

    def sibling_positions(self, session_id: str) -> dict[str, tuple[int, int]]:
        """For every message of a session: (its index among its siblings, how many there are).

        One query for the whole session, so drawing a thread's `‹ 2/3 ›` markers costs the
        same whatever its length.
        """
        rows = self.conn.execute(
            """
            SELECT id,
                   ROW_NUMBER() OVER (PARTITION BY parent_id ORDER BY id) - 1,
                   COUNT(*) OVER (PARTITION BY parent_id)
            FROM messages WHERE session_id = ?
            """,
            (session_id,),
        )
        return {row[0]: (row[1], row[2]) for row in rows}
