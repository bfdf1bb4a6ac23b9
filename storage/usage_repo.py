"""Usage sums (`aha stats`, the TUI's session summary) and small stored preferences.

Sums are over finished answers that produced something: `complete` and `cancelled` ones (a
cancelled answer still used tokens, and a paid provider still charged for them). Failed answers
and ones cut off by a dead process carry no usage and would only dilute the averages.

Averages are means over the answers that have the figure: tokens per second is each answer's
completion tokens over its generation time (total time less time to first token, i.e. the
speed text streamed at, without the wait before it). Cost sums the known costs and counts the
answers whose model has no price (`unpriced`), so "$0.00" never hides a paid call aha could
not price.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from storage.base import StoreBase
from storage.ids import now_iso

COUNTED_STATUSES = ("complete", "cancelled")

_SUMS = """
    count(*) AS answers,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    avg(CASE WHEN completion_tokens > 0 AND duration_ms > first_token_ms
        THEN completion_tokens * 1000.0 / (duration_ms - first_token_ms) END) AS tokens_per_s,
    avg(first_token_ms) AS first_token_ms,
    avg(duration_ms) AS duration_ms,
    sum(cost_usd) AS cost_usd,
    sum(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced
"""


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """Usage of a group of answers (one route and model, or everything). None: not known for
    any answer of the group."""

    route: str | None
    model: str | None
    answers: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    tokens_per_s: float | None = None
    first_token_ms: float | None = None
    duration_ms: float | None = None
    cost_usd: float | None = None
    unpriced: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> UsageSummary:
        return cls(
            route=row.get("route"),
            model=row.get("model"),
            answers=int(row["answers"] or 0),
            prompt_tokens=row["prompt_tokens"],
            completion_tokens=row["completion_tokens"],
            reasoning_tokens=row["reasoning_tokens"],
            tokens_per_s=row["tokens_per_s"],
            first_token_ms=row["first_token_ms"],
            duration_ms=row["duration_ms"],
            cost_usd=row["cost_usd"],
            unpriced=int(row["unpriced"] or 0),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class UsageRepo(StoreBase):
    def _where(self, since: str | None, session_id: str | None) -> tuple[str, list[object]]:
        marks = ", ".join("?" * len(COUNTED_STATUSES))
        clauses = ["role = 'assistant'", f"status IN ({marks})"]
        params: list[object] = list(COUNTED_STATUSES)
        if since is not None:
            clauses.append("created_at >= ?")
            params.append(since)
        if session_id is not None:
            clauses.append("session_id = ?")
            params.append(session_id)
        return " AND ".join(clauses), params

    def usage_by_route(
        self, since: str | None = None, session_id: str | None = None
    ) -> list[UsageSummary]:
        """One summary per (route, model), most answers first. `since` is an ISO timestamp
        like `now_iso()` gives (stored timestamps sort as text)."""
        where, params = self._where(since, session_id)
        rows = self._rows(
            f"SELECT route, model, {_SUMS} FROM messages WHERE {where}"
            " GROUP BY route, model ORDER BY answers DESC, route, model",
            params,
        )
        return [UsageSummary.from_row(r) for r in rows]

    def usage_total(self, since: str | None = None, session_id: str | None = None) -> UsageSummary:
        where, params = self._where(since, session_id)
        (row,) = self._rows(f"SELECT {_SUMS} FROM messages WHERE {where}", params)
        return UsageSummary.from_row({**row, "route": None, "model": None})

    # Preferences ----------------------------------------------------------------------------

    def get_preference(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM preferences WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_preference(self, key: str, value: str) -> None:
        with self._write():
            self.conn.execute(
                "INSERT INTO preferences (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                (key, value, now_iso()),
            )

    def delete_preference(self, key: str) -> None:
        with self._write():
            self.conn.execute("DELETE FROM preferences WHERE key = ?", (key,))


def read_preference(path: str | Path, key: str) -> str | None:
    """One preference, read-only, for code that has no Store open (the deep route's check).

    Opens the file read-only: it never creates a database, never runs migrations, and a
    missing file or table (an older schema) reads as no preference.
    """
    if not Path(path).exists():
        return None
    try:
        uri = f"file:{quote(Path(path).resolve().as_posix())}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=2)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT value FROM preferences WHERE key = ?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return str(row[0]) if row else None
