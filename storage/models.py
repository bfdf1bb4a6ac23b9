"""Plain dataclasses returned by the repositories; widgets never see rows or SQL."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class MessageStatus(StrEnum):
    """Life cycle of a message. User messages are written `complete` before any model call."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    title: str
    created_at: str
    updated_at: str
    active_leaf_id: str | None = None
    archived: bool = False
    # Where a fork came from: the session and the message its copied thread ends at.
    forked_from_session_id: str | None = None
    forked_from_message_id: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Session:
        return cls(
            id=row["id"],
            title=row["title"] or "",
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            active_leaf_id=row["active_leaf_id"],
            archived=bool(row["archived"]),
            forked_from_session_id=row.get("forked_from_session_id"),
            forked_from_message_id=row.get("forked_from_message_id"),
        )


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    session_id: str
    parent_id: str | None
    role: str
    content: str
    status: MessageStatus
    created_at: str
    updated_at: str
    reasoning: str = ""
    route: str | None = None
    model: str | None = None
    route_score: float | None = None
    route_threshold: float | None = None
    route_reasons: tuple[str, ...] = field(default_factory=tuple)
    route_note: str | None = None
    error: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    first_token_ms: float | None = None
    duration_ms: float | None = None
    # Usage (m004): None when unknown; cost is 0.0 for a local model, None for an unpriced one.
    reasoning_tokens: int | None = None
    cost_usd: float | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Message:
        reasons = row.get("route_reasons")
        return cls(
            id=row["id"],
            session_id=row["session_id"],
            parent_id=row["parent_id"],
            role=row["role"],
            content=row["content"] or "",
            status=MessageStatus(row["status"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            reasoning=row["reasoning"] or "",
            route=row["route"],
            model=row["model"],
            route_score=row["route_score"],
            route_threshold=row["route_threshold"],
            route_reasons=tuple(json.loads(reasons)) if reasons else (),
            route_note=row["route_note"],
            error=row["error"],
            prompt_tokens=row["prompt_tokens"],
            completion_tokens=row["completion_tokens"],
            first_token_ms=row["first_token_ms"],
            duration_ms=row["duration_ms"],
            reasoning_tokens=row.get("reasoning_tokens"),
            cost_usd=row.get("cost_usd"),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of every stored field (used by `aha ask --json`)."""
        return {
            "id": self.id,
            "session_id": self.session_id,
            "parent_id": self.parent_id,
            "role": self.role,
            "content": self.content,
            "reasoning": self.reasoning,
            "status": str(self.status),
            "route": self.route,
            "model": self.model,
            "route_score": self.route_score,
            "route_threshold": self.route_threshold,
            "route_reasons": list(self.route_reasons),
            "route_note": self.route_note,
            "error": self.error,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "first_token_ms": self.first_token_ms,
            "duration_ms": self.duration_ms,
            "reasoning_tokens": self.reasoning_tokens,
            "cost_usd": self.cost_usd,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }
