"""Feedback on routing: the m005 table, the bounded threshold calibration, and ChatService
recalibrating its router as soon as the user marks an answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.chat import ChatService
from app.config import Settings
from app.router import Router
from app.router.feedback import (
    DECAY,
    ESCALATED,
    MAX_SHIFT,
    OVERKILL,
    STEP,
    WINDOW,
    threshold_shift,
)
from storage import Message, MessageStatus, Store
from storage.migrations import migrations
from storage.repository import RouteRecord


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(":memory:")
    yield store
    store.close()


def _answer(
    store: Store, route: str, score: float = 0.8, reasons: tuple[str, ...] = ("because",)
) -> Message:
    session = store.create_session()
    user = store.add_user_message(session.id, None, "q")
    row = store.start_assistant(session.id, user.id, RouteRecord(route, "m", score, 0.5, reasons))
    return store.finish_assistant(row.id, MessageStatus.COMPLETE, "an answer")


# threshold_shift ----------------------------------------------------------------------------


def test_no_feedback_moves_nothing() -> None:
    shift, why = threshold_shift([])
    assert shift == 0.0 and "no feedback" in why
    assert threshold_shift(["something else"])[0] == 0.0


def test_one_mark_is_one_small_step_each_way() -> None:
    assert threshold_shift([ESCALATED])[0] == -STEP
    assert threshold_shift([OVERKILL])[0] == STEP


def test_escalations_lower_and_overkill_raises_monotonically() -> None:
    """Each added escalation never raises the threshold; each overkill mark never lowers it;
    turning any mark from overkill into an escalation never raises it."""
    marks: list[str] = []
    previous = 0.0
    for _ in range(150):
        marks.insert(0, ESCALATED)
        shift = threshold_shift(marks)[0]
        assert shift <= previous
        previous = shift
    marks, previous = [], 0.0
    for _ in range(150):
        marks.insert(0, OVERKILL)
        shift = threshold_shift(marks)[0]
        assert shift >= previous
        previous = shift
    mixed = [OVERKILL, ESCALATED, OVERKILL, OVERKILL, ESCALATED, OVERKILL]
    for i, kind in enumerate(mixed):
        if kind == OVERKILL:
            flipped = [*mixed[:i], ESCALATED, *mixed[i + 1 :]]
            assert threshold_shift(flipped)[0] < threshold_shift(mixed)[0]


def test_the_shift_is_bounded() -> None:
    assert threshold_shift([ESCALATED] * 1000)[0] == -MAX_SHIFT
    assert threshold_shift([OVERKILL] * 1000)[0] == MAX_SHIFT
    assert "limit" in threshold_shift([OVERKILL] * 1000)[1]


def test_recent_marks_weigh_more_and_old_ones_fall_out_of_the_window() -> None:
    # Newest first: a fresh overkill outweighs an older escalation.
    assert threshold_shift([OVERKILL, ESCALATED])[0] == pytest.approx(STEP * (1 - DECAY))
    assert threshold_shift([OVERKILL, ESCALATED])[0] > 0
    assert threshold_shift([ESCALATED, OVERKILL])[0] < 0
    window_only = threshold_shift([OVERKILL] * WINDOW)[0]
    assert threshold_shift([OVERKILL] * WINDOW + [ESCALATED] * 50)[0] == window_only


def test_explanation_counts_the_marks() -> None:
    _, why = threshold_shift([ESCALATED] * 4 + [OVERKILL])
    assert why == (
        "threshold moved \u22120.03 by your feedback: 4 escalations, 1 overkill mark (last 100)"
    )
    _, why = threshold_shift([OVERKILL, OVERKILL, ESCALATED])
    assert why.startswith("threshold moved +0.01 by your feedback: 1 escalation, 2 overkill marks")


# Storage: m005 --------------------------------------------------------------------------------


def test_m005_adds_route_feedback_and_m004_data_survives(tmp_path: Path) -> None:
    from sqlite_utils import Database

    path = tmp_path / "v4.db"
    old = Database(path)
    migrations.apply(old, stop_before="m005_route_feedback")
    assert "route_feedback" not in old.table_names()
    old.conn.executescript(
        """
        INSERT INTO sessions (id, title, created_at, updated_at, active_leaf_id, archived)
        VALUES ('s1', 'Old talk', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', 'a1', 0);
        INSERT INTO messages (id, session_id, parent_id, role, content, status, created_at, updated_at)
        VALUES ('u1', 's1', NULL, 'user', 'What is WAL?', 'complete',
                '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
        INSERT INTO messages (id, session_id, parent_id, role, content, status, route, model,
                              route_score, route_threshold, route_reasons, reasoning_tokens,
                              cost_usd, created_at, updated_at)
        VALUES ('a1', 's1', 'u1', 'assistant', 'Write-ahead logging.', 'complete', 'deep', 'big',
                0.7, 0.5, '["multi-step reasoning"]', 12, 0.002, '2026-01-01T00:00:01.000Z',
                '2026-01-01T00:00:01.000Z');
        INSERT INTO preferences (key, value, updated_at)
        VALUES ('deep_model', 'big', '2026-01-01T00:00:00.000Z');
        """
    )
    old.conn.commit()
    old.close()

    store = Store.open(path)
    try:
        assert migrations.pending(store.db) == []
        answer = store.get_message("a1")
        assert answer is not None and answer.content == "Write-ahead logging."
        assert (answer.reasoning_tokens, answer.cost_usd) == (12, 0.002)
        assert answer.route_reasons == ("multi-step reasoning",)
        assert store.get_preference("deep_model") == "big"
        assert store.recent_route_feedback() == []
        assert store.add_route_feedback("a1", OVERKILL, 0.7, 0.5) is True
        (mark,) = store.recent_route_feedback()
        assert (mark.message_id, mark.kind, mark.score, mark.threshold) == (
            "a1",
            OVERKILL,
            0.7,
            0.5,
        )
    finally:
        store.close()


def test_feedback_is_newest_first_once_per_answer_and_kind(store: Store) -> None:
    assert store.add_route_feedback("m1", ESCALATED, 0.3, 0.5)
    assert not store.add_route_feedback("m1", ESCALATED, 0.3, 0.5)  # pressed twice: once
    assert store.add_route_feedback("m2", OVERKILL, None, None)
    assert [m.message_id for m in store.recent_route_feedback()] == ["m2", "m1"]
    assert [m.kind for m in store.recent_route_feedback(limit=1)] == [OVERKILL]
    with pytest.raises(ValueError):
        store.add_route_feedback("m3", "meh", 0.1, 0.5)


# Router and ChatService -----------------------------------------------------------------------


def test_router_shift_moves_the_base_threshold_within_bounds() -> None:
    assert Router(threshold=0.5, shift=0.1).threshold == 0.6
    assert Router(threshold=0.5, shift=-0.1).threshold == 0.4
    assert Router(threshold=0.95, shift=0.15).threshold == 1.0
    router = Router(threshold=0.5)
    router.shift = 0.05
    assert router.threshold == 0.55 and router.base_threshold == 0.5


def test_overkill_marks_raise_the_services_threshold_at_once(store: Store) -> None:
    settings = Settings(router={"threshold": 0.5})
    service = ChatService(store, settings)
    assert service.router.threshold == 0.5
    thresholds = [service.router.threshold]
    for _ in range(5):
        assert service.mark_overkill(_answer(store, "deep").id) is None
        thresholds.append(service.router.threshold)
    assert thresholds == sorted(thresholds) and thresholds[-1] > 0.5
    assert service.router.base_threshold == 0.5
    # Read back when the next service starts (the next run of aha).
    assert ChatService(store, settings).router.threshold == thresholds[-1]


def test_escalations_lower_the_services_threshold(store: Store) -> None:
    service = ChatService(store, Settings(router={"threshold": 0.5}))
    for _ in range(3):
        assert service.record_feedback(_answer(store, "fast", score=0.3), ESCALATED)
    assert service.router.threshold < 0.5
    assert [m.score for m in store.recent_route_feedback()] == [0.3, 0.3, 0.3]


def test_only_a_complete_deep_answer_the_router_chose_can_be_overkill(store: Store) -> None:
    service = ChatService(store, Settings(router={"threshold": 0.5}))
    assert service.mark_overkill(_answer(store, "fast").id) is not None
    forced = _answer(store, "deep", reasons=("forced: deep", "because"))
    assert "asked to" in (service.mark_overkill(forced.id) or "")
    assert service.mark_overkill("missing") is not None
    assert store.recent_route_feedback() == [] and service.router.threshold == 0.5


def test_a_router_passed_in_is_used_as_given(store: Store) -> None:
    store.add_route_feedback("m1", OVERKILL, 0.8, 0.5)
    service = ChatService(store, Settings(), router=Router(threshold=0.5))
    assert service.router.threshold == 0.5
