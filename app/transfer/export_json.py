"""aha's own JSON export: the whole tree, every field, stable bytes.

The document is `{"format": "aha.session", "version": 1, "session": {...}, "messages": [...]}`
with the messages in id (creation) order. It is meant to be read back by `aha import` and to
round-trip byte for byte, so it carries nothing that changes between two exports of the same
data (no export time, no host) and is written with fixed key order and indentation.
Process-local state (`owner_pid`) is left out: it means nothing on another machine.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from app.redact import redact
from app.sanitize import strip_control
from app.transfer import AHA_FORMAT, AHA_VERSION
from storage.attachments_repo import StoredAttachment, content_hash
from storage.models import Message, Session


def _clean(value: Any) -> Any:
    """Text fields through strip_control: the database should hold no escapes, but an export
    must never carry one even if an older aha let one in."""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def session_record(session: Session) -> dict[str, Any]:
    """Every session field, in declaration order."""
    return {k: _clean(v) for k, v in dataclasses.asdict(session).items()}


# Fields that hold a server's or an exception's words, which may echo a key.
_SERVER_WORDS = ("error", "route_note")


def message_record(message: Message) -> dict[str, Any]:
    """Every stored message field (`Message.to_dict`, the same record `aha ask --json` prints);
    error texts are redacted again, in case an older aha stored a key a server echoed."""
    record = {k: _clean(v) for k, v in message.to_dict().items()}
    for name in _SERVER_WORDS:
        if isinstance(record.get(name), str):
            record[name] = redact(record[name])
    return record


def attachment_record(attachment: StoredAttachment) -> dict[str, Any]:
    """Every stored field, the text included: an export carries the files it was about. The
    hash is of the text as exported (escapes stripped), the one an import will store."""
    record = {k: _clean(v) for k, v in attachment.to_dict().items()}
    record["hash"] = content_hash(record["text"])
    return record


def session_document(
    session: Session,
    messages: list[Message] | tuple[Message, ...],
    attachments: Sequence[StoredAttachment] = (),
) -> dict:
    return {
        "format": AHA_FORMAT,
        "version": AHA_VERSION,
        "session": session_record(session),
        "messages": [message_record(m) for m in sorted(messages, key=lambda m: m.id)],
        "attachments": [
            attachment_record(a)
            for a in sorted(attachments, key=lambda a: (a.message_id, a.position))
        ],
    }


def render_json(
    session: Session,
    messages: list[Message] | tuple[Message, ...],
    attachments: Sequence[StoredAttachment] = (),
) -> str:
    """The document as text: two-space indent, UTF-8 kept readable, a final newline."""
    document = session_document(session, messages, attachments)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
