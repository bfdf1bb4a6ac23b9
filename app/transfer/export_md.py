"""Markdown export: a session as a post a static-site generator or a Git forge can render.

Layout, and why:
- YAML front matter (title, date, updated, models, routes, session_id, forked_from...): Jekyll,
  Hugo, Eleventy and Astro read it as is, and `date` is the session's creation time, the date a
  blog post would carry. Strings are written JSON-quoted, which every YAML parser accepts, so a
  title with a colon or a quote never breaks the header.
- A user turn is a `## You` heading, not a blockquote: prompts hold Markdown of their own (lists,
  code fences) that a blockquote would need re-prefixing line by line to keep, and headings give
  each turn an anchor and a table-of-contents entry.
- An assistant turn is `## aha · route · model`; its reasoning, if any, comes first in a closed
  `<details>` block (GitHub, Jekyll and Eleventy render it; Hugo's default renderer drops raw HTML),
  then the answer. An answer that did not complete ends with an italic line saying so.
- The default export is the active thread only: the conversation as the user last saw it.
  With all branches, each leaf gets a `## Branch N` section (turns drop to `###`); the active
  branch comes first and in full, and every other branch prints only the turns after it leaves a
  branch already shown, under a line saying where it splits off. That reads like the original
  plus its alternatives, without repeating shared turns once per leaf.
Every piece of text goes through strip_control, and a code fence an interrupted answer left open
is closed, so one message can never swallow the headings after it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from app.attachments import fence_for
from app.redact import redact
from app.sanitize import strip_control
from storage.attachments_repo import AttachmentLike
from storage.models import Message, MessageStatus, Session

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_DETAILS_END = re.compile(r"</details", re.IGNORECASE)
_PLAIN_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?")
_INLINE_SPECIALS = re.compile(r"([\\`*\[\]<>])")

_STATUS_NOTES = {
    MessageStatus.CANCELLED: "Answer cancelled",
    MessageStatus.INTERRUPTED: "Answer interrupted",
    MessageStatus.ERROR: "Answer failed",
    MessageStatus.STREAMING: "Answer still streaming when exported",
}


def _yaml_string(value: str) -> str:
    """A double-quoted YAML scalar. JSON's escaping is valid YAML; U+2028/9 are escaped too,
    since YAML parsers treat them as line breaks."""
    quoted = json.dumps(strip_control(value), ensure_ascii=False)
    return quoted.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _yaml_time(value: str) -> str:
    """Unquoted when it is a plain ISO timestamp, so generators read it as a date."""
    return value if _PLAIN_TIMESTAMP.fullmatch(value) else _yaml_string(value)


def _one_line(text: str) -> str:
    return " ".join(strip_control(text).split())


def _inline(text: str) -> str:
    """Untrusted text placed inside a line of our own Markdown: one line, specials escaped."""
    return _INLINE_SPECIALS.sub(r"\\\1", _one_line(text))


def close_fences(text: str) -> str:
    """`text` with a final closing fence added if a code fence is left open."""
    opened: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if not match:
            continue
        marker, rest = match.groups()
        if opened is None:
            if not (marker[0] == "`" and "`" in rest):  # a backtick fence's info has no backtick
                opened = marker
        elif marker[0] == opened[0] and len(marker) >= len(opened) and not rest.strip():
            opened = None
    if opened is None:
        return text
    return text.rstrip("\n") + "\n" + opened


def _body(text: str) -> str:
    return close_fences(strip_control(text).strip("\n"))


def _distinct(values: Sequence[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(_one_line(value), None)
    return list(seen)


def front_matter(session: Session, shown: Sequence[Message], branches: int | None) -> str:
    """The YAML header. Models and routes are those of the answers the document shows."""
    answers = [m for m in shown if m.role == "assistant"]
    lines = [
        "---",
        f"title: {_yaml_string(_one_line(session.title))}",
        f"date: {_yaml_time(session.created_at)}",
        f"updated: {_yaml_time(session.updated_at)}",
    ]
    for key, values in (
        ("models", _distinct([m.model for m in answers])),
        ("routes", _distinct([m.route for m in answers])),
    ):
        lines.append(f"{key}:" + ("" if values else " []"))
        lines.extend(f"  - {_yaml_string(v)}" for v in values)
    lines.append(f"session_id: {_yaml_string(session.id)}")
    if session.forked_from_session_id:
        lines.append(f"forked_from: {_yaml_string(session.forked_from_session_id)}")
        if session.forked_from_message_id:
            lines.append(f"forked_from_message: {_yaml_string(session.forked_from_message_id)}")
    if branches is not None:
        lines.append(f"branches: {branches}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _attachment_block(attachment: AttachmentLike) -> str:
    """An attached file, collapsed: its chip as the summary, its text in a fence that no
    backtick run inside it can close."""
    text = strip_control(attachment.text).strip("\n")
    fence = fence_for(text)
    summary = (
        f"📎 {_inline(attachment.name)} ({_inline(attachment.kind)}, ~{attachment.tokens:,} tokens)"
    )
    body = _DETAILS_END.sub("&lt;/details", f"{fence}\n{text}\n{fence}")
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def render_turn(
    message: Message, level: int = 2, attachments: Sequence[AttachmentLike] = ()
) -> str:
    """One message as Markdown: a heading, then reasoning (collapsed) and the text; a prompt's
    attachments (collapsed) come before it, as they went to the model."""
    hashes = "#" * level
    if message.role == "user":
        parts = [f"{hashes} You", *(_attachment_block(a) for a in attachments)]
        parts.append(_body(message.content))
    else:
        label = " · ".join(["aha", *(_inline(v) for v in (message.route, message.model) if v)])
        parts = [f"{hashes} {label}"]
        reasoning = _body(message.reasoning)
        if reasoning.strip():
            reasoning = _DETAILS_END.sub("&lt;/details", reasoning)
            parts.append(f"<details>\n<summary>Reasoning</summary>\n\n{reasoning}\n\n</details>")
        parts.append(_body(message.content))
        note = _STATUS_NOTES.get(message.status)
        if note:
            reason = f": {_inline(redact(message.error))}" if message.error else ""
            parts.append(f"*{note}{reason}.*")
    return "\n\n".join(p for p in parts if p.strip()) + "\n"


def render_thread(
    session: Session,
    thread: Sequence[Message],
    attached: Mapping[str, Sequence[AttachmentLike]] | None = None,
) -> str:
    """The active thread: front matter, then each turn, root first."""
    attached = attached or {}
    turns = [render_turn(m, attachments=attached.get(m.id, ())) for m in thread]
    return "\n".join([front_matter(session, thread, None), *turns])


def _snippet(message: Message) -> str:
    text = _one_line(message.content)
    return text if len(text) <= 48 else text[:47].rstrip() + "…"


def render_branches(
    session: Session,
    threads: Sequence[Sequence[Message]],
    active_first: bool = True,
    attached: Mapping[str, Sequence[AttachmentLike]] | None = None,
) -> str:
    """Every branch: `threads` holds one root-to-leaf thread per leaf, the active one first.

    A branch's first section prints in full; later ones print only the turns no earlier
    section printed, after a line naming the turn (its branch and position) they follow.
    """
    shown: dict[str, tuple[int, int]] = {}  # message id -> (branch number, position)
    sections: list[str] = []
    every: list[Message] = []
    for thread in threads:
        shared = 0
        while shared < len(thread) and thread[shared].id in shown:
            shared += 1
        new = thread[shared:]
        if not new:
            continue
        number = len(sections) + 1
        title = f"## Branch {number}" + (" (active)" if number == 1 and active_first else "")
        lines = [title + "\n"]
        if shared:
            parent = thread[shared - 1]
            branch, position = shown[parent.id]
            lines.append(
                f"*Continues branch {branch} after message {position}"
                f" ({parent.role}: “{_inline(_snippet(parent))}”).*\n"
            )
        elif number > 1:
            lines.append("*Starts over from a different first message.*\n")
        for offset, message in enumerate(new):
            position = shared + offset + 1
            shown[message.id] = (number, position)
            every.append(message)
            lines.append(render_turn(message, 3, (attached or {}).get(message.id, ())))
        sections.append("\n".join(lines))
    head = front_matter(session, every, len(sections))
    return "\n".join([head, *sections])
