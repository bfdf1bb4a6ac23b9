"""Routing history: recent router decisions, for `aha route stats` (deep share drift)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.base import StoreBase


@dataclass(frozen=True, slots=True)
class RoutedAnswer:
    """One assistant row's routing record: the route that answered and the score behind it."""

    route: str | None
    score: float
    threshold: float | None
    created_at: str


class RoutingRepo(StoreBase):
    def recent_routing(self, limit: int = 200) -> list[RoutedAnswer]:
        """The newest `limit` assistant rows that carry a route score, newest first."""
        rows = self._rows(
            "SELECT route, route_score, route_threshold, created_at FROM messages"
            " WHERE role = 'assistant' AND route_score IS NOT NULL"
            " ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (limit,),
        )
        return [
            RoutedAnswer(r["route"], float(r["route_score"]), r["route_threshold"], r["created_at"])
            for r in rows
        ]
