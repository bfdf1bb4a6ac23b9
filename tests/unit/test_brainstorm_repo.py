"""Board operations on a real SQLite file: rate, keep, drop, merge, reorder, tag; all of it
survives reopening the database, nothing is ever deleted, and ideas are searchable."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import Store
from storage.brainstorm_models import IdeaStatus
from storage.brainstorm_repo import BrainstormError


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "aha.db"


def _board(store: Store) -> tuple[str, list[str]]:
    brainstorm = store.create_brainstorm("Detect label noise in a small image dataset")
    answer_id = "answer-1"
    ideas = store.add_ideas(
        brainstorm.session_id,
        answer_id,
        [("Confident learning", ""), ("Co-teaching", "two nets"), ("Mixup", ""), ("Audit", "")],
    )
    return brainstorm.session_id, [i.id for i in ideas]


def test_create_brainstorm_makes_a_titled_session(db_path: Path) -> None:
    store = Store.open(db_path)
    brainstorm = store.create_brainstorm("  Detect label noise  ")
    assert brainstorm.problem == "Detect label noise" and brainstorm.stage == "frame"
    session = store.get_session(brainstorm.session_id)
    assert session is not None and session.title == "Brainstorm: Detect label noise"
    assert [b.session_id for b in store.list_brainstorms()] == [brainstorm.session_id]
    assert store.find_brainstorms(brainstorm.session_id[:10])[0].problem == "Detect label noise"
    with pytest.raises(BrainstormError):
        store.create_brainstorm("   ")


def test_board_operations_persist(db_path: Path) -> None:
    store = Store.open(db_path)
    session_id, (a, b, c, d) = _board(store)
    store.rate_idea(a, impact=5, effort=2)
    store.rate_idea(b, impact=3, effort=None)
    store.set_idea_status(a, IdeaStatus.KEPT)
    store.set_idea_status(d, IdeaStatus.DROPPED)
    target = store.merge_idea(c, b)
    assert target.detail == "two nets\n+ Mixup"
    assert store.move_idea(b, -1) is True
    assert store.move_idea(b, -1) is False  # already first
    store.set_idea_tags(a, ["data", " data ", "cheap", ""])
    store.close()

    store = Store.open(db_path)
    ideas = store.list_ideas(session_id)
    assert [i.text for i in ideas] == ["Co-teaching", "Confident learning", "Mixup", "Audit"]
    by_id = {i.id: i for i in ideas}
    assert (by_id[a].impact, by_id[a].effort, by_id[a].score) == (5, 2, 3)
    assert (by_id[b].impact, by_id[b].effort, by_id[b].score) == (3, None, None)
    assert by_id[a].status is IdeaStatus.KEPT and by_id[a].tags == ("data", "cheap")
    assert by_id[c].status is IdeaStatus.MERGED and by_id[c].merged_into == b
    assert by_id[d].status is IdeaStatus.DROPPED
    assert [i.id for i in store.list_ideas(session_id, [IdeaStatus.KEPT])] == [a]
    assert all(i.source_message_id == "answer-1" for i in ideas)


def test_status_changes_undo_and_merge_rules(db_path: Path) -> None:
    store = Store.open(db_path)
    _, (a, b, c, _) = _board(store)
    store.merge_idea(a, b)
    store.merge_idea(b, c)  # a followed b into c
    assert store.get_idea(a).merged_into == c  # type: ignore[union-attr]
    renewed = store.set_idea_status(b, IdeaStatus.NEW)
    assert renewed.status is IdeaStatus.NEW and renewed.merged_into is None
    with pytest.raises(BrainstormError):
        store.merge_idea(c, c)
    store.set_idea_status(c, IdeaStatus.DROPPED)
    with pytest.raises(BrainstormError, match="dropped"):
        store.merge_idea(b, c)
    with pytest.raises(BrainstormError):
        store.rate_idea(b, impact=6, effort=1)
    with pytest.raises(BrainstormError):
        store.set_idea_status(b, IdeaStatus.MERGED)


def test_reorder_moves_one_idea_and_keeps_the_others_in_order(db_path: Path) -> None:
    store = Store.open(db_path)
    session_id, (a, b, c, d) = _board(store)
    assert store.move_idea(a, 2)
    assert [i.id for i in store.list_ideas(session_id)] == [b, c, a, d]
    assert store.move_idea(d, -3)
    assert [i.id for i in store.list_ideas(session_id)] == [d, b, c, a]
    assert not store.move_idea(a, 1)
    more = store.add_ideas(session_id, None, [("Later idea", "")])
    assert store.list_ideas(session_id)[-1].id == more[0].id


def test_ideas_are_searchable_and_follow_edits(db_path: Path) -> None:
    store = Store.open(db_path)
    _, (a, b, _, _) = _board(store)
    assert [i.id for i in store.search_ideas("confid")] == [a]
    store.set_idea_tags(b, ["ensembles"])
    assert [i.id for i in store.search_ideas("ensembles")] == [b]
    store.set_idea_tags(b, [])
    assert store.search_ideas("ensembles") == []
    assert store.search_ideas("two nets")[0].id == b  # detail is indexed too


def test_steps_record_which_prompt_ran_which_stage(db_path: Path) -> None:
    store = Store.open(db_path)
    session_id = store.create_brainstorm("Problem").session_id
    prompt = store.add_user_message(session_id, None, "frame it")
    store.add_step(session_id, "frame", prompt.id)
    assert store.get_brainstorm(session_id).stage == "frame"  # type: ignore[union-attr]
    assert store.stage_of_prompt(prompt.id) == "frame"
    assert store.stage_of_prompt("other") is None
    assert [s.prompt_id for s in store.list_steps(session_id)] == [prompt.id]


def test_deleting_the_session_deletes_its_brainstorm(db_path: Path) -> None:
    store = Store.open(db_path)
    session_id, _ = _board(store)
    prompt = store.add_user_message(session_id, None, "frame it")
    store.add_step(session_id, "frame", prompt.id)
    assert store.delete_session(session_id)
    assert store.get_brainstorm(session_id) is None
    assert store.list_ideas(session_id) == [] and store.search_ideas("mixup") == []
