"""Drafts storage: m006, versions only on change, restore as a new version, critiques, search."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Store
from storage.db import wrap
from storage.drafts_models import count_words
from storage.drafts_repo import title_from_body
from storage.migrations import migrations

POST = "# Why routers matter\n\nRouting sends easy prompts to a small model.\n\n## Costs\n\nLess.\n"


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(":memory:")
    yield store
    store.close()


# Drafts and versions --------------------------------------------------------------------------


def test_create_with_body_stores_first_version_and_title_from_heading(store: Store) -> None:
    draft = store.create_draft(body=POST, tags=["ml", " ml", "", "routing"], description="d")
    assert draft.title == "Why routers matter"
    assert draft.tags == ("ml", "routing")
    assert draft.words == count_words(POST) == 13
    [version] = store.list_versions(draft.id)
    assert (version.id, version.body, version.note) == (draft.current_version_id, POST, "created")
    assert store.get_draft(draft.id) == draft


def test_create_empty_has_no_version(store: Store) -> None:
    draft = store.create_draft("Untitled idea")
    assert draft.title == "Untitled idea" and draft.body == ""
    assert draft.current_version_id is None
    assert store.list_versions(draft.id) == []
    assert store.save_draft(draft.id, "") is None  # still nothing to version
    assert store.list_versions(draft.id) == []


def test_save_versions_only_when_text_changed(store: Store) -> None:
    draft = store.create_draft(body=POST)
    assert store.save_draft(draft.id, POST) is None
    assert store.get_draft(draft.id).updated_at == draft.updated_at  # type: ignore[union-attr]
    edited = POST + "\nMore text here.\n"
    version = store.save_draft(draft.id, edited)
    assert version is not None and version.body == edited and version.note == "autosave"
    assert store.save_draft(draft.id, edited) is None
    versions = store.list_versions(draft.id)
    assert [v.body for v in versions] == [edited, POST]  # newest first
    current = store.get_draft(draft.id)
    assert current is not None
    assert (current.body, current.current_version_id) == (edited, version.id)
    assert current.words == count_words(edited)
    assert store.get_version(version.id) == version


def test_title_follows_heading_unless_given(store: Store) -> None:
    draft = store.create_draft("Kept title")
    store.save_draft(draft.id, "no heading yet")
    assert store.get_draft(draft.id).title == "Kept title"  # type: ignore[union-attr]
    store.save_draft(draft.id, "# New name\n\ntext")
    assert store.get_draft(draft.id).title == "New name"  # type: ignore[union-attr]
    assert store.save_draft(draft.id, "# New name\n\ntext", title="Explicit") is None
    assert store.get_draft(draft.id).title == "Explicit"  # type: ignore[union-attr]


def test_title_from_body_skips_code_and_lower_levels() -> None:
    body = "## Sub\n\n```sh\n# not a title\n```\n\n#  Real   title  ##\n"
    assert title_from_body(body) == "Real title"
    assert title_from_body("#hashtag\n") == ""
    assert title_from_body("~~~\n# in tilde fence\n~~~\n") == ""


def test_restore_makes_a_new_version(store: Store) -> None:
    draft = store.create_draft(body="# One\n\nfirst")
    first = store.list_versions(draft.id)[0]
    store.save_draft(draft.id, "# Two\n\nsecond")
    restored = store.restore_version(draft.id, first.id)
    assert restored.id != first.id and restored.body == first.body
    assert restored.note == f"restored from {first.created_at}"
    assert [v.body for v in store.list_versions(draft.id)] == [
        "# One\n\nfirst",
        "# Two\n\nsecond",
        "# One\n\nfirst",
    ]
    current = store.get_draft(draft.id)
    assert current is not None
    assert (current.body, current.title, current.current_version_id) == (
        first.body,
        "One",
        restored.id,
    )


def test_restore_refuses_another_drafts_version(store: Store) -> None:
    a = store.create_draft(body="a text")
    b = store.create_draft(body="b text")
    with pytest.raises(KeyError):
        store.restore_version(a.id, b.current_version_id)  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        store.save_draft("missing", "text")


def test_list_drafts_most_recently_edited_first(store: Store) -> None:
    a = store.create_draft("A")
    b = store.create_draft("B")
    assert [d.id for d in store.list_drafts()] == [b.id, a.id]
    time.sleep(0.003)  # timestamps have millisecond resolution
    store.save_draft(a.id, "edited")
    assert [d.id for d in store.list_drafts()] == [a.id, b.id]
    time.sleep(0.003)
    store.update_draft_meta(b.id, tags=["x"])
    assert [d.id for d in store.list_drafts()] == [b.id, a.id]


def test_update_meta_changes_only_what_is_given(store: Store) -> None:
    draft = store.create_draft("T", "body", tags=["a"], description="old")
    store.update_draft_meta(draft.id, description='say "hi"')
    got = store.get_draft(draft.id)
    assert got is not None
    assert (got.title, got.tags, got.description) == ("T", ("a",), 'say "hi"')
    store.update_draft_meta(draft.id, title="  New   T ", tags=[])
    got = store.get_draft(draft.id)
    assert got is not None and (got.title, got.tags) == ("New T", ())
    assert len(store.list_versions(draft.id)) == 1  # metadata makes no version


def test_delete_removes_versions_critiques_and_index(store: Store) -> None:
    draft = store.create_draft(body="# Zebra\n\nstripes everywhere")
    store.save_draft(draft.id, "# Zebra\n\nstripes everywhere, again")
    store.add_critique(draft.id, draft.current_version_id, route="deep", model="m")
    assert store.search("stripes")
    store.delete_draft(draft.id)
    assert store.get_draft(draft.id) is None
    assert store.list_versions(draft.id) == []
    assert store.list_critiques(draft.id) == []
    assert store.search("stripes") == []


def test_a_failed_write_leaves_draft_and_versions_unchanged(store: Store) -> None:
    """The body and its version are written together: when the version insert fails, the
    draft keeps its old text."""
    draft = store.create_draft(body="old text")
    store.conn.execute(
        "CREATE TEMP TRIGGER boom BEFORE INSERT ON draft_versions"
        " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        store.save_draft(draft.id, "new text")
    assert store.get_draft(draft.id) == draft
    assert len(store.list_versions(draft.id)) == 1


# Critiques --------------------------------------------------------------------------------------


def test_critique_lifecycle(store: Store) -> None:
    draft = store.create_draft(body="text")
    critique = store.add_critique(draft.id, draft.current_version_id, route="deep", model="big")
    assert (critique.status, critique.content, critique.version_id) == (
        "streaming",
        "",
        draft.current_version_id,
    )
    store.update_critique(critique.id, content="partial", status="streaming")
    store.update_critique(critique.id, content="All good.", status="done")
    second = store.add_critique(draft.id, None, route="deep", model="big")
    store.update_critique(second.id, content="cut", status="failed", error="server went away")
    listed = store.list_critiques(draft.id)
    assert [c.id for c in listed] == [second.id, critique.id]
    assert (listed[1].content, listed[1].status) == ("All good.", "done")
    assert (listed[0].status, listed[0].error) == ("failed", "server went away")
    with pytest.raises(ValueError):
        store.update_critique(critique.id, content="x", status="bogus")
    with pytest.raises(KeyError):
        store.add_critique("missing", None, route="deep", model="m")


def test_recover_critiques_marks_only_stale_streaming_rows(store: Store) -> None:
    draft = store.create_draft(body="text")
    stale = store.add_critique(draft.id, None, route="deep", model="m")
    store.update_critique(stale.id, content="partial thesis", status="streaming")
    fresh = store.add_critique(draft.id, None, route="deep", model="m")
    done = store.add_critique(draft.id, None, route="deep", model="m")
    store.update_critique(done.id, content="full", status="done")
    old = "2000-01-01T00:00:00.000Z"
    store.conn.execute("UPDATE draft_critiques SET updated_at = ? WHERE id IN (?, ?)",
                       (old, stale.id, done.id))  # fmt: skip
    assert store.recover_critiques() == 1
    got = {c.id: c for c in store.list_critiques(draft.id)}
    assert (got[stale.id].status, got[stale.id].content) == ("failed", "partial thesis")
    assert "interrupted" in (got[stale.id].error or "")
    assert got[fresh.id].status == "streaming" and got[done.id].status == "done"
    assert store.recover_critiques() == 0


# Search -----------------------------------------------------------------------------------------


def test_drafts_are_searched_with_messages(store: Store) -> None:
    session = store.create_session()
    message = store.add_user_message(session.id, None, "what is a lighthouse keeper")
    draft = store.create_draft(body="# Lighthouses\n\nA lighthouse keeper's week.")
    hits = store.search("lighthouse")
    assert {h.kind for h in hits} == {"message", "draft"}
    [draft_hit] = [h for h in hits if h.kind == "draft"]
    assert (draft_hit.draft_id, draft_hit.session_title, draft_hit.role) == (
        draft.id,
        "Lighthouses",
        "draft",
    )
    assert "\ue000lighthouse\ue001" in draft_hit.snippet.lower()
    [message_hit] = [h for h in hits if h.kind == "message"]
    assert (message_hit.message_id, message_hit.draft_id) == (message.id, None)
    assert store.search("lighthouse", limit=1) and len(store.search("lighthouse", limit=1)) == 1
    # The index follows edits: old words leave it, new ones arrive.
    store.save_draft(draft.id, "# Harbours\n\nAbout cranes.")
    assert [h.kind for h in store.search("lighthouse")] == ["message"]
    assert [h.draft_id for h in store.search("cranes")] == [draft.id]
    assert [h.draft_id for h in store.search("harbo")] == [draft.id]  # title, as a prefix
    # Metadata-only updates leave the index alone and keep it consistent.
    store.update_draft_meta(draft.id, title="Docks")
    assert [h.draft_id for h in store.search("docks")] == [draft.id]
    assert store.search("harbours") == [] or store.search("harbours")[0].draft_id == draft.id


def test_fts_integrity_after_many_edits(store: Store) -> None:
    draft = store.create_draft(body="alpha")
    for word in ("beta", "gamma", "delta"):
        store.save_draft(draft.id, f"# {word}\n\n{word} text")
    store.conn.execute("INSERT INTO drafts_fts (drafts_fts) VALUES ('integrity-check')")
    assert [h.draft_id for h in store.search("delta")] == [draft.id]
    assert store.search("beta") == []


# Migration --------------------------------------------------------------------------------------


def test_m006_upgrades_an_m005_database_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "aha.db"
    old = wrap(sqlite3.connect(path, isolation_level=None))
    migrations.apply(old, stop_before="m006_drafts")
    old.execute(
        "INSERT INTO sessions (id, title, created_at, updated_at, archived)"
        " VALUES ('s1', 'kept', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 0)"
    )
    assert "drafts" not in old.table_names()
    old.conn.close()
    store = Store.open(path)
    try:
        assert store.get_session("s1").title == "kept"  # type: ignore[union-attr]
        draft = store.create_draft(body="# After upgrade\n\nfine")
        assert store.list_drafts() == [draft]
        assert [h.draft_id for h in store.search("upgrade")] == [draft.id]
    finally:
        store.close()


def test_find_drafts_by_id_or_prefix(store: Store) -> None:
    a = store.create_draft("A")
    b = store.create_draft("B")
    assert store.find_drafts(a.id) == [a]
    common = 0
    while a.id[common] == b.id[common]:
        common += 1
    assert {d.id for d in store.find_drafts(a.id[:common])} == {a.id, b.id}
    assert store.find_drafts(a.id[: common + 1]) == [a]
    assert store.find_drafts(a.id.upper()[: common + 1]) == [a]
    assert store.find_drafts("zz") == [] and store.find_drafts("") == []
    assert store.find_drafts("%") == []


def test_a_few_drafts_are_not_crowded_out_by_many_messages(store: Store) -> None:
    """bm25 over a one-draft table scores near zero; the draft still makes the cut."""
    session = store.create_session()
    parent = None
    for n in range(160):  # "router" in 60 of them: common enough to score, rare enough to rank
        text = f"router question {n}" if n < 60 else f"other question {n}"
        parent = store.add_user_message(session.id, parent, text).id
    draft = store.create_draft(body="# Routers\n\nA router post.")
    hits = store.search("router", limit=50)
    assert len(hits) == 50
    assert [h.draft_id for h in hits if h.kind == "draft"] == [draft.id]
    assert len(store.search("router", limit=1)) == 1


def test_autosaves_minutes_apart_are_one_version_and_other_saves_cut_one(store: Store) -> None:
    draft = store.create_draft(body=POST)
    first = store.save_draft(draft.id, POST + "a\n")
    second = store.save_draft(draft.id, POST + "ab\n")
    assert first is not None and second is not None and second.id == first.id
    versions = store.list_versions(draft.id)
    assert [v.body for v in versions] == [POST + "ab\n", POST]  # one autosave version, newest text
    current = store.get_draft(draft.id)
    assert current is not None and current.body == POST + "ab\n"  # written at once all the same
    # Anything but an autosave cuts a version, and the next autosave starts another.
    edited = store.save_draft(draft.id, POST + "abc\n", note="from $EDITOR")
    after = store.save_draft(draft.id, POST + "abcd\n")
    assert edited is not None and after is not None and len({first.id, edited.id, after.id}) == 3


def test_an_old_or_critiqued_autosave_is_never_folded_into(store: Store) -> None:
    draft = store.create_draft(body=POST)
    old = store.save_draft(draft.id, POST + "1\n")
    assert old is not None
    store.conn.execute(
        "UPDATE draft_versions SET created_at = '2020-01-01T00:00:00.000Z' WHERE id = ?", (old.id,)
    )
    later = store.save_draft(draft.id, POST + "2\n")
    assert later is not None and later.id != old.id  # the 5 minutes are up
    store.seal_version(later.id)  # a critique is about to judge it
    sealed = store.get_version(later.id)
    assert sealed is not None and sealed.body == POST + "2\n" and sealed.note != "autosave"
    fresh = store.save_draft(draft.id, POST + "3\n")
    assert fresh is not None and fresh.id != later.id
    store.add_critique(draft.id, fresh.id, route="fast", model="smol")
    judged = store.save_draft(draft.id, POST + "4\n")
    assert judged is not None and judged.id != fresh.id
    kept = store.get_version(fresh.id)
    assert kept is not None and kept.body == POST + "3\n"  # the text the critique read
