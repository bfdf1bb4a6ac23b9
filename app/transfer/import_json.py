"""Reading aha's own JSON export back into session trees, checking every field.

The checks are strict because a bad file must import nothing and the rest of aha trusts what is
stored: recovery parses `updated_at`, the tree code follows `parent_id`, the TUI switches on
`status`. Each failure names the field (`messages[3].status: ...`) so a hand-edited file can be
fixed. Unknown keys are ignored, so a file from a later aha of the same format version still
imports what this one knows. Text goes through strip_control: an import is untrusted input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.sanitize import strip_control
from app.transfer import AHA_VERSION, FormatError
from storage.attachments_repo import StoredAttachment
from storage.models import Message, MessageStatus, Session
from storage.sessions_repo import title_from_prompt
from storage.transfer_repo import SessionTree

Check = Callable[[Any, str], Any]

_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
_ROLES = frozenset({"user", "assistant"})


def _id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise FormatError(f"{where}: not an id")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"{where}: not a string")
    return strip_control(value)


def _timestamp(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"{where}: not a timestamp")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FormatError(f"{where}: not an ISO 8601 timestamp") from None
    return value


def _float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormatError(f"{where}: not a number")
    return float(value)


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FormatError(f"{where}: not an integer")
    return value


def _bool(value: Any, where: str) -> bool:
    if value in (0, 1) and not isinstance(value, float):
        return bool(value)
    raise FormatError(f"{where}: not true or false")


def _role(value: Any, where: str) -> str:
    if value not in _ROLES:
        raise FormatError(f"{where}: not one of {', '.join(sorted(_ROLES))}")
    return str(value)


def _status(value: Any, where: str) -> MessageStatus:
    try:
        return MessageStatus(value)
    except ValueError:
        raise FormatError(f"{where}: not a message status") from None


def _reasons(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise FormatError(f"{where}: not a list")
    return tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(value))


def _optional(check: Check) -> Check:
    def optional(value: Any, where: str) -> Any:
        return None if value is None else check(value, where)

    return optional


# Field -> (check, required). The keys are exactly the dataclass fields; a unit test holds
# them to that, so a new column cannot be exported and silently dropped on the way back in.
SESSION_FIELDS: dict[str, tuple[Check, bool]] = {
    "id": (_id, True),
    "title": (_optional(_text), False),  # absent or null: titled from the first prompt
    "created_at": (_timestamp, True),
    "updated_at": (_timestamp, True),
    "active_leaf_id": (_optional(_id), False),
    "archived": (_bool, False),
    "forked_from_session_id": (_optional(_id), False),
    "forked_from_message_id": (_optional(_id), False),
}
MESSAGE_FIELDS: dict[str, tuple[Check, bool]] = {
    "id": (_id, True),
    "session_id": (_id, True),
    "parent_id": (_optional(_id), False),
    "role": (_role, True),
    "content": (_text, True),  # the user's words: never guessed, so never left out
    "reasoning": (_text, False),
    "status": (_status, True),
    "route": (_optional(_text), False),
    "model": (_optional(_text), False),
    "route_score": (_optional(_float), False),
    "route_threshold": (_optional(_float), False),
    "route_reasons": (_reasons, False),
    "route_note": (_optional(_text), False),
    "error": (_optional(_text), False),
    "prompt_tokens": (_optional(_int), False),
    "completion_tokens": (_optional(_int), False),
    "first_token_ms": (_optional(_float), False),
    "duration_ms": (_optional(_float), False),
    "reasoning_tokens": (_optional(_int), False),
    "cost_usd": (_optional(_float), False),
    "created_at": (_timestamp, True),
    "updated_at": (_timestamp, True),
}


# An attachment as exported (StoredAttachment's fields); its content hash is recomputed on
# import, never trusted.
ATTACHMENT_FIELDS: dict[str, tuple[Check, bool]] = {
    "message_id": (_id, True),
    "position": (_int, True),
    "name": (_text, True),
    "kind": (_text, True),
    "note": (_text, False),
    "tokens": (_int, False),
    "hash": (_optional(_text), False),
    "text": (_text, True),
}


def _fields(record: Any, spec: dict[str, tuple[Check, bool]], where: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise FormatError(f"{where}: not an object")
    values: dict[str, Any] = {}
    for name, (check, required) in spec.items():
        if name not in record:
            if required:
                raise FormatError(f"{where}.{name}: missing")
            continue
        values[name] = check(record[name], f"{where}.{name}")
    return values


def parse_session(document: Any, where: str, notes: list[str] | None = None) -> SessionTree:
    """One `aha.session` document (already known to have that format) to a SessionTree.

    Only structure is checked here; whether the ids are free is the import's business, since
    a clash is handled by copying, not by refusing. A session without a title is titled the
    way aha titles a new one, from its first prompt, and that is appended to `notes`.
    """
    prefix = f"{where}." if where else ""
    version = document.get("version")
    if version != AHA_VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > AHA_VERSION:
            raise FormatError(
                f"{prefix}version {version} is newer than this aha reads ({AHA_VERSION})"
            )
        raise FormatError(f"{prefix}version: expected {AHA_VERSION}")
    session_values = _fields(document.get("session"), SESSION_FIELDS, f"{prefix}session")
    raw_messages = document.get("messages")
    if not isinstance(raw_messages, list):
        raise FormatError(f"{prefix}messages: not a list")
    messages = tuple(_message(m, f"{prefix}messages[{i}]") for i, m in enumerate(raw_messages))
    if session_values.get("title") is None:
        first = next((m.content for m in messages if m.role == "user"), "")
        title = title_from_prompt(first)
        session_values["title"] = title
        named = f'titled "{title}" from its first prompt' if title else "left untitled"
        if notes is not None:
            notes.append(f"{prefix}session.title: missing; {named}")
    session = Session(**session_values)
    _check_links(session, messages, prefix)
    attachments = _attachments(document.get("attachments", []), messages, prefix)
    return SessionTree(session=session, messages=messages, attachments=attachments)


def _attachments(
    raw: Any, messages: tuple[Message, ...], prefix: str
) -> tuple[StoredAttachment, ...]:
    """The optional `attachments` list (older exports have none)."""
    if not isinstance(raw, list):
        raise FormatError(f"{prefix}attachments: not a list")
    prompts = {m.id for m in messages if m.role == "user"}
    found: list[StoredAttachment] = []
    for i, record in enumerate(raw):
        where = f"{prefix}attachments[{i}]"
        values = _fields(record, ATTACHMENT_FIELDS, where)
        if values["message_id"] not in prompts:
            raise FormatError(f"{where}.message_id: not a prompt of this session")
        found.append(
            StoredAttachment(
                values["message_id"],
                values["position"],
                values["name"],
                values["kind"],
                values.get("note", ""),
                values.get("tokens", 0),
                values.get("hash") or "",
                values["text"],
            )  # fmt: skip
        )
    return tuple(found)


def _message(record: Any, where: str) -> Message:
    values = _fields(record, MESSAGE_FIELDS, where)
    values.setdefault("parent_id", None)  # no parent given: a root, as a null one is
    return Message(**values)


def _check_links(session: Session, messages: tuple[Message, ...], prefix: str) -> None:
    """The tree's own consistency, reported with the field's position in the file."""
    index = {m.id: i for i, m in enumerate(messages)}
    for i, message in enumerate(messages):
        where = f"{prefix}messages[{i}]"
        if index[message.id] != i:
            raise FormatError(f"{where}.id: repeats messages[{index[message.id]}].id")
        if message.session_id != session.id:
            raise FormatError(f"{where}.session_id: not this session's id")
        if message.parent_id is not None and message.parent_id not in index:
            raise FormatError(f"{where}.parent_id: not a message of this session")
    if session.active_leaf_id is not None and session.active_leaf_id not in index:
        raise FormatError(f"{prefix}session.active_leaf_id: not a message of this session")
    rooted: set[str] = set()  # messages whose chain is known to reach a root
    for i, message in enumerate(messages):
        chain: set[str] = set()
        current = message
        while current.id not in rooted and current.parent_id is not None:
            if current.id in chain:
                raise FormatError(f"{prefix}messages[{i}].parent_id: the parent links loop")
            chain.add(current.id)
            current = messages[index[current.parent_id]]
        rooted.update(chain)
        rooted.add(current.id)
