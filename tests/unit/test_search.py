"""Full-text search: the m003 index, its triggers, ranking, snippets and free-text queries."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import MessageStatus, Store
from storage.migrations import migrations
from storage.repository import RouteRecord
from storage.search_repo import MARK_CLOSE, MARK_OPEN, SearchHit, match_expression

FAST = RouteRecord(route="fast", model="smol")


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(":memory:")
    yield store
    store.close()


def indexed(store: Store) -> dict[str, set[str]]:
    """What the FTS index holds, per message id: read straight from the index (fts5vocab),
    not from the content table, so a stale or missing entry shows."""
    store.conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms"
        " USING fts5vocab(main, messages_fts, 'instance')"
    )
    out: dict[str, set[str]] = {}
    for message_id, term in store.conn.execute(
        "SELECT m.id, v.term FROM temp.fts_terms v JOIN messages m ON m.rowid = v.doc"
    ):
        out.setdefault(message_id, set()).add(term)
    return out


def words(text: str) -> set[str]:
    """The tokens unicode61 makes of plain ASCII text."""
    return {w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)}


def assert_index_matches_content(store: Store) -> None:
    """Every user/assistant message is indexed with exactly the words of its content."""
    expected = {
        row[0]: words(row[1])
        for row in store.conn.execute(
            "SELECT id, content FROM messages WHERE role IN ('user', 'assistant')"
        )
    }
    actual = indexed(store)
    assert {k: v for k, v in expected.items() if v} == actual


def turn(
    store: Store, session_id: str, parent: str | None, prompt: str, answer: str, reasoning: str = ""
) -> tuple[str, str]:
    user = store.add_user_message(session_id, parent, prompt)
    assistant = store.start_assistant(session_id, user.id, FAST)
    store.finish_assistant(assistant.id, MessageStatus.COMPLETE, answer, reasoning=reasoning)
    return user.id, assistant.id


def ids(hits: list[SearchHit]) -> list[str]:
    return [h.message_id for h in hits]


# Keeping the index in step --------------------------------------------------------------------


def test_insert_indexes_prompts_and_answers(store: Store) -> None:
    """A new prompt and a new answer are searchable at once, with their session and role."""
    session = store.create_session()
    user_id, answer_id = turn(
        store,
        session.id,
        None,
        "Why does dropout help?",
        "Dropout averages an ensemble of thinned networks.",
    )
    [hit] = store.search("dropout help")
    assert (hit.message_id, hit.role, hit.session_id) == (user_id, "user", session.id)
    assert hit.session_title == "Why does dropout help?"
    assert ids(store.search("ensemble")) == [answer_id]
    assert_index_matches_content(store)


def test_streaming_flushes_and_finish_keep_the_index_current(store: Store) -> None:
    """save_progress and finish_assistant replace the indexed words: old partial text is no
    longer found, the final text is, and a flush with unchanged content changes nothing."""
    session = store.create_session()
    user = store.add_user_message(session.id, None, "tell me about curricula")
    answer = store.start_assistant(session.id, user.id, FAST)
    store.save_progress(answer.id, "Curriculum learning orders", "")
    assert ids(store.search("orders")) == [answer.id]
    assert_index_matches_content(store)

    store.save_progress(answer.id, "Curriculum learning sorts examples", "")
    assert store.search("orders") == []
    assert ids(store.search("sorts examples")) == [answer.id]
    store.save_progress(answer.id, "Curriculum learning sorts examples", "thinking harder")
    assert_index_matches_content(store)

    store.finish_assistant(answer.id, MessageStatus.COMPLETE, "Curriculum learning: easy first.")
    assert store.search("sorts") == []
    assert ids(store.search("easy first")) == [answer.id]
    assert_index_matches_content(store)


def test_update_trigger_skips_unchanged_content(store: Store) -> None:
    """An update that leaves content as it was writes nothing to the index (the streaming
    path flushes every 0.5 s; a status-only or reasoning-only change must stay cheap)."""
    session = store.create_session()
    _, answer_id = turn(store, session.id, None, "q", "stable answer text")
    changes = store.conn.total_changes
    store.conn.execute(
        "UPDATE messages SET content = content, reasoning = 'more', status = 'complete'"
        " WHERE id = ?",
        (answer_id,),
    )
    # Exactly the one messages row changed: no trigger statement wrote to the index.
    assert store.conn.total_changes - changes == 1
    store.conn.execute("UPDATE messages SET content = 'new words' WHERE id = ?", (answer_id,))
    assert store.conn.total_changes - changes > 2
    assert_index_matches_content(store)


def test_delete_session_removes_its_messages_from_the_index(store: Store) -> None:
    """Deleting a session takes its messages out of search; other sessions stay found."""
    kept, gone = store.create_session(), store.create_session()
    turn(store, kept.id, None, "gradient clipping", "clip the norm")
    turn(store, gone.id, None, "gradient noise", "add noise")
    assert len(store.search("gradient")) == 2
    assert store.delete_session(gone.id)
    assert [h.session_id for h in store.search("gradient")] == [kept.id]
    assert store.search("noise") == []
    assert_index_matches_content(store)


def test_forked_messages_are_indexed(store: Store) -> None:
    """Copies made by fork_session are searchable in the new session too."""
    session = store.create_session()
    _, answer_id = turn(store, session.id, None, "sparse attention", "use local windows")
    fork = store.fork_session(answer_id)
    assert {h.session_id for h in store.search("windows")} == {session.id, fork.id}
    assert_index_matches_content(store)


def test_reasoning_is_not_searchable(store: Store) -> None:
    """Words that appear only in a model's reasoning are never hits."""
    session = store.create_session()
    turn(store, session.id, None, "hello", "hi there", reasoning="zebra quagga okapi")
    assert store.search("zebra") == []
    assert store.search("quagga okapi") == []


def test_other_roles_stay_out_of_the_index(store: Store) -> None:
    """Only prompts and answers are indexed; a system row (none exist yet) would not be."""
    session = store.create_session()
    store.conn.execute(
        "INSERT INTO messages (id, session_id, role, content, status, created_at, updated_at)"
        " VALUES ('sys1', ?, 'system', 'hidden instructions', 'complete', 'x', 'x')",
        (session.id,),
    )
    assert store.search("instructions") == []
    store.conn.execute("UPDATE messages SET content = 'other hidden text' WHERE id = 'sys1'")
    store.conn.execute("DELETE FROM messages WHERE id = 'sys1'")
    assert store.search("hidden") == []
    assert_index_matches_content(store)


def test_rebuild_restores_a_lost_index(store: Store) -> None:
    """rebuild_search_index refills the index from the messages table."""
    session = store.create_session()
    turn(store, session.id, None, "lost words", "found again")
    store.conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')")
    assert store.search("found") == []
    store.rebuild_search_index()
    assert len(store.search("found again")) == 1
    assert_index_matches_content(store)


# Ranking and snippets -------------------------------------------------------------------------


def test_more_mentions_rank_higher(store: Store) -> None:
    """A message saying the term three times ranks above one saying it once (bm25)."""
    session = store.create_session()
    once, _ = turn(store, session.id, None, "batchnorm once, then other words here", "ok")
    thrice, _ = turn(store, session.id, None, "batchnorm batchnorm and batchnorm again", "ok")
    for i in range(5):  # documents without the term give it a positive idf
        turn(store, session.id, None, f"filler text number {i}", "fine")
    hits = store.search("batchnorm")
    assert ids(hits) == [thrice, once]
    assert hits[0].rank < hits[1].rank


def test_equal_ranks_put_newest_first(store: Store) -> None:
    """Identical texts tie on bm25; the newer message comes first."""
    session = store.create_session()
    older, _ = turn(store, session.id, None, "same words exactly", "a")
    time.sleep(0.005)  # created_at has millisecond resolution
    newer, _ = turn(store, session.id, None, "same words exactly", "b")
    assert ids(store.search("same words")) == [newer, older]


def test_snippet_marks_hits_and_cuts_long_text(store: Store) -> None:
    """The snippet brackets each hit and elides the rest of a long message with …."""
    session = store.create_session()
    long_text = " ".join(["filler"] * 40 + ["tokenizer"] + ["padding"] * 40)
    turn(store, session.id, None, long_text, "ok")
    [hit] = store.search("tokenizer")
    assert "[tokenizer]" in hit.plain_snippet()
    assert MARK_OPEN + "tokenizer" + MARK_CLOSE in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet.split()) <= 14


def test_limit_and_archived_filter(store: Store) -> None:
    """limit caps the hits; include_archived=False hides archived sessions' messages."""
    live, archived = store.create_session(), store.create_session()
    for i in range(3):
        turn(store, live.id, None, f"shared topic {i}", "x")
    turn(store, archived.id, None, "shared topic archived", "x")
    store.archive_session(archived.id)
    assert len(store.search("shared", limit=2)) == 2
    assert len(store.search("shared")) == 4
    assert archived.id not in {h.session_id for h in store.search("shared", include_archived=False)}
    assert store.search("shared", limit=0) == []


# Free-text queries ----------------------------------------------------------------------------


def test_prefix_of_the_last_word_matches(store: Store) -> None:
    """Search as you type: every prefix of 'transformer' finds it."""
    session = store.create_session()
    user_id, _ = turn(store, session.id, None, "the transformer experiments", "ok")
    for typed in ("tr", "transf", "transformer", "the transf", "transformer experim"):
        assert ids(store.search(typed)) == [user_id], typed


def test_only_the_last_word_is_a_prefix(store: Store) -> None:
    """Earlier words match whole; a phrase in closed quotes matches exactly."""
    session = store.create_session()
    turn(store, session.id, None, "transformer experiments", "ok")
    assert store.search("transf experiments") == []
    assert store.search('"transformer exp"') == []
    assert len(store.search('"transformer exp')) == 1  # still typing the phrase
    assert len(store.search('"transformer experiments"')) == 1
    assert len(store.search("transf* experiments")) == 1  # an explicit *


def test_diacritics_and_case_fold(store: Store) -> None:
    """'cafe' finds 'Café' and the other way round."""
    session = store.create_session()
    user_id, _ = turn(store, session.id, None, "Meet at the Café, résumé in hand", "ok")
    assert ids(store.search("cafe resume")) == [user_id]
    assert ids(store.search("CAFÉ")) == [user_id]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"""',
        "AND OR",
        "AND",
        "NOT",
        "OR foo",
        "*",
        "**",
        "(",
        ")",
        "NEAR(",
        "NEAR(a b",
        "col:",
        "content:zebra",
        "^start",
        "a - b",
        "{a b}",
        "foo'",
        "'",
        "\\",
        "\x00",
        "\x1b[31m",
        "日本語",
        "naïve café",
        "🚀",
        "🚀 rocket",
        "x" * 5000,
        " ".join(["w"] * 500),
        "a + b",
        "-",
        ":",
        "...",
    ],
)
def test_hostile_queries_never_raise(store: Store, query: str) -> None:
    """No free text raises an FTS5 syntax error."""
    session = store.create_session()
    turn(store, session.id, None, "rocket start content zebra 日本語", "ok")
    assert isinstance(store.search(query), list)
    assert isinstance(store.search_like(query), list)


def test_operators_are_searched_as_words(store: Store) -> None:
    """AND/OR/NOT/NEAR in a query are words to find, not syntax."""
    session = store.create_session()
    user_id, _ = turn(store, session.id, None, "rock and roll or not", "ok")
    assert ids(store.search("and or not")) == [user_id]
    assert store.search("NEAR(rock roll)") == []  # no word "near" in the text
    assert ids(store.search("rock AND")) == [user_id]


def test_empty_and_unsearchable_queries_find_nothing(store: Store) -> None:
    """Blank queries, punctuation and emoji give no hits rather than every message."""
    session = store.create_session()
    turn(store, session.id, None, "anything at all", "ok")
    for query in ("", "   ", "\n\t", "🚀", "(", '"'):
        assert store.search(query) == []
        assert match_expression(query) is None


def test_match_expression_quotes_every_part() -> None:
    """The shape of the generated FTS5 query."""
    assert match_expression("transf") == '"transf"*'
    assert match_expression('a "b c" d') == '"a" "b c" "d"*'
    assert match_expression('a "b c"') == '"a" "b c"'
    assert match_expression('say "hi') == '"say" "hi"*'
    assert match_expression("col:x OR") == '"col:x" "OR"*'


def test_search_like_baseline_finds_substrings(store: Store) -> None:
    """The bench's LIKE baseline finds the same plain-word hits, newest first."""
    session = store.create_session()
    first, _ = turn(store, session.id, None, "gradient descent", "ok")
    time.sleep(0.005)
    second, _ = turn(store, session.id, None, "stochastic gradient", "ok")
    assert ids(store.search_like("gradient")) == [second, first]
    assert ids(store.search_like("GRADIENT descent")) == [first]
    assert store.search_like("100%") == []


# Upgrade --------------------------------------------------------------------------------------


def test_messages_written_before_m003_become_searchable(tmp_path: Path) -> None:
    """A database at m002 with a conversation in it is backfilled when m003 runs on open."""
    from sqlite_utils import Database

    path = tmp_path / "v2.db"
    old = Database(path)
    migrations.apply(old, stop_before="m003_search_index")
    assert "messages_fts" not in old.table_names()
    old.conn.executescript(
        """
        INSERT INTO sessions (id, title, created_at, updated_at, active_leaf_id, archived)
        VALUES ('s1', 'Old talk', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', 'a1', 0);
        INSERT INTO messages (id, session_id, parent_id, role, content, status, created_at, updated_at)
        VALUES ('u1', 's1', NULL, 'user', 'What is write-ahead logging?', 'complete',
                '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
        INSERT INTO messages (id, session_id, parent_id, role, content, reasoning, status,
                              route, model, created_at, updated_at)
        VALUES ('a1', 's1', 'u1', 'assistant', 'Changes go to a log before the pages.',
                'secretword', 'complete', 'fast', 'smol', '2026-01-01T00:00:01.000Z',
                '2026-01-01T00:00:01.000Z');
        """
    )
    old.conn.commit()
    old.close()

    store = Store.open(path)
    try:
        assert migrations.pending(store.db) == []
        [hit] = store.search("write-ahead")
        assert (hit.message_id, hit.session_title, hit.role) == ("u1", "Old talk", "user")
        assert hit.plain_snippet() == "What is [write-ahead] logging?"
        assert ids(store.search("pages")) == ["a1"]
        assert store.search("secretword") == []
        assert_index_matches_content(store)
        # Writes after the upgrade keep the index in step.
        store.finish_assistant("a1", MessageStatus.COMPLETE, "Rewritten answer")
        assert store.search("pages") == []
        assert ids(store.search("rewritten")) == ["a1"]
    finally:
        store.close()
