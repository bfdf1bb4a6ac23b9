"""Routing history: recent router decisions, for `aha route stats` (deep share drift), and the
user's feedback on them (escalations, overkill marks) for the threshold calibration."""

from __future__ import annotations

from dataclasses import dataclass

from storage.base import StoreBase
from storage.ids import new_id, now_iso

# The user's marks, and the outcomes of checks (app/checks/): "needed_deep" when a fast answer
# failed its checks and deep passed them, "fast_enough" when a fast answer passed or agreed.
FEEDBACK_KINDS = ("escalated", "overkill", "needed_deep", "fast_enough")


@dataclass(frozen=True, slots=True)
class RoutedAnswer:
    """One assistant row's routing record: the route that answered and the score behind it."""

    route: str | None
    score: float
    threshold: float | None
    created_at: str


@dataclass(frozen=True, slots=True)
class RouteFeedback:
    """One mark on a routed answer: "escalated" (fast was not enough) or "overkill" (deep was
    more than needed), with the score and threshold the answer was routed under."""

    id: str
    message_id: str
    kind: str
    score: float | None
    threshold: float | None
    created_at: str


class RoutingRepo(StoreBase):
    def recent_routing(self, limit: int = 200) -> list[RoutedAnswer]:
        """The router's decisions on the newest `limit` prompts it decided, newest first: the
        first answer to each prompt, when its route was not forced (`/deep`, `--route`, a
        sample, a regeneration on the other route, an escalation) and the prompt is not a
        brainstorm stage's (those routes are the stage's)."""
        rows = self._rows(
            "SELECT a.route, a.route_score, a.route_threshold, a.created_at FROM messages a"
            " WHERE a.role = 'assistant' AND a.route_score IS NOT NULL"
            " AND COALESCE(a.route_reasons, '') NOT LIKE '[\"forced:%'"
            " AND a.session_id NOT IN (SELECT session_id FROM brainstorms)"
            " AND a.rowid = (SELECT MIN(b.rowid) FROM messages b"
            "  WHERE b.parent_id = a.parent_id AND b.role = 'assistant')"
            " ORDER BY a.created_at DESC, a.rowid DESC LIMIT ?",
            (limit,),
        )
        return [
            RoutedAnswer(r["route"], float(r["route_score"]), r["route_threshold"], r["created_at"])
            for r in rows
        ]

    def add_route_feedback(
        self, message_id: str, kind: str, score: float | None, threshold: float | None
    ) -> bool:
        """Store one mark; False (nothing stored) when this answer already has a mark of this
        kind, so pressing the key twice, or asking deep twice, counts once."""
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"kind must be one of {FEEDBACK_KINDS}, got {kind!r}")
        with self._write():
            cursor = self.conn.execute(
                "INSERT OR IGNORE INTO route_feedback"
                " (id, message_id, kind, score, threshold, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (new_id(), message_id, kind, score, threshold, now_iso()),
            )
        return cursor.rowcount > 0

    def check_outcomes(self) -> list[tuple[str, str]]:
        """(prompt text, kind) of every check outcome ("needed_deep", "fast_enough"): the
        labels `aha route train` adds to the public ones. The mark is on the first fast
        answer; the prompt is its parent."""
        rows = self._rows(
            "SELECT u.content AS prompt, f.kind AS kind FROM route_feedback f"
            " JOIN messages a ON a.id = f.message_id"
            " JOIN messages u ON u.id = a.parent_id"
            " WHERE f.kind IN ('needed_deep', 'fast_enough') AND u.role = 'user'"
            " ORDER BY f.created_at, f.id",
            (),
        )
        return [(r["prompt"], r["kind"]) for r in rows]

    def recent_route_feedback(self, limit: int = 100) -> list[RouteFeedback]:
        """The newest `limit` marks, newest first."""
        rows = self._rows(
            "SELECT id, message_id, kind, score, threshold, created_at FROM route_feedback"
            " ORDER BY created_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [RouteFeedback(**r) for r in rows]
