"""Attachments of prompts (content stored once by hash, each use in order on its message),
and the summaries that stood in for turns too old to fit a route's window: both are context
sent beside what the user typed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from storage.base import StoreBase
from storage.ids import now_iso


class AttachmentLike(Protocol):
    """What storage needs of an attachment (app/attachments.py's `Attachment` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def tokens(self) -> int: ...


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    message_id: str
    position: int
    name: str
    kind: str
    note: str
    tokens: int
    hash: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StoredAttachment:
        return cls(
            row["message_id"], int(row["position"]), row["name"], row["kind"],
            row["note"] or "", int(row["tokens"] or 0), row["hash"], row["text"],
        )  # fmt: skip


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_SELECT = (
    "SELECT a.message_id, a.position, a.name, a.kind, a.note, a.tokens, a.hash, c.text"
    " FROM message_attachments a JOIN attachment_contents c ON c.hash = a.hash"
)


class AttachmentsRepo(StoreBase):
    def _insert_attachments(self, message_id: str, items: Sequence[AttachmentLike]) -> None:
        """Inside the caller's write: the prompt and its attachments land together or not."""
        now = now_iso()
        for position, item in enumerate(items):
            self._insert_attachment(message_id, position, item, now)

    def _insert_attachment(
        self, message_id: str, position: int, item: AttachmentLike, now: str
    ) -> None:
        """One use of an attachment; its content is stored unless the same text already is
        (the hash is always computed here, never taken from the caller)."""
        digest = content_hash(item.text)
        self.conn.execute(
            "INSERT OR IGNORE INTO attachment_contents (hash, text, created_at) VALUES (?, ?, ?)",
            (digest, item.text, now),
        )
        self.conn.execute(
            "INSERT INTO message_attachments (message_id, position, hash, name, kind, note,"
            " tokens) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (message_id, position, digest, item.name, item.kind, item.note, item.tokens),
        )

    def attachments_of(self, message_id: str) -> list[StoredAttachment]:
        rows = self._rows(_SELECT + " WHERE a.message_id = ? ORDER BY a.position", (message_id,))
        return [StoredAttachment.from_row(r) for r in rows]

    def attachments_for(self, message_ids: Sequence[str]) -> dict[str, list[StoredAttachment]]:
        """Attachments of many messages at once (a branch, a session), by message id."""
        found: dict[str, list[StoredAttachment]] = {}
        ids = list(message_ids)
        for start in range(0, len(ids), 500):  # under SQLite's limit on bound parameters
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._rows(
                _SELECT + f" WHERE a.message_id IN ({marks}) ORDER BY a.message_id, a.position",
                chunk,
            )
            for row in rows:
                found.setdefault(row["message_id"], []).append(StoredAttachment.from_row(row))
        return found

    def recent_attachments(self, limit: int = 20) -> list[StoredAttachment]:
        """The latest use of each recently attached content, newest first (the picker's
        "recent" entries: the same paper for the next question without finding it again)."""
        rows = self._rows(
            _SELECT + " JOIN messages m ON m.id = a.message_id"
            " WHERE m.rowid = (SELECT MAX(m2.rowid) FROM message_attachments a2"
            " JOIN messages m2 ON m2.id = a2.message_id WHERE a2.hash = a.hash)"
            " GROUP BY a.hash ORDER BY m.rowid DESC LIMIT ?",
            (limit,),
        )
        return [StoredAttachment.from_row(r) for r in rows]

    def attachment_by_hash(self, digest: str) -> StoredAttachment | None:
        """The newest use of a stored content (its name, kind and note as last attached)."""
        rows = self._rows(
            _SELECT + " JOIN messages m ON m.id = a.message_id WHERE a.hash = ?"
            " ORDER BY m.rowid DESC LIMIT 1",
            (digest,),
        )
        return StoredAttachment.from_row(rows[0]) if rows else None

    def attachment_count(self) -> tuple[int, int]:
        """(uses, distinct contents): how much storing by hash saved."""
        uses = self.conn.execute("SELECT COUNT(*) FROM message_attachments").fetchone()[0]
        contents = self.conn.execute("SELECT COUNT(*) FROM attachment_contents").fetchone()[0]
        return int(uses), int(contents)

    def add_context_summary(
        self, answer_id: str, session_id: str, summarised: int, text: str, model: str
    ) -> None:
        with self._write():
            self.conn.execute(
                "INSERT OR REPLACE INTO context_summaries (answer_id, session_id, summarised,"
                " text, model, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (answer_id, session_id, summarised, text, model, now_iso()),
            )

    def context_summary_of(self, answer_id: str) -> tuple[int, str, str] | None:
        """(messages summarised, the summary, the model that wrote it), if one was made."""
        row = self.conn.execute(
            "SELECT summarised, text, model FROM context_summaries WHERE answer_id = ?",
            (answer_id,),
        ).fetchone()
        return (int(row[0]), str(row[1]), str(row[2] or "")) if row else None

    def delete_context_summary(self, answer_id: str) -> None:
        with self._write():
            self.conn.execute("DELETE FROM context_summaries WHERE answer_id = ?", (answer_id,))
