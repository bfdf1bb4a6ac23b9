"""Strip terminal control sequences from untrusted model output.

A model (or a server pretending to be one) can emit CSI colour and cursor codes, OSC 52 clipboard
writes, bells or title changes. None of that may reach the screen, stdout, the database or an
export. Streams arrive in chunks, so a sequence split across two chunks must be caught too:
`StreamSanitizer` holds back an unfinished escape until the next chunk completes it.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (to BEL or ESC \),
# and two-character escapes. The 8-bit C1 forms (\x9b CSI, \x9d OSC, ...) likewise.
_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]                         # CSI
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c)  # OSC, DCS, SOS, PM, APC
    | \x1b[ -/]*[0-~]                                         # other escapes (ESC c, ESC 7...)
    """,
    re.VERBOSE | re.DOTALL,
)
# Remaining C0 controls except tab and newline, DEL, and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# An escape that has started but not finished at the end of a chunk. A string sequence (OSC,
# DCS, ...) counts as unfinished only while no terminator follows its introducer: otherwise the
# text after a complete sequence would be held back, and dropped by `flush`.
_UNTERMINATED = r"(?:(?!\x07|\x1b\\|\x9c).)*"
_UNFINISHED = re.compile(
    r"(?:\x1b(?:\[[0-?]*[ -/]*|[\]PX^_]" + _UNTERMINATED + r"|[ -/]*)?"
    r"|[\x9b][0-?]*[ -/]*|[\x90\x98\x9d\x9e\x9f]" + _UNTERMINATED + r")\Z",
    re.DOTALL,
)
# Longest escape string we hold back waiting for its terminator; past this it is dropped.
_MAX_PENDING = 4096


def strip_control(text: str) -> str:
    """Remove escape sequences and control characters; keep newlines and tabs."""
    text = text.replace("\r\n", "\n")
    return _CONTROL.sub("", _SEQUENCE.sub("", text))


class StreamSanitizer:
    """Stateful `strip_control` for a stream of chunks."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, chunk: str) -> str:
        text = self._pending + chunk
        self._pending = ""
        match = _UNFINISHED.search(text)
        if match and len(text) - match.start() <= _MAX_PENDING:
            self._pending = text[match.start() :]
            text = text[: match.start()]
        elif text.endswith("\r"):
            self._pending, text = "\r", text[:-1]
        return strip_control(text)

    def flush(self) -> str:
        """What is left at the end of the stream (an unfinished escape is dropped)."""
        pending, self._pending = self._pending, ""
        return strip_control(pending) if not pending.startswith(("\x1b", "\x9b")) else ""


# Bidirectional embeddings, overrides and isolates: on one line (a badge, a title, a search
# snippet) they reorder what follows and so spoof text ("exe.txt" shown as "txt.exe").
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    return _BIDI.sub("", text)


def one_line(text: str, limit: int | None = None) -> str:
    """Untrusted text for a single line (a model name, a title, a badge, an error): no escape
    sequences, no bidirectional overrides, whitespace runs as one space, at most `limit`
    characters (an ellipsis marks the cut)."""
    text = " ".join(strip_bidi(strip_control(text)).split())
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    return text


def error_line(text: str, limit: int | None = 400) -> str:
    """An error text as aha shows, stores and exports it: one clean line, keys redacted."""
    from app.redact import redact

    # Cleaned first, so a key split by an escape sequence is joined up before it is looked for.
    return one_line(redact(one_line(text)), limit)
