"""Dataclasses for drafts (blog posts being written), their versions and model critiques.

Kept apart from storage/models.py so the conversation models stay small; both are plain data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

CRITIQUE_STATUSES = ("streaming", "done", "failed", "cancelled")

# A word: letters or digits, joined by inner apostrophes or hyphens ("don't", "well-known").
# Markdown punctuation (#, *, -, >, `) is not a word, so a heading or a list counts as its text.
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


# YAML front matter at the very top ("---" lines around it): metadata, not words of the post.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?:.*\n)*?---[ \t]*(?:\n|\Z)")


def count_words(text: str) -> int:
    """Words in `text` as a writer counts them: headings included, Markdown markup and front
    matter left out. The one count aha shows: the drafts list, the status line, the outline."""
    return len(_WORD.findall(_FRONT_MATTER.sub("", text, count=1)))


@dataclass(frozen=True, slots=True)
class Draft:
    id: str
    title: str
    body: str
    tags: tuple[str, ...]
    description: str
    created_at: str
    updated_at: str  # last edit: a changed body, title, tags or description
    words: int
    current_version_id: str | None  # the version matching `body`; None before any text

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Draft:
        tags = row.get("tags")
        return cls(
            id=row["id"],
            title=row["title"] or "",
            body=row["body"] or "",
            tags=tuple(json.loads(tags)) if tags else (),
            description=row["description"] or "",
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            words=int(row["words"] or 0),
            current_version_id=row["current_version_id"],
        )


@dataclass(frozen=True, slots=True)
class DraftVersion:
    id: str
    draft_id: str
    body: str
    words: int
    created_at: str
    note: str  # why it was saved: "autosave", "restored from <time>", "from $EDITOR", ...

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> DraftVersion:
        return cls(
            id=row["id"],
            draft_id=row["draft_id"],
            body=row["body"] or "",
            words=int(row["words"] or 0),
            created_at=row["created_at"],
            note=row["note"] or "",
        )


@dataclass(frozen=True, slots=True)
class Critique:
    """A model's critique of one draft version; `content` grows while status is 'streaming'."""

    id: str
    draft_id: str
    version_id: str | None
    content: str
    status: str  # one of CRITIQUE_STATUSES
    route: str
    model: str
    error: str | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Critique:
        return cls(
            id=row["id"],
            draft_id=row["draft_id"],
            version_id=row["version_id"],
            content=row["content"] or "",
            status=row["status"],
            route=row["route"] or "",
            model=row["model"] or "",
            error=row["error"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
