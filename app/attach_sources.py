"""What the prompt box's `@` picker offers, and reading the one chosen.

Four sources, in the order a user reaches for them: files under the current directory (the
paper, the training log, the config), attachments used recently (the same paper for the next
question, without finding it again), drafts by title and brainstorms by problem. Listing never
reads a file; only the chosen one is read, with the same reader and the same one-line errors
as `aha ask -f` (app/attachments.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from app.attachments import Attachment, AttachmentError, read_attachment
from storage import Store

MAX_FILES = 5000
"""Files listed at most: a home directory holds millions; the picker is for a project."""
MAX_DEPTH = 6
SKIPPED_DIRS = {
    ".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".tox", "build", "dist", ".idea", ".cache",
}  # fmt: skip
"""Folders no one attaches from, whose size would crowd out the files that matter."""


@dataclass(frozen=True, slots=True)
class Source:
    kind: str  # "file", "recent", "draft", "brainstorm"
    label: str  # what the picker shows and matches on
    ref: str  # a path, a content hash, a draft id or a brainstorm's session id


def list_files(root: Path, limit: int = MAX_FILES) -> list[str]:
    """Paths under ``root``, relative, shallow ones first; hidden and build folders skipped."""
    found: list[str] = []
    level = [root]
    for _ in range(MAX_DEPTH):
        deeper: list[Path] = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue  # unreadable folders are simply not offered
            for entry in entries:
                if entry.name.startswith(".") and entry.name not in (".env.example",):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name not in SKIPPED_DIRS:
                            deeper.append(Path(entry.path))
                    elif entry.is_file():
                        found.append(os.path.relpath(entry.path, root))
                except OSError:
                    continue
                if len(found) >= limit:
                    return found
        level = deeper
        if not level:
            break
    return found


def sources(store: Store, root: Path) -> list[Source]:
    """Everything the picker offers: recent attachments first, then drafts, brainstorms and
    files (the fuzzy match reorders them as the user types)."""
    offered = [Source("recent", a.name, a.hash) for a in store.recent_attachments()]
    offered += [Source("draft", d.title or "untitled draft", d.id) for d in store.list_drafts()]
    offered += [
        Source("brainstorm", b.title or b.problem[:80], b.session_id)
        for b in store.list_brainstorms()
    ]
    offered += [Source("file", path, path) for path in list_files(root)]
    return offered


def load(source: Source, store: Store, root: Path) -> Attachment:
    """The chosen source as an attachment, or ``AttachmentError`` with one clear line."""
    if source.kind == "file":
        # Named as listed (relative to the folder), not by the absolute path it was read from.
        return replace(read_attachment(root / source.ref, cwd=root), name=source.ref)
    if source.kind == "recent":
        stored = store.attachment_by_hash(source.ref)
        if stored is None:
            raise AttachmentError(f"{source.label}: no longer stored")
        return Attachment(stored.name, stored.kind, stored.text, stored.note)
    if source.kind == "draft":
        draft = store.get_draft(source.ref)
        if draft is None or not draft.body.strip():
            raise AttachmentError(f"{source.label}: the draft is gone or empty")
        words = f"{draft.words:,} words"
        return Attachment(draft.title or "untitled draft", "draft", draft.body, words)
    if source.kind == "brainstorm":
        return _brainstorm(source, store)
    raise AttachmentError(f"{source.label}: cannot be attached")


def _brainstorm(source: Source, store: Store) -> Attachment:
    board = store.get_brainstorm(source.ref)
    if board is None:
        raise AttachmentError(f"{source.label}: the brainstorm is gone")
    lines = [f"Problem: {board.problem}", ""]
    ideas = [i for i in store.list_ideas(source.ref) if i.merged_into is None]
    for idea in ideas:
        rating = ""
        if idea.impact is not None or idea.effort is not None:
            rating = f" (impact {idea.impact or '?'}, effort {idea.effort or '?'})"
        lines.append(f"- [{idea.status.value}] {idea.text}{rating}")
        if idea.detail:
            lines.append(f"  {idea.detail}")
    note = f"{len(ideas)} idea{'s' if len(ideas) != 1 else ''}"
    return Attachment(source.label, "brainstorm", "\n".join(lines) + "\n", note)
