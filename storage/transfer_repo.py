"""Bulk reads and writes of whole session trees, for `aha export` and `aha import`.

Export and import move a session with every message of every branch at once, so they get their
own repository rather than looping over the one-turn write path in `messages_repo`: an import is
one transaction (a bad file leaves nothing behind), and it must keep the ids and every field it
was given, which none of the turn-by-turn methods allow.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from storage.attachments_repo import AttachmentsRepo, StoredAttachment
from storage.ids import new_id, now_iso
from storage.models import Message, Session

# SQLite's default limit on bound parameters has been 32766 since 3.32, 999 before; stay under.
_CHUNK = 500

_MESSAGE_COLUMNS = (
    "id",
    "session_id",
    "parent_id",
    "role",
    "content",
    "reasoning",
    "status",
    "route",
    "model",
    "route_score",
    "route_threshold",
    "route_reasons",
    "route_note",
    "error",
    "prompt_tokens",
    "completion_tokens",
    "first_token_ms",
    "duration_ms",
    "reasoning_tokens",
    "cost_usd",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True, slots=True)
class SessionTree:
    """A session with every message of every branch, in id (creation) order."""

    session: Session
    messages: tuple[Message, ...] = ()
    # What was attached to its prompts, by message id and position (m009).
    attachments: tuple[StoredAttachment, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import stored: the sessions as written (with their final ids) and how many of
    them clashed with ids already in the database and were stored as copies under new ids."""

    sessions: tuple[Session, ...] = ()
    messages: int = 0
    copied: int = 0
    id_map: dict[str, str] = field(default_factory=dict)


def _parents_first(messages: Sequence[Message]) -> list[Message]:
    """Messages ordered so every parent precedes its children (stable in id order otherwise).

    Foreign keys are checked row by row, so rows must go in parents first; a file written by
    hand need not list them that way.
    """
    by_id = {m.id: m for m in messages}
    children: dict[str | None, list[Message]] = {}
    for message in sorted(messages, key=lambda m: m.id):
        parent = message.parent_id if message.parent_id in by_id else None
        children.setdefault(parent, []).append(message)
    ordered: list[Message] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        message = stack.pop()
        ordered.append(message)
        stack.extend(reversed(children.get(message.id, [])))
    if len(ordered) != len(messages):
        raise ValueError("the messages' parent links form a cycle")
    return ordered


class TransferRepo(AttachmentsRepo):
    def find_sessions(self, ref: str, limit: int = 20) -> list[Session]:
        """Sessions whose id is `ref`, or else starts with `ref` (archived ones included: an id
        names one session whatever the sidebar shows)."""
        rows = self._rows("SELECT * FROM sessions WHERE id = ?", (ref,))
        if not rows and ref:
            rows = self._rows(
                "SELECT * FROM sessions WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT ?",
                (len(ref), ref, limit),
            )
        return [Session.from_row(r) for r in rows]

    def last_session(self) -> Session | None:
        """The most recently active session the sidebar shows (archived ones are not)."""
        rows = self._rows(
            "SELECT * FROM sessions WHERE archived = 0 ORDER BY updated_at DESC, id DESC LIMIT 1"
        )
        return Session.from_row(rows[0]) if rows else None

    def session_tree(self, session_id: str) -> SessionTree | None:
        """One session and all its messages, ordered by id: ids sort by creation time, and
        unlike `created_at` they stay in order for the copies a fork makes."""
        rows = self._rows("SELECT * FROM sessions WHERE id = ?", (session_id,))
        if not rows:
            return None
        messages = self._rows(
            "SELECT * FROM messages WHERE session_id = ? ORDER BY id", (session_id,)
        )
        loaded = tuple(Message.from_row(r) for r in messages)
        attached = self.attachments_for([m.id for m in loaded if m.role == "user"])
        return SessionTree(
            session=Session.from_row(rows[0]),
            messages=loaded,
            attachments=tuple(a for m in loaded for a in attached.get(m.id, [])),
        )

    def _existing_ids(self, table: str, ids: Iterable[str]) -> set[str]:
        found: set[str] = set()
        pending = list(ids)
        for start in range(0, len(pending), _CHUNK):
            chunk = pending[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            cursor = self.conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)
            found.update(row[0] for row in cursor)
        return found

    def import_trees(self, trees: Sequence[SessionTree]) -> ImportResult:
        """Store whole session trees in one transaction, keeping their ids and every field.

        A tree whose session id or any message id is already taken (in the database, or by an
        earlier tree of the same import) is stored as a copy: a new session id and new message
        ids, given out in the old ids' order so creation order survives, with parent links, the
        active leaf and fork references rewritten through the same mapping. Nothing existing is
        ever overwritten. Raises ValueError, having written nothing, for a tree that is not a
        tree (a parent in another session, a cycle, an active leaf that is not one of its own).
        """
        for tree in trees:
            _check_tree(tree)
        id_map: dict[str, str] = {}
        planned: list[tuple[SessionTree, dict[str, str]]] = []
        stored: list[Session] = []
        count = copied = 0
        with self._write():
            claimed: set[str] = set()
            for tree in trees:
                message_ids = [m.id for m in tree.messages]
                clash = (
                    tree.session.id in claimed
                    or any(i in claimed for i in message_ids)
                    or bool(self._existing_ids("sessions", [tree.session.id]))
                    or bool(self._existing_ids("messages", message_ids))
                )
                local: dict[str, str] = {}
                if clash:
                    copied += 1
                    local[tree.session.id] = new_id()
                    for old in sorted(message_ids):
                        local[old] = new_id()
                    id_map.update(local)
                planned.append((tree, local))
                claimed.add(local.get(tree.session.id, tree.session.id))
                claimed.update(local.get(i, i) for i in message_ids)
            for tree, local in planned:
                session = self._insert_tree(tree, local, id_map)
                stored.append(session)
                count += len(tree.messages)
        return ImportResult(sessions=tuple(stored), messages=count, copied=copied, id_map=id_map)

    def _insert_tree(
        self, tree: SessionTree, local: dict[str, str], id_map: dict[str, str]
    ) -> Session:
        def mapped(value: str | None, mapping: dict[str, str]) -> str | None:
            return mapping.get(value, value) if value is not None else None

        source = tree.session
        session = replace(
            source,
            id=local.get(source.id, source.id),
            active_leaf_id=mapped(source.active_leaf_id, local),
            forked_from_session_id=mapped(source.forked_from_session_id, id_map),
            forked_from_message_id=mapped(source.forked_from_message_id, id_map),
        )
        self.conn.execute(
            "INSERT INTO sessions (id, title, created_at, updated_at, active_leaf_id, archived,"
            " forked_from_session_id, forked_from_message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session.id,
                session.title,
                session.created_at,
                session.updated_at,
                session.active_leaf_id,
                int(session.archived),
                session.forked_from_session_id,
                session.forked_from_message_id,
            ),
        )
        marks = ", ".join("?" * len(_MESSAGE_COLUMNS))
        self.conn.executemany(
            f"INSERT INTO messages ({', '.join(_MESSAGE_COLUMNS)}) VALUES ({marks})",
            [
                (
                    local.get(m.id, m.id),
                    session.id,
                    mapped(m.parent_id, local),
                    m.role,
                    m.content,
                    m.reasoning,
                    str(m.status),
                    m.route,
                    m.model,
                    m.route_score,
                    m.route_threshold,
                    json.dumps(list(m.route_reasons)) if m.route_reasons else None,
                    m.route_note,
                    m.error,
                    m.prompt_tokens,
                    m.completion_tokens,
                    m.first_token_ms,
                    m.duration_ms,
                    m.reasoning_tokens,
                    m.cost_usd,
                    m.created_at,
                    m.updated_at,
                )
                for m in _parents_first(tree.messages)
            ],
        )
        now = now_iso()
        for a in tree.attachments:
            self._insert_attachment(local.get(a.message_id, a.message_id), a.position, a, now)
        return session


def _check_tree(tree: SessionTree) -> None:
    """Refuse what would store a broken tree: the TUI walks these links without checks."""
    ids = {m.id for m in tree.messages}
    if len(ids) != len(tree.messages):
        raise ValueError(f"session {tree.session.id}: two messages share an id")
    for message in tree.messages:
        if message.session_id != tree.session.id:
            raise ValueError(f"message {message.id}: belongs to session {message.session_id}")
        if message.parent_id is not None and message.parent_id not in ids:
            raise ValueError(
                f"message {message.id}: parent {message.parent_id} is not in its session"
            )
    leaf = tree.session.active_leaf_id
    if leaf is not None and leaf not in ids:
        raise ValueError(f"session {tree.session.id}: active leaf {leaf} is not in the session")
    _parents_first(tree.messages)  # raises on a cycle
    places: set[tuple[str, int]] = set()
    for a in tree.attachments:
        if a.message_id not in ids:
            raise ValueError(f"attachment {a.name}: message {a.message_id} is not in the session")
        if (a.message_id, a.position) in places:
            raise ValueError(f"attachment {a.name}: two attachments share a position")
        places.add((a.message_id, a.position))
