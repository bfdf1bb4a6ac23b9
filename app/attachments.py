"""Files attached to a prompt (`aha ask -f FILE`): read, checked, and placed before the question.

A file is read whole or not at all, so a prompt never goes out half-attached: every problem
(missing, unreadable, a directory, binary, too big, a kind not read yet) is one
`AttachmentError` whose message is the line the user sees. Kinds:

- Markdown, text and code: as they are.
- CSV and TSV: the header and the first rows, with a note of how many rows there are, so a
  results table fits the window and the model still knows its shape.
- PDF: its text layer through pypdf, page by page; a PDF without one (a scan) says so.
- HTML: the page's main text through trafilatura (menus, footers and scripts left out), the
  same reader `-u URL` uses (app/web_page.py).
- `-`: standard input, read as text.

Each attachment goes into the prompt as a delimited block, before the question, named by the
path the user gave (a path outside the current directory is shown in full, resolved).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.context_fit import estimate_tokens
from storage.attachments_repo import AttachmentLike

MAX_BYTES = 8 * 1024 * 1024
"""A bigger file is refused: no window holds it, and reading 200 MB to find out is slow."""
TABLE_SAMPLE_ROWS = 20
"""Rows of a CSV or TSV sent after its header."""
BINARY_PROBE = 8192
"""Bytes read to tell text from binary (a NUL byte in them means binary)."""

TABLE_KINDS = {".csv": "csv", ".tsv": "tsv"}
MARKDOWN = {".md", ".markdown", ".mdx"}
HTML = {".html", ".htm", ".xhtml"}
NOT_YET = {
    ".docx": "Word",
    ".xlsx": "Excel",
    ".pptx": "PowerPoint",
}
"""Kinds that need their own reader: refused with a clear line instead of sent as raw bytes."""


class AttachmentError(Exception):
    """A file that cannot be attached; the message is the whole line the user sees."""


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str  # as shown: the path given, or the resolved path when it leaves the cwd
    kind: str  # "markdown", "text", "csv", "tsv", "pdf", "html"
    text: str  # what the model is sent
    note: str = ""  # e.g. "20 of 1,204 rows"

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.text)

    def chip(self) -> str:
        return chip(self)


def chip(attachment: AttachmentLike) -> str:
    """One line for stderr and the message's chips: name, kind, tokens (and the note)."""
    extra = f", {attachment.note}" if attachment.note else ""
    return f"{attachment.name} ({attachment.kind}, ~{attachment.tokens:,} tokens{extra})"


def display_name(path: Path, cwd: Path) -> str:
    """The path as given inside ``cwd``; resolved in full when it points outside it."""
    resolved = path.expanduser().resolve()
    try:
        resolved.relative_to(cwd.resolve())
    except ValueError:
        return str(resolved)
    return str(path)


def _sample_table(text: str, delimiter: str) -> tuple[str, str]:
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return text, "empty"
    header, body = rows[0], rows[1:]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body[:TABLE_SAMPLE_ROWS])
    shown = min(len(body), TABLE_SAMPLE_ROWS)
    unit = "row" if len(body) == 1 else "rows"
    note = f"{len(body):,} {unit}" if shown == len(body) else f"{shown} of {len(body):,} {unit}"
    return out.getvalue(), note


def _pdf_text(data: bytes, name: str) -> tuple[str, str]:
    """The text layer of a PDF, pages marked; ``AttachmentError`` when it has none."""
    from pypdf import PdfReader  # only when a PDF is attached: off `aha ask`'s usual path

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise AttachmentError(f"{name}: an encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except AttachmentError:
        raise
    except Exception as exc:  # a hostile or broken file may fail anywhere inside the parser
        raise AttachmentError(f"{name}: not a readable PDF ({type(exc).__name__})") from None
    if not any(p.strip() for p in pages):
        raise AttachmentError(f"{name}: a PDF with no text layer (a scan?); nothing to attach")
    text = "\n\n".join(f"[page {i}]\n{p.strip()}" for i, p in enumerate(pages, 1) if p.strip())
    return text, f"{len(pages)} page{'s' if len(pages) != 1 else ''}"


def read_attachment(path: Path, cwd: Path | None = None) -> Attachment:
    """Read ``path`` as an attachment, or raise ``AttachmentError`` with one clear line."""
    name = display_name(path, cwd or Path.cwd())
    suffix = path.suffix.lower()
    if suffix in NOT_YET:
        raise AttachmentError(f"{name}: {NOT_YET[suffix]} files cannot be attached yet")
    try:
        if path.is_dir():
            raise AttachmentError(f"{name}: is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise AttachmentError(
                f"{name}: {size / 2**20:,.0f} MB is too big to attach"
                f" (at most {MAX_BYTES // 2**20} MB)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise AttachmentError(f"{name}: no such file") from None
    except PermissionError:
        raise AttachmentError(f"{name}: not readable (permission denied)") from None
    except OSError as exc:
        raise AttachmentError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if suffix == ".pdf":
        return from_bytes(name, "pdf", data)
    if suffix in HTML:
        return from_bytes(name, "html", data)
    if suffix in TABLE_KINDS:
        return from_bytes(name, TABLE_KINDS[suffix], data)
    return from_bytes(name, "markdown" if suffix in MARKDOWN else "text", data)


def read_stdin(data: bytes) -> Attachment:
    """``-f -``: what was piped in, as text (`git diff | aha ask -f - "review this"`)."""
    if not data.strip():
        raise AttachmentError("stdin: nothing was piped in to attach")
    if len(data) > MAX_BYTES:
        raise AttachmentError(
            f"stdin: {len(data) / 2**20:,.0f} MB is too big to attach"
            f" (at most {MAX_BYTES // 2**20} MB)"
        )
    return from_bytes("stdin", "text", data)


def decode_text(data: bytes, name: str, encoding: str | None = None) -> str:
    """Text from bytes: UTF-8 (or the encoding a server named); binary is refused."""
    if b"\0" in data[:BINARY_PROBE]:
        raise AttachmentError(f"{name}: a binary file, not text")
    try:
        return data.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError):
        raise AttachmentError(f"{name}: not {encoding or 'UTF-8'} text") from None


def from_bytes(name: str, kind: str, data: bytes, url: str | None = None) -> Attachment:
    """An attachment of ``kind`` from the file's (or the page's) bytes."""
    if kind == "pdf":
        text, note = _pdf_text(data, name)
        return Attachment(name, "pdf", text, note)
    if kind == "html":
        from app.web_page import html_text  # trafilatura and lxml: only for a page

        text, note = html_text(data, name, url)
        return Attachment(name, "html", text, note)
    text = decode_text(data, name)
    if kind in ("csv", "tsv"):
        sample, note = _sample_table(text, "," if kind == "csv" else "\t")
        return Attachment(name, kind, sample, note)
    return Attachment(name, kind, text)


def read_all(
    paths: Sequence[Path], cwd: Path | None = None, stdin: bytes | None = None
) -> list[Attachment]:
    """Every file, or the first error: all of them are attached or none is. ``-`` names
    standard input, whose bytes the caller read (``stdin``)."""
    return [read_stdin(stdin or b"") if str(p) == "-" else read_attachment(p, cwd) for p in paths]


def fence_for(text: str) -> str:
    """A backtick fence longer than any run of backticks inside ``text``."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def with_attachments(prompt: str, attachments: Sequence[AttachmentLike]) -> str:
    """The prompt as sent and stored: each attachment in a fenced block, then the question."""
    if not attachments:
        return prompt
    blocks = []
    for a in attachments:
        fence = fence_for(a.text)
        what = "page" if a.name.startswith(("http://", "https://")) else "file"
        label = f"Attached {what}: {a.name} ({a.kind}{', ' + a.note if a.note else ''})"
        body = a.text if a.text.endswith("\n") else a.text + "\n"
        blocks.append(f"{label}\n{fence}\n{body}{fence}")
    return "\n\n".join(blocks) + "\n\n" + prompt
