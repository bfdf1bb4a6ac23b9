"""Messages: the write path of one turn (prompt, streaming answer, flushes, final state) and
recovery of answers whose process died."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from storage.attachments_repo import AttachmentLike, AttachmentsRepo
from storage.ids import new_id, now_iso
from storage.models import Message, MessageStatus
from storage.sessions_repo import title_from_prompt

# A streaming row whose writer shows no sign of life for this long is taken as interrupted,
# even when its pid has been reused by an unrelated process.
STALE_STREAMING_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class RouteRecord:
    """The router's decision as stored on an assistant row."""

    route: str
    model: str
    score: float | None = None
    threshold: float | None = None
    reasons: Sequence[str] = ()
    note: str | None = None


def _pid_alive(pid: int | None) -> bool:
    """Whether another live process has this pid. A zombie (killed, not yet reaped by its
    parent, as under tmux) is dead for our purposes: it will never write again."""
    if not pid or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (macOS): trust kill(0)
    return state not in ("Z", "X")


class MessagesRepo(AttachmentsRepo):
    def get_message(self, message_id: str) -> Message | None:
        rows = self._rows("SELECT * FROM messages WHERE id = ?", (message_id,))
        return Message.from_row(rows[0]) if rows else None

    def messages(self, session_id: str) -> list[Message]:
        """Every message of a session, all branches, in creation order."""
        rows = self._rows(
            "SELECT * FROM messages WHERE session_id = ? ORDER BY created_at, id", (session_id,)
        )
        return [Message.from_row(r) for r in rows]

    def add_user_message(
        self,
        session_id: str,
        parent_id: str | None,
        content: str,
        attachments: Sequence[AttachmentLike] = (),
    ) -> Message:
        """Store what the user typed before anything else happens, and title a new session.
        Its attachments are written in the same transaction: all of them, or no prompt."""
        now = now_iso()
        message_id = new_id()
        with self._write():
            conn = self.conn
            conn.execute(
                "INSERT INTO messages (id, session_id, parent_id, role, content, status,"
                " created_at, updated_at) VALUES (?, ?, ?, 'user', ?, 'complete', ?, ?)",
                (message_id, session_id, parent_id, content, now, now),
            )
            conn.execute(
                "UPDATE sessions SET active_leaf_id = ?, updated_at = ?,"
                " title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
                (message_id, now, title_from_prompt(content), session_id),
            )
            self._insert_attachments(message_id, attachments)
        message = self.get_message(message_id)
        assert message is not None
        return message

    def start_assistant(
        self, session_id: str, parent_id: str, route: RouteRecord, content: str = ""
    ) -> Message:
        """Create the assistant row, status streaming, as soon as the route is known."""
        now = now_iso()
        message_id = new_id()
        with self._write():
            conn = self.conn
            conn.execute(
                "INSERT INTO messages (id, session_id, parent_id, role, content, status, route,"
                " model, route_score, route_threshold, route_reasons, route_note, owner_pid,"
                " created_at, updated_at)"
                " VALUES (?, ?, ?, 'assistant', ?, 'streaming', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    session_id,
                    parent_id,
                    content,
                    route.route,
                    route.model,
                    route.score,
                    route.threshold,
                    json.dumps(list(route.reasons)),
                    route.note,
                    os.getpid(),
                    now,
                    now,
                ),
            )
            conn.execute(
                "UPDATE sessions SET active_leaf_id = ?, updated_at = ? WHERE id = ?",
                (message_id, now, session_id),
            )
        message = self.get_message(message_id)
        assert message is not None
        return message

    def update_route(self, message_id: str, route: str, model: str, note: str | None) -> None:
        """Record a change of route after the fact (a fallback from deep to fast)."""
        with self._write():
            self.conn.execute(
                "UPDATE messages SET route = ?, model = ?, route_note = ?, updated_at = ?"
                " WHERE id = ?",
                (route, model, note, now_iso(), message_id),
            )

    def save_progress(self, message_id: str, content: str, reasoning: str) -> None:
        """Flush partial text of a streaming answer (called at most every 0.5 s)."""
        with self._write():
            self.conn.execute(
                "UPDATE messages SET content = ?, reasoning = ?, updated_at = ?"
                " WHERE id = ? AND status = 'streaming'",
                (content, reasoning, now_iso(), message_id),
            )

    def set_reasoning(self, message_id: str, reasoning: str) -> None:
        """Attach reasoning to a finished answer (a revision's critique, shown folded)."""
        with self._write():
            self.conn.execute(
                "UPDATE messages SET reasoning = ?, updated_at = ? WHERE id = ?",
                (reasoning, now_iso(), message_id),
            )

    def finish_assistant(
        self,
        message_id: str,
        status: MessageStatus,
        content: str,
        reasoning: str = "",
        error: str | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        first_token_ms: float | None = None,
        duration_ms: float | None = None,
        reasoning_tokens: int | None = None,
        cost_usd: float | None = None,
    ) -> Message:
        with self._write():
            self.conn.execute(
                "UPDATE messages SET status = ?, content = ?, reasoning = ?, error = ?,"
                " prompt_tokens = ?, completion_tokens = ?, first_token_ms = ?, duration_ms = ?,"
                " reasoning_tokens = ?, cost_usd = ?, owner_pid = NULL, updated_at = ?"
                " WHERE id = ?",
                (
                    str(status),
                    content,
                    reasoning,
                    error,
                    prompt_tokens,
                    completion_tokens,
                    first_token_ms,
                    duration_ms,
                    reasoning_tokens,
                    cost_usd,
                    now_iso(),
                    message_id,
                ),
            )
        message = self.get_message(message_id)
        assert message is not None
        return message

    def recover_interrupted(self) -> int:
        """Mark answers left `streaming` by a process that died as `interrupted`.

        Rows owned by another live aha process are left alone, so starting a second aha
        never breaks the first one's answer.
        """
        rows = self._rows(
            "SELECT id, owner_pid, updated_at FROM messages WHERE status = 'streaming'"
        )
        stale_before = datetime.now(UTC) - STALE_STREAMING_AFTER
        dead = [
            r["id"]
            for r in rows
            if not _pid_alive(r["owner_pid"])
            or datetime.fromisoformat(str(r["updated_at"]).replace("Z", "+00:00")) < stale_before
        ]
        if not dead:
            return 0
        with self._write():
            self.conn.executemany(
                "UPDATE messages SET status = 'interrupted', owner_pid = NULL,"
                " error = COALESCE(error, 'the process stopped while this answer streamed')"
                " WHERE id = ? AND status = 'streaming'",
                [(i,) for i in dead],
            )
        return len(dead)
