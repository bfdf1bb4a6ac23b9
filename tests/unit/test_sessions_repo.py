"""Sessions: archive, unarchive, delete and the filtered list the sidebar shows."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest

from storage import MessageStatus, Session, Store
from storage.repository import RouteRecord

FAST = RouteRecord(route="fast", model="smol")


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(":memory:")
    yield store
    store.close()


def titled(store: Store, *titles: str) -> list[Session]:
    """Sessions created in order, a few ms apart so updated_at orders them."""
    made = []
    for title in titles:
        made.append(store.create_session(title))
        time.sleep(0.003)
    return made


def names(sessions: list[Session]) -> list[str]:
    return [s.title for s in sessions]


def test_archive_hides_and_unarchive_restores_in_place(store: Store) -> None:
    """Archiving hides a session from the default list without changing its place in time;
    unarchiving puts it back where it was."""
    a, b, c = titled(store, "a", "b", "c")
    store.archive_session(b.id)
    assert names(store.list_sessions()) == ["c", "a"]
    archived = store.get_session(b.id)
    assert archived is not None and archived.archived
    assert archived.updated_at == b.updated_at
    assert names(store.list_sessions(include_archived=True)) == ["c", "b", "a"]
    assert names(store.list_sessions(archived_only=True)) == ["b"]
    store.unarchive_session(b.id)
    assert names(store.list_sessions()) == ["c", "b", "a"]
    assert store.list_sessions(archived_only=True) == []


def test_archived_only_wins_over_include_archived(store: Store) -> None:
    """archived_only lists archived sessions alone, whatever include_archived says."""
    a, b = titled(store, "a", "b")
    store.archive_session(a.id)
    assert names(store.list_sessions(include_archived=False, archived_only=True)) == ["a"]
    assert names(store.list_sessions(include_archived=True, archived_only=True)) == ["a"]


def test_delete_session_removes_session_and_every_branch(store: Store) -> None:
    """Deleting takes the session and all its messages, branches included; others stay."""
    keep, doomed = titled(store, "keep", "doomed")
    user = store.add_user_message(doomed.id, None, "root")
    first = store.start_assistant(doomed.id, user.id, FAST)
    store.finish_assistant(first.id, MessageStatus.COMPLETE, "one")
    second = store.start_assistant(doomed.id, user.id, FAST)  # a regenerated branch
    store.add_user_message(doomed.id, second.id, "deeper")
    store.add_user_message(keep.id, None, "kept prompt")

    assert store.delete_session(doomed.id) is True
    assert store.get_session(doomed.id) is None
    assert store.messages(doomed.id) == []
    assert [m.content for m in store.messages(keep.id)] == ["kept prompt"]
    assert names(store.list_sessions(include_archived=True)) == ["keep"]
    assert store.delete_session(doomed.id) is False
    assert store.delete_session("no-such-id") is False


def test_delete_session_is_all_or_nothing(store: Store) -> None:
    """If anything stops the delete, neither the session nor any message is removed."""
    session = store.create_session("s")
    user = store.add_user_message(session.id, None, "prompt")
    other = store.create_session("other")
    # A message in another session hanging off this one's prompt blocks deleting it
    # (parent_id is a foreign key); the whole delete must roll back.
    store.add_user_message(other.id, user.id, "cross-session child")
    with pytest.raises(sqlite3.IntegrityError):
        store.delete_session(session.id)
    assert store.get_session(session.id) is not None
    assert [m.id for m in store.messages(session.id)] == [user.id]
    assert not store.conn.in_transaction


def test_filter_text_matches_titles_case_insensitively(store: Store) -> None:
    """filter_text keeps titles containing it, in any case and script, newest first."""
    titled(
        store, "Dropout ideas", "Blog: routing post", "dropout again", "Café notes", "100% done_now"
    )
    assert names(store.list_sessions(filter_text="DROPOUT")) == ["dropout again", "Dropout ideas"]
    assert names(store.list_sessions(filter_text="café")) == ["Café notes"]
    assert names(store.list_sessions(filter_text="CAFÉ")) == ["Café notes"]
    assert names(store.list_sessions(filter_text="%")) == ["100% done_now"]
    assert names(store.list_sessions(filter_text="_")) == ["100% done_now"]
    assert store.list_sessions(filter_text="nothing like it") == []
    assert len(store.list_sessions(filter_text="  ")) == 5
    assert len(store.list_sessions(filter_text=None)) == 5


def test_filter_combines_with_archive_and_limit(store: Store) -> None:
    """The filter applies within the chosen archive view, and limit counts filtered rows."""
    a, b, c, d = titled(store, "topic one", "topic two", "other", "topic three")
    store.archive_session(b.id)
    assert names(store.list_sessions(filter_text="topic")) == ["topic three", "topic one"]
    assert names(store.list_sessions(filter_text="topic", limit=1)) == ["topic three"]
    assert names(store.list_sessions(filter_text="topic", archived_only=True)) == ["topic two"]
    assert names(store.list_sessions(filter_text="topic", include_archived=True)) == [
        "topic three",
        "topic two",
        "topic one",
    ]


def test_list_sessions_keeps_its_positional_signature(store: Store) -> None:
    """Existing callers pass (include_archived, limit) positionally; that still works."""
    titled(store, "a", "b", "c")
    assert names(store.list_sessions(False, 2)) == ["c", "b"]
