"""Export and import of whole sessions: aha's own JSON, Markdown for reading, ChatGPT's
`conversations.json` in.

Everything here works on the storage dataclasses and never runs SQL or imports Textual; the
bulk reads and writes are `storage.transfer_repo`. `parse_import` looks at decoded JSON and
decides what it is, so `aha import FILE` needs no format flag.
"""

from __future__ import annotations

import json
from typing import Any

from storage.transfer_repo import SessionTree

AHA_FORMAT = "aha.session"
AHA_VERSION = 1


class FormatError(ValueError):
    """The input is not something aha can import; the message says where and why, in one line."""


def decode(raw: bytes) -> Any:
    """Bytes of a file to JSON values, with every failure turned into a one-line FormatError."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text: byte {exc.start}") from None
    if not text.strip():
        raise FormatError("the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise FormatError("JSON nested too deeply") from None


def _is_aha(value: object) -> bool:
    return isinstance(value, dict) and value.get("format") == AHA_FORMAT


def _is_chatgpt(value: object) -> bool:
    return isinstance(value, dict) and "mapping" in value and "format" not in value


def parse_import(data: Any, notes: list[str] | None = None) -> tuple[str, list[SessionTree]]:
    """Name the format of decoded JSON and parse it into session trees.

    Accepted: one aha session document, a list of them, ChatGPT's list of conversations, or a
    single ChatGPT conversation object. Raises FormatError for anything else. Whatever had to
    be filled in or repaired to import the rest whole (a missing title, a loop in ChatGPT's
    parent links) is appended to `notes`, one line each, for the import to report.
    """
    from app.transfer.import_chatgpt import parse_conversations
    from app.transfer.import_json import parse_session

    if _is_aha(data):
        return "aha", [parse_session(data, "", notes)]
    if _is_chatgpt(data):
        return "ChatGPT", parse_conversations([data], notes)
    if isinstance(data, list):
        if data and all(_is_aha(item) for item in data):
            return "aha", [parse_session(item, f"[{i}]", notes) for i, item in enumerate(data)]
        if all(_is_chatgpt(item) for item in data):
            return "ChatGPT", parse_conversations(data, notes)
        raise FormatError("a JSON list that holds neither aha sessions nor ChatGPT conversations")
    if isinstance(data, dict):
        if "format" in data:
            raise FormatError(f"unknown format {str(data['format'])[:40]!r}")
        raise FormatError('a JSON object with neither "format": "aha.session" nor a "mapping"')
    kind = {bool: "boolean", str: "string", int: "number", float: "number"}.get(type(data), "null")
    raise FormatError(f"a JSON {kind}, not an object or a list")


__all__ = ["AHA_FORMAT", "AHA_VERSION", "FormatError", "SessionTree", "decode", "parse_import"]
