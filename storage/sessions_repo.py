"""Sessions: create, list by last activity, rename, archive, delete, fork bookkeeping."""

from __future__ import annotations

import re

from storage.base import StoreBase
from storage.ids import new_id, now_iso
from storage.models import Session

TITLE_MAX_CHARS = 60
# A leading slash command (/deep, /fast) steers the answer; it is not what the session is about.
_COMMAND = re.compile(r"^/[a-z]+\s+", re.IGNORECASE)


def title_from_prompt(prompt: str) -> str:
    """First line of the first prompt, trimmed to a sidebar-sized title."""
    line = next((ln.strip() for ln in prompt.splitlines() if ln.strip()), "")
    line = _COMMAND.sub("", line, count=1) or line  # "/deep Why..." is titled "Why..."
    line = " ".join(line.split())
    if len(line) <= TITLE_MAX_CHARS:
        return line
    return line[: TITLE_MAX_CHARS - 1].rstrip() + "…"


class SessionsRepo(StoreBase):
    def create_session(self, title: str = "") -> Session:
        now = now_iso()
        session_id = new_id()
        with self._write():
            self.conn.execute(
                "INSERT INTO sessions (id, title, created_at, updated_at, archived)"
                " VALUES (?, ?, ?, ?, 0)",
                (session_id, title, now, now),
            )
        return Session(id=session_id, title=title, created_at=now, updated_at=now)

    def get_session(self, session_id: str) -> Session | None:
        rows = self._rows("SELECT * FROM sessions WHERE id = ?", (session_id,))
        return Session.from_row(rows[0]) if rows else None

    def list_sessions(
        self,
        include_archived: bool = False,
        limit: int = 500,
        filter_text: str | None = None,
        archived_only: bool = False,
    ) -> list[Session]:
        """Sessions by last activity, newest first.

        `filter_text` keeps titles containing it, ignoring case in any script ("CAFÉ" finds
        "Café"). SQLite's LIKE and lower() fold ASCII only, so the filter runs here, over
        titles alone: a few thousand short strings, far below what a person notices.
        """
        if archived_only:
            where = "WHERE archived = 1"
        else:
            where = "" if include_archived else "WHERE archived = 0"
        needle = filter_text.strip().casefold() if filter_text else ""
        sql = f"SELECT * FROM sessions {where} ORDER BY updated_at DESC, id DESC"
        if not needle:
            rows = self._rows(sql + " LIMIT ?", (limit,))
            return [Session.from_row(r) for r in rows]
        sessions = (Session.from_row(r) for r in self._rows(sql))
        return [s for s in sessions if needle in s.title.casefold()][: max(limit, 0)]

    def rename_session(self, session_id: str, title: str) -> None:
        with self._write():
            self.conn.execute(
                "UPDATE sessions SET title = ?, updated_at = ? WHERE id = ?",
                (title, now_iso(), session_id),
            )

    def archive_session(self, session_id: str) -> None:
        """Hide a session from the default list. `updated_at` is left alone, so unarchiving
        puts it back where it was."""
        self._set_archived(session_id, True)

    def unarchive_session(self, session_id: str) -> None:
        self._set_archived(session_id, False)

    def _set_archived(self, session_id: str, archived: bool) -> None:
        with self._write():
            self.conn.execute(
                "UPDATE sessions SET archived = ? WHERE id = ?", (int(archived), session_id)
            )

    def delete_session(self, session_id: str) -> bool:
        """Delete a session and every message in it, in one transaction; False when there
        was no such session. The search index follows through m003's delete trigger."""
        with self._write():
            # One statement for all messages: parent links are checked at its end, when the
            # whole tree is gone, so the order of rows does not matter.
            self.conn.execute("DELETE FROM messages WHERE session_id = ?", (session_id,))
            cursor = self.conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return cursor.rowcount > 0
