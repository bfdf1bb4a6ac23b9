"""Write a frozen SQL dump of every released schema, with data, to tests/fixtures/schemas/.

Run once when a migration ships (`python -m scripts.freeze_schemas NAME`, NAME being the new
migration): it writes the dump of the schema as of that migration, and never rewrites a dump
that exists. The upgrade test (tests/unit/test_schema_dumps.py) loads each dump and upgrades
it with today's code, so editing a shipped migration in place shows up as a failed upgrade
instead of passing unnoticed, as it would with schemas rebuilt by today's migrations.

The data: a rich database built through today's Store (sessions with branches, a fork,
routing, usage, feedback, drafts with versions and critiques, a brainstorm board), copied
table by table, column by column, into the schema as it was after each migration.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

from sqlite_utils import Database

from storage import MessageStatus, RouteRecord, Store
from storage.migrations import migrations
from storage.schema import MIGRATION_NAMES

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "schemas"
SKIP_TABLES = ("_sqlite_migrations", "sqlite_")


def rich_database(path: Path) -> None:
    store = Store.open(path)
    session = store.create_session()
    user = store.add_user_message(session.id, None, "What is write-ahead logging?")
    record = RouteRecord("fast", "smol", 0.2, 0.5, ("short factual question",), None)
    answer = store.start_assistant(session.id, user.id, record)
    store.finish_assistant(
        answer.id, MessageStatus.COMPLETE, "Changes go to a log first.",
        prompt_tokens=12, completion_tokens=7, first_token_ms=80.0, duration_ms=400.0,
    )  # fmt: skip
    other = store.start_assistant(session.id, user.id, record)
    store.finish_assistant(other.id, MessageStatus.INTERRUPTED, "A partial sibling")
    follow = store.add_user_message(session.id, answer.id, "And checkpoints?")
    deep = RouteRecord("deep", "big", 0.8, 0.5, ("multi-step reasoning",), "weak: short")
    last = store.start_assistant(session.id, follow.id, deep)
    store.finish_assistant(last.id, MessageStatus.COMPLETE, "They copy the log back.")
    store.add_route_feedback(answer.id, "escalated", 0.2, 0.5)
    draft = store.create_draft(body="# A post\n\nFirst words.")
    store.save_draft(draft.id, "# A post\n\nFirst words, revised.")
    critique = store.add_critique(draft.id, None, route="deep", model="big")
    store.update_critique(critique.id, content="Tighten the intro.", status="done")
    board = store.create_brainstorm("Why does my loss spike at step 10k?")
    store.add_ideas(board.session_id, None, [("Warm-up too short", "raise it"), ("LR", "")])
    store.add_check(session.id, last.id, 0, "tests", "failed", 2, 1, "FAILED assert f(2) == 4",
                    0.3, True)  # fmt: skip
    store.close()


def dump_at(source: Path, upto: int) -> str:
    """The schema after migration number `upto` (1-based), filled from `source`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "old.db"
        old = Database(path)
        if upto < len(MIGRATION_NAMES):
            migrations.apply(old, stop_before=MIGRATION_NAMES[upto])
        else:
            migrations.apply(old)
        old.close()
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("ATTACH DATABASE ? AS rich", (str(source),))
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name"
            )
            if not name.startswith(SKIP_TABLES) and "_fts" not in name
        ]
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA main.table_info('{table}')")]
            rich = {row[1] for row in conn.execute(f"PRAGMA rich.table_info('{table}')")}
            shared = [c for c in columns if c in rich]
            names = ", ".join(f'"{c}"' for c in shared)
            conn.execute(f'INSERT INTO main."{table}" ({names}) SELECT {names} FROM rich."{table}"')
        conn.commit()
        conn.execute("DETACH DATABASE rich")
        text = sql_dump(conn)
        conn.close()
        return text


def sql_dump(conn: sqlite3.Connection) -> str:
    """Schema and rows as plain SQL. Not `iterdump()`: it writes FTS5 tables through
    `writable_schema`, which does not load back into a working index. Here the virtual table
    is created by its own statement, its shadow tables are left to FTS5, and the index is
    rebuilt from the rows at the end, as the migration itself fills it."""
    objects = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    virtual = {name for kind, name, sql in objects if sql.upper().startswith("CREATE VIRTUAL")}
    shadow = {
        name
        for kind, name, _ in objects
        if kind == "table" and any(name.startswith(v + "_") for v in virtual)
    }
    lines = ["PRAGMA foreign_keys = OFF;", "BEGIN TRANSACTION;"]
    tables = [(n, q) for k, n, q in objects if k == "table" and n not in shadow]
    lines += [f"{sql};" for _, sql in tables]
    for name, _ in tables:
        if name in virtual:
            continue
        for row in conn.execute(f'SELECT * FROM "{name}"'):
            values = ", ".join(_literal(conn, value) for value in row)
            lines.append(f'INSERT INTO "{name}" VALUES ({values});')
    lines += [f"{sql};" for kind, name, sql in objects if kind in ("index", "trigger", "view")
              and name not in shadow]  # fmt: skip
    lines += [f'INSERT INTO "{name}"("{name}") VALUES (\'rebuild\');' for name in sorted(virtual)]
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def _literal(conn: sqlite3.Connection, value: object) -> str:
    return str(conn.execute("SELECT quote(?)", (value,)).fetchone()[0])


def main(argv: list[str]) -> int:
    wanted = argv or list(MIGRATION_NAMES)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "rich.db"
        rich_database(source)
        for name in wanted:
            target = OUT / f"{name}.sql"
            if target.exists():
                print(f"kept {target.name} (a released schema's dump is never rewritten)")
                continue
            target.write_text(dump_at(source, MIGRATION_NAMES.index(name) + 1))
            print(f"wrote {target.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
