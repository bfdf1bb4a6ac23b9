"""Storage: migrations, message trees, ids, crash recovery and connection settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import MessageStatus, Store
from storage.db import open_database
from storage.ids import new_id
from storage.migrations import migrations
from storage.repository import RouteRecord
from storage.schema import MIGRATION_NAMES
from storage.sessions_repo import TITLE_MAX_CHARS

DECISION = RouteRecord(
    route="deep",
    model="openai/qwen",
    score=0.83,
    threshold=0.5,
    reasons=("math / proof", "multi-step reasoning"),
    note="forced by test",
)


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(":memory:")
    yield store
    store.close()


def _set_owner(store: Store, message_id: str, pid: int | None) -> None:
    store.db.conn.execute("UPDATE messages SET owner_pid = ? WHERE id = ?", (pid, message_id))


def _turn(store: Store, session_id: str, parent_id: str | None, prompt: str) -> tuple[str, str]:
    """A user message and its streaming assistant reply; returns (user id, assistant id)."""
    user = store.add_user_message(session_id, parent_id, prompt)
    assistant = store.start_assistant(session_id, user.id, DECISION)
    return user.id, assistant.id


# Migrations ---------------------------------------------------------------------------------


def test_migrations_create_tables_and_record_step(store: Store) -> None:
    """Opening a database applies m001 and records it in _sqlite_migrations."""
    tables = set(store.db.table_names())
    assert {"sessions", "messages", "_sqlite_migrations"} <= tables
    applied = [row["name"] for row in store.db["_sqlite_migrations"].rows]
    assert applied == list(MIGRATION_NAMES)
    assert migrations.pending(store.db) == []


def test_opening_twice_is_idempotent(tmp_path: Path) -> None:
    """A second open neither re-runs a step nor loses data."""
    path = tmp_path / "aha.db"
    first = Store.open(path)
    session = first.create_session("kept")
    first.close()
    second = Store.open(path)
    names = [row["name"] for row in second.db["_sqlite_migrations"].rows]
    assert names == list(MIGRATION_NAMES)
    assert second.get_session(session.id) is not None
    second.close()


def test_upgrade_from_database_before_m001(tmp_path: Path) -> None:
    """A database stopped before m001 (an older aha) is brought up to date on open."""
    path = tmp_path / "old.db"
    from sqlite_utils import Database

    old = Database(path)
    migrations.apply(old, stop_before="m001_sessions_and_messages")
    assert "messages" not in old.table_names()
    assert [m.name for m in migrations.pending(old)] == list(MIGRATION_NAMES)
    old.close()

    db = open_database(path)
    assert migrations.pending(db) == []
    assert {"sessions", "messages"} <= set(db.table_names())
    db.close()


def test_file_database_survives_reopen(tmp_path: Path) -> None:
    """What one Store writes to a file, a fresh Store reads back in full."""
    path = tmp_path / "aha.db"
    writer = Store.open(path)
    session = writer.create_session()
    user_id, assistant_id = _turn(writer, session.id, None, "What is WAL?")
    writer.finish_assistant(assistant_id, MessageStatus.COMPLETE, "Write-ahead logging.")
    writer.close()

    reader = Store.open(path)
    assert migrations.pending(reader.db) == []
    thread = reader.active_thread(session.id)
    assert [m.id for m in thread] == [user_id, assistant_id]
    assert thread[0].content == "What is WAL?"
    assert thread[1].content == "Write-ahead logging."
    assert thread[1].status is MessageStatus.COMPLETE
    assert reader.get_session(session.id).title == "What is WAL?"  # type: ignore[union-attr]
    reader.close()


# Writing trees ------------------------------------------------------------------------------


def test_first_prompt_titles_session_and_later_ones_do_not(store: Store) -> None:
    """The session title comes from the first prompt only."""
    session = store.create_session()
    assert session.title == ""
    user = store.add_user_message(session.id, None, "Brainstorm ML ideas")
    assert user.role == "user" and user.status is MessageStatus.COMPLETE
    store.add_user_message(session.id, user.id, "Something else entirely")
    assert store.get_session(session.id).title == "Brainstorm ML ideas"  # type: ignore[union-attr]


def test_long_multiline_first_prompt_gives_trimmed_title(store: Store) -> None:
    """A long or multi-line first prompt titles the session with its first line, cut with …."""
    session = store.create_session()
    first_line = "Critique   the structure of " + "this very long blog post draft " * 5
    store.add_user_message(session.id, None, f"\n  {first_line}\nsecond line\nthird")
    title = store.get_session(session.id).title  # type: ignore[union-attr]
    assert len(title) <= TITLE_MAX_CHARS
    assert title.endswith("…")
    assert title.startswith("Critique the structure of this very long")
    assert "\n" not in title and "second line" not in title


def test_short_multiline_prompt_titles_with_first_line(store: Store) -> None:
    """A short multi-line prompt uses its first non-empty line, untouched."""
    session = store.create_session()
    store.add_user_message(session.id, None, "\n\nOutline a post\nabout routing")
    assert store.get_session(session.id).title == "Outline a post"  # type: ignore[union-attr]


def test_start_assistant_stores_decision_and_sets_active_leaf(store: Store) -> None:
    """The assistant row carries the route decision, streams, and becomes the active leaf."""
    session = store.create_session()
    user = store.add_user_message(session.id, None, "Prove it")
    assert store.get_session(session.id).active_leaf_id == user.id  # type: ignore[union-attr]
    assistant = store.start_assistant(session.id, user.id, DECISION)
    assert assistant.role == "assistant"
    assert assistant.parent_id == user.id
    assert assistant.status is MessageStatus.STREAMING
    assert assistant.content == ""
    assert (assistant.route, assistant.model) == ("deep", "openai/qwen")
    assert (assistant.route_score, assistant.route_threshold) == (0.83, 0.5)
    assert assistant.route_reasons == ("math / proof", "multi-step reasoning")
    assert assistant.route_note == "forced by test"
    assert store.get_session(session.id).active_leaf_id == assistant.id  # type: ignore[union-attr]


def test_save_progress_updates_only_streaming_rows(store: Store) -> None:
    """Partial text is flushed while streaming and never overwrites a finished answer."""
    session = store.create_session()
    _, assistant_id = _turn(store, session.id, None, "hi")
    store.save_progress(assistant_id, "Hel", "thinking…")
    partial = store.get_message(assistant_id)
    assert partial is not None
    assert (partial.content, partial.reasoning) == ("Hel", "thinking…")
    assert partial.status is MessageStatus.STREAMING

    store.finish_assistant(assistant_id, MessageStatus.COMPLETE, "Hello!")
    store.save_progress(assistant_id, "stale late flush", "")
    final = store.get_message(assistant_id)
    assert final is not None
    assert final.content == "Hello!"
    assert final.status is MessageStatus.COMPLETE


def test_finish_assistant_sets_final_fields(store: Store) -> None:
    """finish_assistant records status, text, error, token counts and timings."""
    session = store.create_session()
    _, assistant_id = _turn(store, session.id, None, "hi")
    final = store.finish_assistant(
        assistant_id,
        MessageStatus.ERROR,
        "partial",
        reasoning="hmm",
        error="server went away",
        prompt_tokens=12,
        completion_tokens=3,
        first_token_ms=40.5,
        duration_ms=250.0,
    )
    assert final.status is MessageStatus.ERROR
    assert (final.content, final.reasoning, final.error) == ("partial", "hmm", "server went away")
    assert (final.prompt_tokens, final.completion_tokens) == (12, 3)
    assert (final.first_token_ms, final.duration_ms) == (40.5, 250.0)
    assert store.get_message(assistant_id) == final


def test_thread_follows_parent_chain_and_branches(store: Store) -> None:
    """thread() returns root-first along one branch; siblings stay out of each other's thread."""
    session = store.create_session()
    u1, a1 = _turn(store, session.id, None, "first question")
    store.finish_assistant(a1, MessageStatus.COMPLETE, "first answer")
    u2, a2 = _turn(store, session.id, a1, "follow-up")
    store.finish_assistant(a2, MessageStatus.COMPLETE, "answer one")
    # Regenerate: a second assistant reply to the same user message makes a branch.
    a2b = store.start_assistant(session.id, u2, DECISION).id
    store.finish_assistant(a2b, MessageStatus.COMPLETE, "answer two")

    assert [m.id for m in store.thread(a2)] == [u1, a1, u2, a2]
    assert [m.id for m in store.thread(a2b)] == [u1, a1, u2, a2b]
    assert [m.id for m in store.thread(u1)] == [u1]
    # The newest reply is the active leaf, so the active thread is its branch.
    assert [m.id for m in store.active_thread(session.id)] == [u1, a1, u2, a2b]
    assert {m.id for m in store.messages(session.id)} == {u1, a1, u2, a2, a2b}


def test_active_thread_of_empty_or_unknown_session_is_empty(store: Store) -> None:
    """A session with no messages, or no session at all, has an empty active thread."""
    assert store.active_thread(store.create_session().id) == []
    assert store.active_thread("no-such-session") == []


def test_ids_are_unique_and_sort_in_creation_order() -> None:
    """new_id() never repeats and sorts as text in the order the ids were made."""
    ids = [new_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert sorted(ids) == ids
    assert all(len(i) == 24 and int(i, 16) >= 0 for i in ids)


def test_list_sessions_orders_by_last_activity(store: Store) -> None:
    """The session touched most recently comes first; archived ones are hidden by default."""
    older = store.create_session("older")
    time.sleep(0.005)  # timestamps have millisecond resolution; keep the three steps apart
    newer = store.create_session("newer")
    assert [s.id for s in store.list_sessions()] == [newer.id, older.id]
    time.sleep(0.005)
    store.add_user_message(older.id, None, "back to the old one")
    assert [s.id for s in store.list_sessions()] == [older.id, newer.id]
    store.db.conn.execute("UPDATE sessions SET archived = 1 WHERE id = ?", (older.id,))
    assert [s.id for s in store.list_sessions()] == [newer.id]
    assert len(store.list_sessions(include_archived=True)) == 2


# Crash recovery -----------------------------------------------------------------------------


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_recover_interrupted_marks_dead_writers_only(store: Store) -> None:
    """Rows of dead or earlier processes become interrupted; a live writer's row keeps streaming."""
    session = store.create_session()
    _, dead = _turn(store, session.id, None, "dead writer")
    store.save_progress(dead, "partial answer", "some thoughts")
    _set_owner(store, dead, _dead_pid())
    _, mine = _turn(store, session.id, None, "my previous incarnation")
    store.save_progress(mine, "half", "")
    _, done = _turn(store, session.id, None, "finished")
    store.finish_assistant(done, MessageStatus.COMPLETE, "all done")
    _, live = _turn(store, session.id, None, "live writer")

    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        _set_owner(store, live, sleeper.pid)
        assert store.recover_interrupted() == 2
    finally:
        sleeper.kill()
        sleeper.wait()

    recovered = store.get_message(dead)
    assert recovered is not None
    assert recovered.status is MessageStatus.INTERRUPTED
    assert (recovered.content, recovered.reasoning) == ("partial answer", "some thoughts")
    assert recovered.error
    own = store.get_message(mine)
    assert own is not None and own.status is MessageStatus.INTERRUPTED and own.content == "half"
    untouched = store.get_message(done)
    assert untouched is not None
    assert (untouched.status, untouched.content, untouched.error) == (
        MessageStatus.COMPLETE,
        "all done",
        None,
    )
    still = store.get_message(live)
    assert still is not None and still.status is MessageStatus.STREAMING
    assert store.recover_interrupted() == 1  # the sleeper is dead now


def test_recover_interrupted_with_nothing_to_do_returns_zero(store: Store) -> None:
    """No streaming rows: nothing changes and the count is 0."""
    session = store.create_session()
    _, done = _turn(store, session.id, None, "q")
    store.finish_assistant(done, MessageStatus.COMPLETE, "a")
    assert store.recover_interrupted() == 0


# Connection settings ------------------------------------------------------------------------


def test_file_database_uses_wal_and_busy_timeout(tmp_path: Path) -> None:
    """A file database runs in WAL mode with a busy timeout, so readers and a writer coexist."""
    store = Store.open(tmp_path / "nested" / "aha.db")
    try:
        conn = store.db.conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        store.close()
    assert os.path.exists(tmp_path / "nested" / "aha.db")


def test_schema_names_match_registered_migrations() -> None:
    """The stdlib-only list of migration names agrees with the registered migrations, so the
    fast open path never skips a pending step."""
    from storage.schema import MIGRATION_NAMES

    assert list(MIGRATION_NAMES) == [m.name for m in migrations._migrations]


def test_up_to_date_database_opens_without_sqlite_utils(tmp_path: Path) -> None:
    """Opening a database with nothing pending imports only the standard library."""
    import subprocess
    import sys

    Store.open(tmp_path / "aha.db").close()
    code = (
        "import sys; from storage import Store; "
        f"s = Store.open({str(tmp_path / 'aha.db')!r}); s.list_sessions(); "
        "print('sqlite_utils' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_data_written_before_m002_survives_the_upgrade(tmp_path: Path) -> None:
    """A database at the m001 schema, with a conversation written by that schema's code,
    opens under the current schema with every row intact and the fork columns added."""
    from sqlite_utils import Database

    path = tmp_path / "v1.db"
    old = Database(path)
    migrations.apply(old, stop_before="m002_session_forks")
    old.conn.executescript(
        """
        INSERT INTO sessions (id, title, created_at, updated_at, active_leaf_id, archived)
        VALUES ('s1', 'Old talk', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', 'a1', 0);
        INSERT INTO messages (id, session_id, parent_id, role, content, status, created_at, updated_at)
        VALUES ('u1', 's1', NULL, 'user', 'What is WAL?', 'complete',
                '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
        INSERT INTO messages (id, session_id, parent_id, role, content, status, route, model,
                              route_score, route_reasons, created_at, updated_at)
        VALUES ('a1', 's1', 'u1', 'assistant', 'Write-ahead logging.', 'complete', 'fast', 'smol',
                0.2, '["short factual question"]', '2026-01-01T00:00:01.000Z',
                '2026-01-01T00:00:01.000Z');
        """
    )
    old.conn.commit()
    old.close()

    store = Store.open(path)
    assert migrations.pending(store.db) == []
    session = store.get_session("s1")
    assert session is not None and session.title == "Old talk"
    assert session.forked_from_session_id is None
    thread = store.active_thread("s1")
    assert [(m.id, m.content) for m in thread] == [
        ("u1", "What is WAL?"),
        ("a1", "Write-ahead logging."),
    ]
    assert thread[1].route_reasons == ("short factual question",)


def test_zombie_owner_counts_as_dead() -> None:
    """A killed but unreaped process (a zombie, as under tmux) never writes again, so its
    streaming rows must be recoverable at once, not after the staleness limit."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from storage.messages_repo import _pid_alive

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert _pid_alive(child.pid)
        os.kill(child.pid, signal.SIGKILL)
        for _ in range(100):  # until the kernel has made it a zombie (we don't reap it yet)
            with open(f"/proc/{child.pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            time.sleep(0.05)
        assert not _pid_alive(child.pid)
    finally:
        child.kill()
        child.wait()


def test_title_leaves_out_a_leading_slash_command() -> None:
    """`/deep Why…` is titled `Why…`; a path or a lone command stays as typed."""
    from storage.sessions_repo import title_from_prompt

    assert title_from_prompt("/deep Why does dropout help?") == "Why does dropout help?"
    assert title_from_prompt("/usr/bin is full") == "/usr/bin is full"
    assert title_from_prompt("/fast") == "/fast"
