"""Sessions: create, list by last activity, rename, archive, delete, fork bookkeeping."""

from __future__ import annotations

from storage.base import StoreBase
from storage.ids import new_id, now_iso
from storage.models import Session

TITLE_MAX_CHARS = 60


def title_from_prompt(prompt: str) -> str:
    """First line of the first prompt, trimmed to a sidebar-sized title."""
    line = next((ln.strip() for ln in prompt.splitlines() if ln.strip()), "")
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

    def list_sessions(self, include_archived: bool = False, limit: int = 500) -> list[Session]:
        """Sessions by last activity, newest first."""
        where = "" if include_archived else "WHERE archived = 0"
        rows = self._rows(
            f"SELECT * FROM sessions {where} ORDER BY updated_at DESC, id DESC LIMIT ?", (limit,)
        )
        return [Session.from_row(r) for r in rows]

    def rename_session(self, session_id: str, title: str) -> None:
        with self._write():
            self.conn.execute(
                "UPDATE sessions SET title = ?, updated_at = ? WHERE id = ?",
                (title, now_iso(), session_id),
            )
