"""Every released schema, frozen as SQL with data (tests/fixtures/schemas/, written once by
scripts/freeze_schemas.py), upgrades to today's schema with nothing lost.

Unlike the stop_before tests, these old schemas were not built by today's migrations: an
in-place edit of a shipped migration changes what a fresh database gets but not these files,
so the upgraded and the fresh schemas stop agreeing and this test fails.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import Store
from storage.db import integrity_problems
from storage.schema import MIGRATION_NAMES

DUMPS = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"


def columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: sorted(r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')) for t in tables}


def objects(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return set(conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))


def test_every_released_schema_has_a_frozen_dump() -> None:
    assert sorted(p.stem for p in DUMPS.glob("*.sql")) == sorted(MIGRATION_NAMES), (
        "a new migration ships with its dump: python -m scripts.freeze_schemas NAME"
    )


@pytest.mark.parametrize("name", MIGRATION_NAMES)
def test_a_frozen_schema_upgrades_to_todays_with_its_data(tmp_path: Path, name: str) -> None:
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript((DUMPS / f"{name}.sql").read_text())
    before = {
        row[0]: row[1]
        for row in conn.execute("SELECT id, content FROM messages ORDER BY created_at")
    }
    sessions = conn.execute("SELECT id, title FROM sessions").fetchall()
    conn.close()
    assert len(before) == 5 and sessions

    upgraded = Store.open(old)  # runs every migration after `name`
    fresh = Store.open(tmp_path / "fresh.db")
    try:
        assert columns(upgraded.conn) == columns(fresh.conn)
        assert objects(upgraded.conn) == objects(fresh.conn)
        assert integrity_problems(upgraded.conn) == []
        after = dict(upgraded.conn.execute("SELECT id, content FROM messages").fetchall())
        assert after == before
        assert upgraded.conn.execute("SELECT id, title FROM sessions").fetchall() == sessions
        hits = upgraded.search("checkpoints")
        assert [h.message_id for h in hits] == [
            i for i, text in before.items() if "checkpoints" in text
        ]
        thread = upgraded.active_thread(sessions[0][0])
        assert thread and all(m.content == before[m.id] for m in thread)
    finally:
        upgraded.close()
        fresh.close()
