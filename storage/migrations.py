"""Schema migrations: named, append-only steps. Never edit a step that has shipped; add a new one."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("aha")


@migrations()
def m001_sessions_and_messages(db: Database) -> None:
    db["sessions"].create(
        {
            "id": str,
            "title": str,
            "created_at": str,
            "updated_at": str,
            "active_leaf_id": str,
            "archived": int,
        },
        pk="id",
        not_null={"id", "created_at", "updated_at"},
        defaults={"title": "", "archived": 0},
    )
    db["messages"].create(
        {
            "id": str,
            "session_id": str,
            "parent_id": str,
            "role": str,
            "content": str,
            "reasoning": str,
            "status": str,
            "route": str,
            "model": str,
            "route_score": float,
            "route_threshold": float,
            "route_reasons": str,  # JSON list of short phrases
            "route_note": str,  # why the route differs from the decision, e.g. deep unavailable
            "error": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "first_token_ms": float,
            "duration_ms": float,
            "owner_pid": int,  # process streaming this row; lets recovery skip live writers
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"id", "session_id", "role", "status", "created_at", "updated_at"},
        defaults={"content": "", "reasoning": ""},
        foreign_keys=[("session_id", "sessions", "id"), ("parent_id", "messages", "id")],
    )
    db["messages"].create_index(["session_id", "created_at"])
    db["messages"].create_index(["parent_id"])
    db["messages"].create_index(["status"])
    db["sessions"].create_index(["updated_at"])


@migrations()
def m002_session_forks(db: Database) -> None:
    db["sessions"].add_column("forked_from_session_id", str)
    db["sessions"].add_column("forked_from_message_id", str)
