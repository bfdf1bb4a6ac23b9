"""Drafts: the current text, a version per save that changed it, and the model's critiques.

Every write is one transaction, so a killed process leaves either the old draft and its
versions or the new ones, never a body without the version that records it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from storage.base import StoreBase
from storage.drafts_models import (
    CRITIQUE_STATUSES,
    Critique,
    Draft,
    DraftVersion,
    count_words,
)
from storage.ids import new_id, now_iso

TITLE_MAX_CHARS = 120
# Streaming critiques are flushed every half second; one untouched this long has no writer.
STALE_CRITIQUE_AFTER = timedelta(minutes=2)
# Autosaves within this many seconds of the version they would start are folded into it.
COALESCE_S = 300.0
AUTOSAVE = "autosave"
SEALED_AUTOSAVE = "autosave · critiqued"


def _age_s(stamp: str) -> float:
    """Seconds since a stored UTC timestamp (a stamp that cannot be read counts as old)."""
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return float("inf")
    return (datetime.now(UTC) - then).total_seconds()


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_H1 = re.compile(r"^ {0,3}#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


def title_from_body(body: str) -> str:
    """The text of the first level-1 ATX heading (`# Title`) outside code fences, or ""."""
    fence: str | None = None
    for line in body.splitlines():
        opener = _FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        heading = _H1.match(line)
        if heading and heading.group(1).strip():
            return " ".join(heading.group(1).split())[:TITLE_MAX_CHARS]
    return ""


def _clean_tags(tags: Sequence[str]) -> list[str]:
    """Tags without blanks or repeats, in the order given."""
    seen: list[str] = []
    for tag in tags:
        tag = " ".join(str(tag).split())
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class DraftsRepo(StoreBase):
    # Drafts -----------------------------------------------------------------------------------

    def create_draft(
        self,
        title: str = "",
        body: str = "",
        *,
        tags: Sequence[str] = (),
        description: str = "",
    ) -> Draft:
        """A new draft; its first version is stored at once when `body` has text. With no
        title given, the body's first `# ` heading names it."""
        now = now_iso()
        draft_id = new_id()
        title = " ".join(title.split()) or title_from_body(body)
        version_id = new_id() if body else None
        words = count_words(body)
        with self._write():
            self.conn.execute(
                "INSERT INTO drafts (id, title, body, tags, description, words,"
                " current_version_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    draft_id,
                    title,
                    body,
                    json.dumps(_clean_tags(tags), ensure_ascii=False),
                    description,
                    words,
                    version_id,
                    now,
                    now,
                ),
            )
            if version_id is not None:
                self._insert_version(version_id, draft_id, body, words, "created", now)
        draft = self.get_draft(draft_id)
        assert draft is not None
        return draft

    def get_draft(self, draft_id: str) -> Draft | None:
        rows = self._rows("SELECT * FROM drafts WHERE id = ?", (draft_id,))
        return Draft.from_row(rows[0]) if rows else None

    def find_drafts(self, ref: str) -> list[Draft]:
        """Drafts whose id is `ref` or starts with it (ids are long; people type a prefix)."""
        exact = self.get_draft(ref)
        if exact is not None:
            return [exact]
        if not ref or not all(ch in "0123456789abcdef" for ch in ref.lower()):
            return []
        rows = self._rows(
            "SELECT * FROM drafts WHERE id >= ? AND id < ? ORDER BY updated_at DESC, id DESC",
            (ref.lower(), ref.lower() + "g"),
        )
        return [Draft.from_row(r) for r in rows]

    def list_drafts(self) -> list[Draft]:
        """Every draft, most recently edited first."""
        rows = self._rows("SELECT * FROM drafts ORDER BY updated_at DESC, id DESC")
        return [Draft.from_row(r) for r in rows]

    def save_draft(
        self, draft_id: str, body: str, *, title: str | None = None, note: str = AUTOSAVE
    ) -> DraftVersion | None:
        """Write `body`; the new version when the text changed since the last one, else None.

        With `title` None the title follows the body's first `# ` heading (and stays as it
        was when there is none). A save that changes nothing writes nothing, so autosave on
        every pause costs no row and leaves "last edited" alone.
        """
        with self._write():
            current = self._draft_or_raise(draft_id)
            new_title = current.title
            if title is not None:
                new_title = " ".join(title.split())
            elif heading := title_from_body(body):
                new_title = heading
            if body == current.body:
                if new_title != current.title:
                    self.conn.execute(
                        "UPDATE drafts SET title = ?, updated_at = ? WHERE id = ?",
                        (new_title, now_iso(), draft_id),
                    )
                return None
            if note == AUTOSAVE and current.current_version_id is not None:
                folded = self._fold_into(current.current_version_id, draft_id, body, new_title)
                if folded is not None:
                    return folded
            return self._record(draft_id, body, new_title, note)

    def _fold_into(
        self, version_id: str, draft_id: str, body: str, title: str
    ) -> DraftVersion | None:
        """Autosaves a few minutes apart are one version: the newest text replaces the
        current version's when that one is itself a recent autosave (and no critique judged
        it). The text is still written at every save, so the crash window stays 2 s; a
        version is cut by anything else (an accept, a restore, an outline, an outside edit,
        a critique) and once the current one is COALESCE_S old. None when it cannot fold."""
        row = self.conn.execute(
            "SELECT note, created_at FROM draft_versions WHERE id = ?", (version_id,)
        ).fetchone()
        if row is None or row[0] != AUTOSAVE or _age_s(row[1]) > COALESCE_S:
            return None
        judged = self.conn.execute(
            "SELECT 1 FROM draft_critiques WHERE version_id = ? LIMIT 1", (version_id,)
        ).fetchone()
        if judged:
            return None
        now, words = now_iso(), count_words(body)
        self.conn.execute(
            "UPDATE draft_versions SET body = ?, words = ? WHERE id = ?", (body, words, version_id)
        )
        self.conn.execute(
            "UPDATE drafts SET body = ?, title = ?, words = ?, updated_at = ? WHERE id = ?",
            (body, title, words, now, draft_id),
        )
        return DraftVersion(version_id, draft_id, body, words, row[1], AUTOSAVE)

    def seal_version(self, version_id: str) -> None:
        """Keep a version's text as it is: later autosaves start a new one (a critique is
        about to judge it)."""
        with self._write():
            self.conn.execute(
                "UPDATE draft_versions SET note = ? WHERE id = ? AND note = ?",
                (SEALED_AUTOSAVE, version_id, AUTOSAVE),
            )

    def update_draft_meta(
        self,
        draft_id: str,
        *,
        title: str | None = None,
        tags: Sequence[str] | None = None,
        description: str | None = None,
    ) -> None:
        """Change the title, tags or description (None leaves one as it is); no new version."""
        with self._write():
            current = self._draft_or_raise(draft_id)
            new_title = current.title if title is None else " ".join(title.split())
            new_tags = current.tags if tags is None else tuple(_clean_tags(tags))
            new_description = current.description if description is None else description
            if (new_title, new_tags, new_description) == (
                current.title,
                current.tags,
                current.description,
            ):
                return
            self.conn.execute(
                "UPDATE drafts SET title = ?, tags = ?, description = ?, updated_at = ?"
                " WHERE id = ?",
                (
                    new_title,
                    json.dumps(list(new_tags), ensure_ascii=False),
                    new_description,
                    now_iso(),
                    draft_id,
                ),
            )

    def delete_draft(self, draft_id: str) -> None:
        """The draft, its versions and its critiques, together. The search index follows
        through m006's delete trigger."""
        with self._write():
            self.conn.execute("DELETE FROM draft_critiques WHERE draft_id = ?", (draft_id,))
            self.conn.execute("DELETE FROM draft_versions WHERE draft_id = ?", (draft_id,))
            self.conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    # Versions ---------------------------------------------------------------------------------

    def list_versions(self, draft_id: str) -> list[DraftVersion]:
        """Every version of a draft, newest first."""
        rows = self._rows(
            "SELECT * FROM draft_versions WHERE draft_id = ? ORDER BY created_at DESC, id DESC",
            (draft_id,),
        )
        return [DraftVersion.from_row(r) for r in rows]

    def get_version(self, version_id: str) -> DraftVersion | None:
        rows = self._rows("SELECT * FROM draft_versions WHERE id = ?", (version_id,))
        return DraftVersion.from_row(rows[0]) if rows else None

    def restore_version(self, draft_id: str, version_id: str) -> DraftVersion:
        """Make an old version the current text again, as a NEW version: history only grows,
        so the text being replaced stays one step back."""
        with self._write():
            self._draft_or_raise(draft_id)
            old = self.get_version(version_id)
            if old is None or old.draft_id != draft_id:
                raise KeyError(f"draft {draft_id} has no version {version_id}")
            current = self._draft_or_raise(draft_id)
            title = title_from_body(old.body) or current.title
            return self._record(draft_id, old.body, title, f"restored from {old.created_at}")

    # Critiques --------------------------------------------------------------------------------

    def add_critique(
        self, draft_id: str, version_id: str | None, *, route: str, model: str
    ) -> Critique:
        """A critique row in 'streaming' state, written before the model is asked, so an
        answer cut short by a crash still has its row and its partial text."""
        now = now_iso()
        critique_id = new_id()
        with self._write():
            self._draft_or_raise(draft_id)
            self.conn.execute(
                "INSERT INTO draft_critiques (id, draft_id, version_id, content, status, route,"
                " model, error, created_at, updated_at)"
                " VALUES (?, ?, ?, '', 'streaming', ?, ?, NULL, ?, ?)",
                (critique_id, draft_id, version_id, route, model, now, now),
            )
        critique = self.get_critique(critique_id)
        assert critique is not None
        return critique

    def update_critique(
        self,
        critique_id: str,
        *,
        content: str,
        status: str,
        error: str | None = None,
        route: str | None = None,
        model: str | None = None,
    ) -> None:
        """New text and status; `route` and `model` change too when given (a fallback)."""
        if status not in CRITIQUE_STATUSES:
            raise ValueError(f"status must be one of {CRITIQUE_STATUSES}, got {status!r}")
        with self._write():
            self.conn.execute(
                "UPDATE draft_critiques SET content = ?, status = ?, error = ?, updated_at = ?,"
                " route = COALESCE(?, route), model = COALESCE(?, model) WHERE id = ?",
                (content, status, error, now_iso(), route, model, critique_id),
            )

    def recover_critiques(self, stale_after: timedelta = STALE_CRITIQUE_AFTER) -> int:
        """Mark critiques left 'streaming' and untouched for `stale_after` as 'failed' (the
        process writing them stopped), keeping their partial text; how many were marked.

        A critique row has no owner pid, so age is the only sign: call this at start-up, and
        treat a younger 'streaming' row this process is not writing as interrupted on screen.
        """
        cutoff = (datetime.now(UTC) - stale_after).isoformat(timespec="milliseconds")
        cutoff = cutoff.replace("+00:00", "Z")
        with self._write():
            cursor = self.conn.execute(
                "UPDATE draft_critiques SET status = 'failed',"
                " error = COALESCE(error, 'interrupted: aha stopped while this critique streamed')"
                " WHERE status = 'streaming' AND updated_at < ?",
                (cutoff,),
            )
        return cursor.rowcount

    def get_critique(self, critique_id: str) -> Critique | None:
        rows = self._rows("SELECT * FROM draft_critiques WHERE id = ?", (critique_id,))
        return Critique.from_row(rows[0]) if rows else None

    def list_critiques(self, draft_id: str) -> list[Critique]:
        """A draft's critiques, newest first."""
        rows = self._rows(
            "SELECT * FROM draft_critiques WHERE draft_id = ? ORDER BY created_at DESC, id DESC",
            (draft_id,),
        )
        return [Critique.from_row(r) for r in rows]

    # Helpers ----------------------------------------------------------------------------------

    def _draft_or_raise(self, draft_id: str) -> Draft:
        draft = self.get_draft(draft_id)
        if draft is None:
            raise KeyError(f"no draft {draft_id}")
        return draft

    def _record(self, draft_id: str, body: str, title: str, note: str) -> DraftVersion:
        """Store `body` as a new version and as the draft's text (inside the caller's
        transaction)."""
        now = now_iso()
        version_id = new_id()
        words = count_words(body)
        self._insert_version(version_id, draft_id, body, words, note, now)
        self.conn.execute(
            "UPDATE drafts SET body = ?, title = ?, words = ?, current_version_id = ?,"
            " updated_at = ? WHERE id = ?",
            (body, title, words, version_id, now, draft_id),
        )
        return DraftVersion(version_id, draft_id, body, words, now, note)

    def _insert_version(
        self, version_id: str, draft_id: str, body: str, words: int, note: str, now: str
    ) -> None:
        self.conn.execute(
            "INSERT INTO draft_versions (id, draft_id, body, words, note, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (version_id, draft_id, body, words, note, now),
        )
