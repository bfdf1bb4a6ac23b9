"""Attachments in SQLite: stored with the prompt in one write, content once by hash, found by
search, and gone with their session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.attachments import Attachment
from storage import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "aha.db")
    yield store
    store.close()


PAPER = Attachment(
    "paper.pdf", "pdf", "[page 1]\nSparse mixtures of experts route tokens.", "1 page"
)
LOG = Attachment("train.log", "text", "step 300: loss 9.1\n")


def test_attachments_keep_their_order_and_content_is_stored_once(store: Store) -> None:
    session = store.create_session()
    first = store.add_user_message(session.id, None, "Summarise both.", [PAPER, LOG])
    again = store.add_user_message(session.id, first.id, "Only the paper.", [PAPER])
    assert first.content == "Summarise both."  # the prompt as typed
    assert [a.name for a in store.attachments_of(first.id)] == ["paper.pdf", "train.log"]
    (stored,) = store.attachments_of(again.id)
    assert (stored.kind, stored.note, stored.text) == ("pdf", "1 page", PAPER.text)
    assert stored.tokens == PAPER.tokens
    assert store.attachment_count() == (3, 2)
    both = store.attachments_for([first.id, again.id])
    assert [len(both[first.id]), len(both[again.id])] == [2, 1]


def test_search_finds_a_prompt_by_what_its_file_says(store: Store) -> None:
    session = store.create_session()
    prompt = store.add_user_message(session.id, None, "What is this about?", [PAPER])
    (hit,) = store.search("mixtures experts")
    assert (hit.message_id, hit.attachment, hit.role) == (prompt.id, "paper.pdf", "user")
    assert hit.plain_snippet().startswith("paper.pdf: ")
    # A prompt whose own words match is one hit, not two.
    store.add_user_message(session.id, prompt.id, "experts again", [PAPER])
    assert len(store.search("experts")) == 2


def test_deleting_a_session_takes_its_attachments_and_unused_content(store: Store) -> None:
    keep, drop = store.create_session(), store.create_session()
    store.add_user_message(keep.id, None, "a", [LOG])
    store.add_user_message(drop.id, None, "b", [LOG, PAPER])
    assert store.delete_session(drop.id)
    assert store.attachment_count() == (1, 1)  # the log is still used; the paper is gone
    assert store.search("mixtures") == []


def test_recent_attachments_are_one_per_content_newest_first(store: Store) -> None:
    session = store.create_session()
    first = store.add_user_message(session.id, None, "a", [PAPER, LOG])
    store.add_user_message(session.id, first.id, "b", [PAPER])
    assert [a.name for a in store.recent_attachments()] == ["paper.pdf", "train.log"]
    stored = store.attachment_by_hash(store.recent_attachments()[1].hash)
    assert stored is not None and stored.text == LOG.text
    assert store.attachment_by_hash("0" * 64) is None


def test_a_fork_keeps_the_attachments_on_the_same_stored_content(store: Store) -> None:
    session = store.create_session()
    prompt = store.add_user_message(session.id, None, "Summarise.", [PAPER])
    fork = store.fork_session(prompt.id)
    (copy,) = store.active_thread(fork.id)
    assert [a.name for a in store.attachments_of(copy.id)] == ["paper.pdf"]
    assert store.attachment_count() == (2, 1)
