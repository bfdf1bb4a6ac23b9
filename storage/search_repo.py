"""Full-text search over prompts and answers (the `messages_fts` index made by m003), over
drafts (`drafts_fts`, m006) and over what was attached to prompts (`attachment_contents_fts`,
m009: a hit there is a hit on the prompt the file was attached to).

What people type into a search box is free text, not FTS5 syntax: `match_expression` turns it
into a query that can never raise a syntax error, whatever the quotes, brackets, operators or
emoji in it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from storage.base import StoreBase

# Tokens of context around the hits in a snippet; the markers bracket each matched term.
SNIPPET_TOKENS = 12
# Private-use characters, not brackets: stored text is full of [links] and [lists], so
# brackets could not say which words matched. Callers render the markers their own way.
MARK_OPEN, MARK_CLOSE, ELLIPSIS = "\ue000", "\ue001", "…"
# Draft hits always shown when any match, however many messages match better.
DRAFT_SLOTS = 5
# More terms than anyone types; bounds the work one query can ask of FTS5.
MAX_TERMS = 32

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A quoted phrase (closed or still being typed) or a run of anything else but space and quote.
_PART = re.compile(r'"([^"]*)("?)|([^\s"]+)')


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching message or draft, with where it lives and why it matched.

    A draft hit (`kind == "draft"`) carries its `draft_id`, the draft's title in
    `session_title`, role "draft", its last edit in `created_at`, and empty message and
    session ids; message hits keep the fields they always had.
    """

    message_id: str
    session_id: str
    session_title: str
    role: str
    snippet: str  # the text around the hits, each hit between MARK_OPEN and MARK_CLOSE
    rank: float  # bm25: lower is a better match
    created_at: str
    kind: str = "message"  # "message" | "draft"
    draft_id: str | None = None
    attachment: str | None = None  # the attached file or page that matched, by name

    def plain_snippet(self, open_mark: str = "[", close_mark: str = "]") -> str:
        """The snippet with its hit markers written as `open_mark` / `close_mark`."""
        return self.snippet.replace(MARK_OPEN, open_mark).replace(MARK_CLOSE, close_mark)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the hit markers written as brackets."""
        return {**asdict(self), "snippet": self.plain_snippet()}


def _searchable(text: str) -> bool:
    """Whether the tokenizer would find a token in `text` (letters or digits; an emoji or a
    lone bracket has none, and a query made only of those should find nothing, not fail)."""
    return any(ch.isalnum() for ch in text)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def match_expression(query: str) -> str | None:
    """A safe FTS5 MATCH expression for free text, or None when nothing in it is searchable.

    Every bare word becomes a quoted string, so FTS5 operators and syntax (AND, OR, NOT,
    NEAR(, col:, ^, parentheses) are searched as plain words; a phrase the user put in double
    quotes stays a phrase. All parts must match (implicit AND). The last part, unless it is a
    closed quoted phrase, matches as a prefix so results appear as you type ("transf" finds
    "transformer"); a word typed with a trailing `*` is a prefix too.
    """
    parts: list[tuple[str, bool]] = []  # (text, prefix)
    closed_last = False
    for match in _PART.finditer(_CONTROL.sub(" ", query)):
        phrase, closing, word = match.groups()
        if word is not None:
            text, prefix = word.rstrip("*"), word.endswith("*")
        else:
            text, prefix = phrase, False
        if not _searchable(text):
            continue
        parts.append((text, prefix))
        closed_last = word is None and closing == '"'
        if len(parts) == MAX_TERMS:
            break
    if not parts:
        return None
    if not closed_last:
        parts[-1] = (parts[-1][0], True)
    return " ".join(_quoted(text) + ("*" if prefix else "") for text, prefix in parts)


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SearchRepo(StoreBase):
    def search(self, query: str, limit: int = 50, include_archived: bool = True) -> list[SearchHit]:
        """Messages and drafts matching `query`, best first (bm25), ties newest first.

        Each index gives its best `limit` hits and the two lists merge on bm25. The scores are
        only roughly comparable (each index weighs terms by its own statistics), which is
        enough to interleave a handful of drafts with messages; ties keep messages first.
        Archiving applies to sessions only: drafts are always searched.
        """
        expression = match_expression(query)
        if expression is None or limit <= 0:
            return []
        drafts = self._search_drafts(expression, limit)
        messages = self._search_messages(expression, limit, include_archived)
        seen = {hit.message_id for hit in messages}
        attached = [
            hit
            for hit in self._search_attachments(expression, limit, include_archived)
            if hit.message_id not in seen  # the prompt's own words matched: that hit stays
        ]
        hits = messages + attached + drafts
        hits.sort(key=lambda hit: hit.rank)  # stable: each list's own tie order is kept
        kept = hits[:limit]
        # A few drafts among many messages score near zero (bm25's idf over a tiny table), so
        # the best few drafts always make the cut, in place of the weakest messages.
        reserved = drafts[: min(DRAFT_SLOTS, limit)]
        missing = [hit for hit in reserved if hit not in kept]
        if missing:
            kept = kept[: limit - len(missing)]
            kept += [hit for hit in missing if hit not in kept]
        return kept

    def _search_drafts(self, expression: str, limit: int) -> list[SearchHit]:
        """Drafts whose current title or body match, best first, with a snippet from the
        column that matched best. Few rows (drafts are few and long), so one read."""
        rows = self._rows(
            "SELECT d.id, d.title, d.updated_at, bm25(drafts_fts) AS score,"
            " snippet(drafts_fts, -1, ?, ?, ?, ?) AS snip"
            " FROM drafts_fts JOIN drafts d ON d.rowid = drafts_fts.rowid"
            " WHERE drafts_fts MATCH ? ORDER BY score, drafts_fts.rowid DESC LIMIT ?",
            (MARK_OPEN, MARK_CLOSE, ELLIPSIS, SNIPPET_TOKENS, expression, limit),
        )
        return [
            SearchHit(
                message_id="",
                session_id="",
                session_title=row["title"] or "",
                role="draft",
                snippet=row["snip"] or "",
                rank=row["score"],
                created_at=row["updated_at"],
                kind="draft",
                draft_id=row["id"],
            )
            for row in rows
        ]

    def _search_attachments(
        self, expression: str, limit: int, include_archived: bool
    ) -> list[SearchHit]:
        """Prompts whose attachments match, one hit per prompt (its best attachment). Few
        rows (content is stored once however often it is attached), so one join."""
        archived = "" if include_archived else " AND s.archived = 0"
        rows = self._rows(
            "SELECT m.id, m.session_id, s.title, m.created_at, a.name,"
            " bm25(attachment_contents_fts) AS score,"
            " snippet(attachment_contents_fts, 0, ?, ?, ?, ?) AS snip"
            " FROM attachment_contents_fts"
            " JOIN attachment_contents c ON c.rowid = attachment_contents_fts.rowid"
            " JOIN message_attachments a ON a.hash = c.hash"
            " JOIN messages m ON m.id = a.message_id"
            " JOIN sessions s ON s.id = m.session_id"
            f" WHERE attachment_contents_fts MATCH ?{archived}"
            " ORDER BY score, m.created_at DESC LIMIT ?",
            (MARK_OPEN, MARK_CLOSE, ELLIPSIS, SNIPPET_TOKENS, expression, limit),
        )
        hits: dict[str, SearchHit] = {}
        for row in rows:
            if row["id"] in hits:
                continue
            hits[row["id"]] = SearchHit(
                message_id=row["id"],
                session_id=row["session_id"],
                session_title=row["title"] or "",
                role="user",
                snippet=f"{row['name']}: {row['snip'] or ''}",
                rank=row["score"],
                created_at=row["created_at"],
                attachment=row["name"],
            )
        return list(hits.values())

    def _search_messages(
        self, expression: str, limit: int, include_archived: bool
    ) -> list[SearchHit]:
        """Messages matching `expression`, best first (bm25), ties newest first.

        Three short reads instead of one join, because each costs most on a common word
        (tens of thousands of matches on a big database): bm25 over the index alone picks the
        best `limit` rowids, without touching `messages` (long rows, so every lookup is a page
        read) unless archived sessions must be left out; snippets are made for those rows
        only, in a single evaluation of the query (a prefix term costs a merge of every
        matching term's postings each time it is evaluated, so not once per row); then the
        few rows' session and title. Ties in bm25 (the same short prompt in many sessions)
        go newest first by rowid, which follows insertion. No read transaction spans the
        three: the TUI shares this connection with its writers. A row deleted in between is
        dropped, not an error.
        """
        if include_archived:
            ranked = self.conn.execute(
                "SELECT rowid, bm25(messages_fts) AS score FROM messages_fts"
                " WHERE messages_fts MATCH ? ORDER BY score, rowid DESC LIMIT ?",
                (expression, limit),
            ).fetchall()
        else:
            ranked = self.conn.execute(
                "SELECT messages_fts.rowid, bm25(messages_fts) AS score FROM messages_fts"
                " JOIN messages m ON m.rowid = messages_fts.rowid"
                " JOIN sessions s ON s.id = m.session_id"
                " WHERE messages_fts MATCH ? AND s.archived = 0"
                " ORDER BY score, messages_fts.rowid DESC LIMIT ?",
                (expression, limit),
            ).fetchall()
        if not ranked:
            return []
        rowids = [row[0] for row in ranked]
        wanted = json.dumps(rowids)
        # `+rowid` keeps the IN list away from FTS5 (which would evaluate the query once per
        # rowid); the BETWEEN bounds are what FTS5 uses to skip to the right rows.
        snippets = dict(
            self.conn.execute(
                "SELECT rowid, snippet(messages_fts, 0, ?, ?, ?, ?) FROM messages_fts"
                " WHERE messages_fts MATCH ? AND rowid BETWEEN ? AND ?"
                " AND +rowid IN (SELECT value FROM json_each(?))",
                (
                    MARK_OPEN,
                    MARK_CLOSE,
                    ELLIPSIS,
                    SNIPPET_TOKENS,
                    expression,
                    min(rowids),
                    max(rowids),
                    wanted,
                ),
            ).fetchall()
        )
        rows = {
            row["rid"]: row
            for row in self._rows(
                "SELECT m.rowid AS rid, m.id, m.session_id, s.title, m.role, m.created_at"
                " FROM messages m JOIN sessions s ON s.id = m.session_id"
                " WHERE m.rowid IN (SELECT value FROM json_each(?))",
                (wanted,),
            )
        }
        return [
            SearchHit(
                message_id=row["id"],
                session_id=row["session_id"],
                session_title=row["title"] or "",
                role=row["role"],
                snippet=snippets.get(rowid) or "",
                rank=score,
                created_at=row["created_at"],
            )
            for rowid, score in ranked
            if (row := rows.get(rowid)) is not None
        ]

    def search_like(self, query: str, limit: int = 50) -> list[SearchHit]:
        """The naive baseline `make bench` measures `search` against: every word as a
        case-insensitive (ASCII only) substring, newest first, no ranking, a plain cut of the
        text for a snippet. Not for the app: it scans every message on every call."""
        terms = [t for t in query.split() if t.strip('"*')][:MAX_TERMS]
        if not terms or limit <= 0:
            return []
        where = " AND ".join("m.content LIKE ? ESCAPE '\\'" for _ in terms)
        rows = self._rows(
            "SELECT m.id AS message_id, m.session_id, s.title AS session_title, m.role,"
            " substr(m.content, 1, 80) AS snippet, 0.0 AS rank, m.created_at"
            " FROM messages m JOIN sessions s ON s.id = m.session_id"
            f" WHERE m.role IN ('user', 'assistant') AND {where}"
            " ORDER BY m.created_at DESC, m.id DESC LIMIT ?",
            [*(_like_pattern(t.strip('"*')) for t in terms), limit],
        )
        return [SearchHit(**{**r, "session_title": r["session_title"] or ""}) for r in rows]

    def rebuild_search_index(self) -> None:
        """Refill `messages_fts` from `messages`: the repair step for a migration that rebuilt
        the messages table, or an index suspected to be out of step."""
        with self._write():
            self.conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')")
            self.conn.execute(
                "INSERT INTO messages_fts (rowid, content)"
                " SELECT rowid, content FROM messages WHERE role IN ('user', 'assistant')"
            )
