"""Brainstorms: the problem and stage of a brainstorm session, which prompt ran which stage,
and the idea cards with their ratings, status and order on the board."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from storage.base import StoreBase
from storage.brainstorm_models import Brainstorm, BrainstormStep, Idea, IdeaStatus
from storage.ids import new_id, now_iso
from storage.search_repo import match_expression
from storage.sessions_repo import title_from_prompt

TITLE_PREFIX = "Brainstorm: "
# Ratings are 1 (low) to 5 (high); None means not rated yet.
SCORE_MIN, SCORE_MAX = 1, 5


class BrainstormError(ValueError):
    """A board operation that cannot be done, said in one line."""


class BrainstormRepo(StoreBase):
    # Brainstorms ----------------------------------------------------------------------------

    def create_brainstorm(self, problem: str, stage: str = "frame") -> Brainstorm:
        """A new session titled after the problem, with its brainstorm row, in one transaction."""
        problem = problem.strip()
        if not problem:
            raise BrainstormError("a brainstorm needs a problem statement")
        now = now_iso()
        session_id = new_id()
        title = title_from_prompt(TITLE_PREFIX + problem)
        with self._write():
            self.conn.execute(
                "INSERT INTO sessions (id, title, created_at, updated_at, archived)"
                " VALUES (?, ?, ?, ?, 0)",
                (session_id, title, now, now),
            )
            self.conn.execute(
                "INSERT INTO brainstorms (session_id, problem, stage, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_id, problem, stage, now, now),
            )
        found = self.get_brainstorm(session_id)
        assert found is not None
        return found

    def get_brainstorm(self, session_id: str) -> Brainstorm | None:
        rows = self._rows(
            "SELECT b.*, s.title FROM brainstorms b JOIN sessions s ON s.id = b.session_id"
            " WHERE b.session_id = ?",
            (session_id,),
        )
        return Brainstorm.from_row(rows[0]) if rows else None

    def list_brainstorms(self) -> list[Brainstorm]:
        """Most recently worked on first."""
        rows = self._rows(
            "SELECT b.*, s.title FROM brainstorms b JOIN sessions s ON s.id = b.session_id"
            " ORDER BY b.updated_at DESC, b.session_id DESC"
        )
        return [Brainstorm.from_row(r) for r in rows]

    def find_brainstorms(self, prefix: str) -> list[Brainstorm]:
        """Brainstorms whose session id starts with `prefix` (ids are long; people paste a few)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._rows(
            "SELECT b.*, s.title FROM brainstorms b JOIN sessions s ON s.id = b.session_id"
            " WHERE b.session_id LIKE ? ESCAPE '\\' ORDER BY b.updated_at DESC",
            (escaped + "%",),
        )
        return [Brainstorm.from_row(r) for r in rows]

    def set_problem(self, session_id: str, problem: str) -> None:
        if not problem.strip():
            raise BrainstormError("the problem statement cannot be empty")
        self._touch_brainstorm(session_id, "problem = ?", (problem.strip(),))

    def _touch_brainstorm(
        self, session_id: str, assignment: str, params: tuple[object, ...]
    ) -> None:
        now = now_iso()
        with self._write():
            self.conn.execute(
                f"UPDATE brainstorms SET {assignment}, updated_at = ? WHERE session_id = ?",
                (*params, now, session_id),
            )
            self.conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))

    # Steps: which prompt ran which stage ----------------------------------------------------

    def add_step(self, session_id: str, stage: str, prompt_id: str) -> BrainstormStep:
        step = BrainstormStep(new_id(), session_id, stage, prompt_id, now_iso())
        with self._write():
            self.conn.execute(
                "INSERT INTO brainstorm_steps (id, session_id, stage, prompt_id, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (step.id, session_id, stage, prompt_id, step.created_at),
            )
            self.conn.execute(
                "UPDATE brainstorms SET stage = ?, updated_at = ? WHERE session_id = ?",
                (stage, step.created_at, session_id),
            )
        return step

    def list_steps(self, session_id: str) -> list[BrainstormStep]:
        """Oldest first; a re-run stage appears once per run."""
        rows = self._rows(
            "SELECT * FROM brainstorm_steps WHERE session_id = ? ORDER BY created_at, id",
            (session_id,),
        )
        return [BrainstormStep.from_row(r) for r in rows]

    # Ideas ----------------------------------------------------------------------------------

    def add_ideas(
        self,
        session_id: str,
        source_message_id: str | None,
        items: Iterable[tuple[str, str]],
        tags: Sequence[str] = (),
    ) -> list[Idea]:
        """Append (text, detail) ideas at the end of the board, status new."""
        now = now_iso()
        ids: list[str] = []
        with self._write():
            row = self.conn.execute(
                "SELECT COALESCE(MAX(position), -1) FROM ideas WHERE session_id = ?",
                (session_id,),
            ).fetchone()
            position = int(row[0]) + 1
            for text, detail in items:
                idea_id = new_id()
                self.conn.execute(
                    "INSERT INTO ideas (id, session_id, source_message_id, text, detail, tags,"
                    " status, position, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, 'new', ?, ?, ?)",
                    (idea_id, session_id, source_message_id, text, detail,
                     json.dumps(list(tags)), position, now, now),
                )  # fmt: skip
                ids.append(idea_id)
                position += 1
        return [idea for idea in self.list_ideas(session_id) if idea.id in set(ids)]

    def list_ideas(
        self, session_id: str, statuses: Sequence[IdeaStatus] | None = None
    ) -> list[Idea]:
        """In board order; all statuses unless `statuses` is given."""
        rows = self._rows(
            "SELECT * FROM ideas WHERE session_id = ? ORDER BY position, id", (session_id,)
        )
        ideas = [Idea.from_row(r) for r in rows]
        return [i for i in ideas if statuses is None or i.status in statuses]

    def get_idea(self, idea_id: str) -> Idea | None:
        rows = self._rows("SELECT * FROM ideas WHERE id = ?", (idea_id,))
        return Idea.from_row(rows[0]) if rows else None

    def _idea(self, idea_id: str) -> Idea:
        idea = self.get_idea(idea_id)
        if idea is None:
            raise BrainstormError(f"no idea {idea_id!r}")
        return idea

    def _update_idea(self, idea_id: str, assignment: str, params: tuple[object, ...]) -> Idea:
        with self._write():
            self.conn.execute(
                f"UPDATE ideas SET {assignment}, updated_at = ? WHERE id = ?",
                (*params, now_iso(), idea_id),
            )
        return self._idea(idea_id)

    def rate_idea(self, idea_id: str, impact: int | None, effort: int | None) -> Idea:
        """Set both ratings (1-5, or None for unrated)."""
        for name, value in (("impact", impact), ("effort", effort)):
            if value is not None and not SCORE_MIN <= value <= SCORE_MAX:
                raise BrainstormError(f"{name} must be {SCORE_MIN}-{SCORE_MAX}, not {value}")
        self._idea(idea_id)
        return self._update_idea(idea_id, "impact = ?, effort = ?", (impact, effort))

    def set_idea_status(self, idea_id: str, status: IdeaStatus) -> Idea:
        """Keep, drop or renew an idea. Un-merging goes through here too (back to new)."""
        if status is IdeaStatus.MERGED:
            raise BrainstormError("merge an idea with merge_idea, which says into which")
        self._idea(idea_id)
        return self._update_idea(idea_id, "status = ?, merged_into = NULL", (str(status),))

    def set_idea_tags(self, idea_id: str, tags: Sequence[str]) -> Idea:
        clean = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
        self._idea(idea_id)
        return self._update_idea(idea_id, "tags = ?", (json.dumps(clean),))

    def merge_idea(self, idea_id: str, into_id: str) -> Idea:
        """Fold `idea_id` into `into_id`: the merged card keeps its row (status merged, pointing
        at the target); the target gains its text as detail and its tags. Returns the target."""
        if idea_id == into_id:
            raise BrainstormError("an idea cannot be merged into itself")
        idea, target = self._idea(idea_id), self._idea(into_id)
        if idea.session_id != target.session_id:
            raise BrainstormError("ideas of different brainstorms cannot be merged")
        if target.status in (IdeaStatus.MERGED, IdeaStatus.DROPPED):
            raise BrainstormError(f"cannot merge into a {target.status} idea")
        detail = "\n".join(p for p in (target.detail, f"+ {idea.text}", idea.detail) if p)
        tags = list(dict.fromkeys((*target.tags, *idea.tags)))
        with self._write():
            self._update_idea(idea_id, "status = 'merged', merged_into = ?", (into_id,))
            # Ideas merged into the merged one follow it to the new target.
            self.conn.execute(
                "UPDATE ideas SET merged_into = ? WHERE merged_into = ?", (into_id, idea_id)
            )
            return self._update_idea(into_id, "detail = ?, tags = ?", (detail, json.dumps(tags)))

    def move_idea(self, idea_id: str, step: int) -> bool:
        """Move an idea `step` places up (negative) or down the board; False at an end."""
        ideas = self.list_ideas(self._idea(idea_id).session_id)
        index = next(i for i, idea in enumerate(ideas) if idea.id == idea_id)
        target = index + step
        if step == 0 or not 0 <= target < len(ideas):
            return False
        order = [idea.id for idea in ideas]
        order.insert(target, order.pop(index))
        with self._write():
            for position, moved_id in enumerate(order):
                self.conn.execute(
                    "UPDATE ideas SET position = ? WHERE id = ? AND position IS NOT ?",
                    (position, moved_id, position),
                )
        return True

    def search_ideas(self, query: str, limit: int = 50) -> list[Idea]:
        """Ideas whose text, detail or tags match (the same query syntax as message search),
        best first."""
        expression = match_expression(query)
        if expression is None or limit <= 0:
            return []
        rows = self._rows(
            "SELECT ideas.* FROM ideas_fts JOIN ideas ON ideas.rowid = ideas_fts.rowid"
            " WHERE ideas_fts MATCH ? ORDER BY bm25(ideas_fts) LIMIT ?",
            (expression, limit),
        )
        return [Idea.from_row(r) for r in rows]

    def stage_of_prompt(self, prompt_id: str) -> str | None:
        """The stage a stored prompt ran, or None for an ordinary prompt."""
        row = self.conn.execute(
            "SELECT stage FROM brainstorm_steps WHERE prompt_id = ? LIMIT 1", (prompt_id,)
        ).fetchone()
        return str(row[0]) if row else None
