"""Router budget and overrides: deep_share -> threshold, `/deep` and `/fast` prefixes, the
critique rule, and follow-ups inheriting the previous turn's difficulty."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest

from app.backend.engine import Availability
from app.backend.events import ChatMessage, Content, Done, StreamEvent
from app.backend.registry import Engines
from app.chat import ChatService
from app.config import RouterConfig, Settings
from app.router import Router
from app.router import model as router_model
from app.router.overrides import split_override
from app.router.scorer import (
    CRITIQUE_REASON,
    DEFAULT_THRESHOLD,
    FOLLOW_UP_CARRY,
    FOLLOW_UP_REASON,
)
from storage import Store

SHARES = [round(0.05 * i, 2) for i in range(1, 20)]


def _weights_with(tmp_path: Path, calibration: object) -> Path:
    obj = json.loads(router_model.WEIGHTS_PATH.read_text(encoding="utf-8"))
    obj["calibration"] = calibration
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


# Budget: deep_share -> threshold ------------------------------------------------------------


def test_committed_weights_carry_a_calibration_table() -> None:
    table = router_model.get_model().calibration
    assert [s for s, _ in table] == SHARES
    thresholds = [t for _, t in table]
    assert all(0.0 <= t <= 1.0 for t in thresholds)
    assert thresholds[0] > thresholds[-1]


def test_bigger_share_means_lower_threshold() -> None:
    thresholds = [Router(deep_share=s).threshold for s in [0.0, 0.01, *SHARES, 0.99, 1.0]]
    assert all(a >= b for a, b in zip(thresholds, thresholds[1:], strict=False))
    assert thresholds[0] == 1.0 and thresholds[-1] == 0.0
    assert Router(deep_share=0.1).threshold > Router(deep_share=0.3).threshold
    assert Router(deep_share=0.3).threshold > Router(deep_share=0.7).threshold


def test_threshold_interpolates_between_table_points(tmp_path: Path) -> None:
    path = _weights_with(tmp_path, {"deep_share": [0.2, 0.4], "threshold": [0.8, 0.4]})
    assert Router(weights=path, deep_share=0.2).threshold == pytest.approx(0.8)
    assert Router(weights=path, deep_share=0.3).threshold == pytest.approx(0.6)
    assert Router(weights=path, deep_share=0.1).threshold == pytest.approx(0.9)  # towards (0, 1)
    assert Router(weights=path, deep_share=0.7).threshold == pytest.approx(0.2)  # towards (1, 0)


def test_decision_reports_the_calibrated_threshold() -> None:
    router = Router(deep_share=0.3)
    decision = router.decide("hi")
    assert decision.threshold == router.threshold
    assert decision.threshold != DEFAULT_THRESHOLD


def test_explicit_threshold_wins_and_default_is_half() -> None:
    assert Router(threshold=0.42, deep_share=0.9).decide("hi").threshold == 0.42
    assert Router().threshold == DEFAULT_THRESHOLD
    with pytest.raises(ValueError):
        Router(deep_share=1.5)


@pytest.mark.parametrize(
    "calibration",
    [
        {"deep_share": [0.2, 0.4], "threshold": [0.4, 0.8]},  # threshold rises with share
        {"deep_share": [0.4, 0.2], "threshold": [0.8, 0.4]},
        {"deep_share": [0.2], "threshold": [0.8, 0.4]},
        {"deep_share": [1.2], "threshold": [0.8]},
        "not a table",
    ],
)
def test_malformed_calibration_falls_back_to_v0(tmp_path: Path, calibration: object) -> None:
    router = Router(weights=_weights_with(tmp_path, calibration), deep_share=0.3)
    assert router.model.source == "v0"
    assert router.threshold == DEFAULT_THRESHOLD  # v0 has no calibration


def test_config_threshold_is_explicit_only_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AHA_ROUTER__THRESHOLD", raising=False)
    assert RouterConfig().explicit_threshold is None
    assert RouterConfig().deep_share == 0.3
    assert RouterConfig(threshold=0.5).explicit_threshold == 0.5
    monkeypatch.setenv("AHA_ROUTER__THRESHOLD", "0.7")
    assert Settings().router.explicit_threshold == 0.7


# Prefixes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/deep why is the sky blue", ("deep", "why is the sky blue")),
        ("/DEEP why", ("deep", "why")),
        ("/Fast  hi\nthere", ("fast", "hi\nthere")),
        ("  /fast hi", ("fast", "hi")),
        ("/deepx why", (None, "/deepx why")),
        ("/deep:why", (None, "/deep:why")),
        ("why /deep", (None, "why /deep")),
        ("/deep", (None, "/deep")),
        ("/slow hi", (None, "/slow hi")),
    ],
)
def test_prefix_is_a_first_word_in_any_case(text: str, expected: tuple) -> None:
    assert split_override(text) == expected


class _Engine:
    model_label = "scripted"

    def __init__(self, seen: list[Sequence[ChatMessage]]) -> None:
        self.seen = seen

    async def check(self) -> Availability:
        return Availability(True, "scripted")

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[StreamEvent]:
        self.seen.append(list(messages))
        yield Content("Answer.")
        yield Done("stop")


class _Engines(Engines):
    seen: list[Sequence[ChatMessage]]

    def get(self, name: str) -> _Engine:  # type: ignore[override]
        return _Engine(self.seen)


@pytest.fixture
def service() -> Iterator[ChatService]:
    store = Store.open(":memory:")
    settings = Settings()
    engines = _Engines(settings)
    engines.seen = []
    yield ChatService(store, settings, engines=engines, router=Router())
    store.close()


async def test_prefix_forces_route_is_stored_as_typed_and_not_sent(service: ChatService) -> None:
    session = service.store.create_session()
    turn = await service.begin_turn(session.id, "/DEEP hi")
    assert turn.route == "deep" and turn.decision.forced
    assert turn.decision.reasons[0] == "forced: deep"
    assert turn.decision.score == Router().decide("hi").score  # the prefix is not scored
    assert turn.user.content == "/DEEP hi"
    async for _ in service.stream_turn(turn):
        pass
    sent = service.engines.seen[-1]  # type: ignore[attr-defined]
    assert sent[-1] == {"role": "user", "content": "hi"}

    hard = "Prove step by step that the square root of 2 is irrational, then compare two proofs"
    turn = await service.begin_turn(session.id, f"/fast {hard}")
    assert turn.route == "fast" and turn.decision.reasons[0] == "forced: fast"
    assert await service.begin_turn(session.id, "/deepx hi") is not None


# Critique rule ------------------------------------------------------------------------------


def test_critique_request_goes_deep_with_that_reason_first() -> None:
    router = Router(threshold=0.99)  # no score alone could send it deep
    d = router.decide("Critique my draft")
    assert d.route == "deep"
    assert d.reasons[0] == CRITIQUE_REASON
    assert d.score < 0.99  # the score is still the model's


@pytest.mark.parametrize("prompt", ["what is an essay?", "explain the structure of the argument"])
def test_critique_words_without_a_request_are_not_the_rule(prompt: str) -> None:
    d = Router(threshold=0.99).decide(prompt)
    assert d.route == "fast"
    assert CRITIQUE_REASON not in d.reasons


def test_forced_fast_beats_the_critique_rule() -> None:
    d = Router().decide("Critique my draft", force="fast")
    assert d.route == "fast" and d.reasons[0] == "forced: fast"


# Follow-ups ---------------------------------------------------------------------------------


def test_follow_up_to_a_hard_question_goes_deep_and_says_why() -> None:
    router = Router()
    own = router.decide("and why?")
    assert own.route == "fast"
    d = router.decide("and why?", previous_score=0.95)
    assert d.route == "deep"
    assert d.reasons[0] == FOLLOW_UP_REASON
    t = router.threshold
    assert d.score == pytest.approx(t + FOLLOW_UP_CARRY * (0.95 - t))


def test_follow_up_to_an_easy_question_keeps_its_own_score() -> None:
    router = Router()
    own = router.decide("and why?")
    d = router.decide("and why?", previous_score=0.05)
    assert (d.route, d.score, d.reasons) == (own.route, own.score, own.reasons)


def test_a_fast_turn_passes_nothing_on() -> None:
    router = Router(threshold=0.9)
    own = router.decide("and why?")
    d = router.decide("and why?", previous_score=0.6)
    assert (d.route, d.score) == ("fast", own.score)
    assert FOLLOW_UP_REASON not in d.reasons


def test_a_chain_of_follow_ups_closes_in_on_the_threshold() -> None:
    router = Router(threshold=0.6)
    score = 0.9
    for _ in range(4):
        d = router.decide("and why?", previous_score=score)
        assert d.route == "deep" and 0.6 <= d.score < score
        score = d.score


async def test_chat_passes_the_parent_answers_score(service: ChatService) -> None:
    session = service.store.create_session()
    hard = "Prove step by step that the square root of 2 is irrational, then compare two proofs"
    first = await service.begin_turn(session.id, hard)
    async for _ in service.stream_turn(first):
        pass
    assert first.route == "deep"
    follow = await service.begin_turn(session.id, "and why?")
    assert follow.route == "deep"
    assert follow.decision.reasons[0] == FOLLOW_UP_REASON
    stored = service.store.get_message(follow.assistant.id)
    assert stored is not None and stored.route_reasons[0] == FOLLOW_UP_REASON

    fresh = service.store.create_session()
    alone = await service.begin_turn(fresh.id, "and why?")
    assert alone.route == "fast"


# Drift report -------------------------------------------------------------------------------


@pytest.mark.parametrize(("deep", "drifted"), [(40, False), (41, True), (20, False), (19, True)])
def test_drift_is_more_than_ten_points(deep: int, drifted: bool) -> None:
    from app.commands.route import share_report

    scores = [(0.9, 0.5)] * deep + [(0.1, 0.5)] * (100 - deep)
    report = share_report(scores, 0.3)
    assert report["deep_share"] == deep / 100
    assert report["drifted"] is drifted
