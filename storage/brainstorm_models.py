"""Plain dataclasses for brainstorms and their idea cards (storage/brainstorm_repo.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class IdeaStatus(StrEnum):
    """Where an idea stands on the board. Nothing is ever deleted: a dropped or merged idea
    stays in the table (and in search), only out of the plan."""

    NEW = "new"
    KEPT = "kept"
    MERGED = "merged"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class Brainstorm:
    session_id: str
    problem: str
    stage: str
    created_at: str
    updated_at: str
    title: str = ""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Brainstorm:
        return cls(
            session_id=row["session_id"],
            problem=row["problem"],
            stage=row["stage"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            title=row.get("title") or "",
        )


@dataclass(frozen=True, slots=True)
class BrainstormStep:
    """One run of a stage: the prompt message it stored (its answers are that prompt's
    children, several for a diverge with samples)."""

    id: str
    session_id: str
    stage: str
    prompt_id: str
    created_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> BrainstormStep:
        return cls(**{k: row[k] for k in ("id", "session_id", "stage", "prompt_id", "created_at")})


@dataclass(frozen=True, slots=True)
class Idea:
    id: str
    session_id: str
    text: str
    status: IdeaStatus
    position: int
    created_at: str
    updated_at: str
    source_message_id: str | None = None
    detail: str = ""
    tags: tuple[str, ...] = ()
    impact: int | None = None
    effort: int | None = None
    merged_into: str | None = None

    @property
    def score(self) -> int | None:
        """Impact minus effort, the plan's ranking; None until both are rated."""
        if self.impact is None or self.effort is None:
            return None
        return self.impact - self.effort

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Idea:
        return cls(
            id=row["id"],
            session_id=row["session_id"],
            text=row["text"],
            status=IdeaStatus(row["status"]),
            position=row["position"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            source_message_id=row["source_message_id"],
            detail=row["detail"] or "",
            tags=tuple(json.loads(row["tags"] or "[]")),
            impact=row["impact"],
            effort=row["effort"],
            merged_into=row["merged_into"],
        )
