"""Checks of answers: each run of an answer's code against its tests, in order."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from storage.base import StoreBase
from storage.ids import new_id, now_iso


@dataclass(frozen=True, slots=True)
class CheckRecord:
    id: str
    session_id: str
    answer_id: str
    round: int
    kind: str
    status: str
    passed: int
    failed: int
    output: str
    seconds: float | None
    sandboxed: bool
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> CheckRecord:
        return cls(
            row["id"], row["session_id"], row["answer_id"], int(row["round"] or 0),
            row["kind"], row["status"], int(row["passed"] or 0), int(row["failed"] or 0),
            row["output"] or "", row["seconds"], bool(row["sandboxed"]), row["created_at"],
        )  # fmt: skip


class ChecksRepo(StoreBase):
    def add_check(
        self,
        session_id: str,
        answer_id: str,
        round_number: int,
        kind: str,
        status: str,
        passed: int,
        failed: int,
        output: str,
        seconds: float | None,
        sandboxed: bool,
    ) -> CheckRecord:
        record = CheckRecord(
            new_id(), session_id, answer_id, round_number, kind, status, passed, failed,
            output, seconds, sandboxed, now_iso(),
        )  # fmt: skip
        with self._write():
            self.conn.execute(
                "INSERT INTO checks (id, session_id, answer_id, round, kind, status, passed,"
                " failed, output, seconds, sandboxed, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.id, session_id, answer_id, round_number, kind, status, passed, failed,
                 output, seconds, int(sandboxed), record.created_at),
            )  # fmt: skip
        return record

    def checks_of(self, answer_id: str) -> list[CheckRecord]:
        rows = self._rows(
            "SELECT * FROM checks WHERE answer_id = ? ORDER BY created_at, rowid", (answer_id,)
        )
        return [CheckRecord.from_row(r) for r in rows]

    def checks_in_session(self, session_id: str) -> list[CheckRecord]:
        rows = self._rows(
            "SELECT * FROM checks WHERE session_id = ? ORDER BY created_at, rowid", (session_id,)
        )
        return [CheckRecord.from_row(r) for r in rows]
