"""Usage: the m004 upgrade, what a finished answer stores, sums by route and model, the status
line, and pricing that never imports litellm for a local answer."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest

from app.backend.engine import Availability
from app.backend.events import ChatMessage, Content, Done, StreamEvent, Thinking, Usage
from app.backend.registry import Engines
from app.backend.usage import (
    answer_cost,
    reasoning_tokens_of,
    tokens_per_second,
    usage_line,
)
from app.chat import ChatService
from app.config import RouteConfig, Settings
from app.router import Router
from storage import Message, MessageStatus, Store
from storage.migrations import migrations
from storage.repository import RouteRecord

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(":memory:")
    yield store
    store.close()


def _answer(
    store: Store,
    session_id: str,
    route: str,
    model: str,
    status: MessageStatus = MessageStatus.COMPLETE,
    **usage: float | int | None,
) -> Message:
    user = store.add_user_message(session_id, None, "q")
    row = store.start_assistant(session_id, user.id, RouteRecord(route=route, model=model))
    return store.finish_assistant(row.id, status, "a", **usage)  # type: ignore[arg-type]


# Storage --------------------------------------------------------------------------------------


def test_m004_adds_usage_columns_and_preferences_to_an_m003_database(tmp_path: Path) -> None:
    from sqlite_utils import Database

    path = tmp_path / "v3.db"
    old = Database(path)
    migrations.apply(old, stop_before="m004_usage_and_preferences")
    assert "cost_usd" not in old["messages"].columns_dict
    old.close()
    store = Store.open(path)
    try:
        assert migrations.pending(store.db) == []
        columns = store.db["messages"].columns_dict
        assert columns["reasoning_tokens"] is int and columns["cost_usd"] is float
        assert store.get_preference("missing") is None
        store.set_preference("k", "v1")
        store.set_preference("k", "v2")
        assert store.get_preference("k") == "v2"
    finally:
        store.close()


def test_finished_answer_keeps_every_usage_figure(store: Store) -> None:
    session = store.create_session()
    final = _answer(
        store,
        session.id,
        "deep",
        "gpt-4o-mini",
        prompt_tokens=12,
        completion_tokens=34,
        reasoning_tokens=5,
        first_token_ms=800.0,
        duration_ms=2700.0,
        cost_usd=0.0012,
    )
    assert (final.reasoning_tokens, final.cost_usd) == (5, 0.0012)
    record = final.to_dict()
    assert (record["reasoning_tokens"], record["cost_usd"]) == (5, 0.0012)


def test_usage_sums_by_route_and_model(store: Store) -> None:
    """Complete and cancelled answers count; failed ones do not. Unknown costs are counted
    apart; tok/s excludes the wait for the first token."""
    one, two = store.create_session(), store.create_session()
    _answer(
        store,
        one.id,
        "fast",
        "smol",
        completion_tokens=20,
        first_token_ms=500,
        duration_ms=1500,
        cost_usd=0.0,
    )
    _answer(
        store,
        one.id,
        "fast",
        "smol",
        MessageStatus.CANCELLED,
        completion_tokens=10,
        first_token_ms=100,
        duration_ms=600,
        cost_usd=0.0,
    )
    _answer(
        store,
        two.id,
        "deep",
        "gpt",
        prompt_tokens=100,
        completion_tokens=50,
        reasoning_tokens=8,
        first_token_ms=1000,
        duration_ms=2000,
        cost_usd=0.25,
    )
    _answer(
        store,
        two.id,
        "deep",
        "gpt",
        prompt_tokens=10,
        completion_tokens=5,
        first_token_ms=None,
        duration_ms=900,
        cost_usd=None,
    )
    _answer(store, two.id, "deep", "gpt", MessageStatus.ERROR)

    deep, fast = sorted(store.usage_by_route(), key=lambda s: s.route or "")
    assert (fast.route, fast.model, fast.answers) == ("fast", "smol", 2)
    assert fast.completion_tokens == 30
    assert fast.tokens_per_s == pytest.approx((20 / 1.0 + 10 / 0.5) / 2)
    assert fast.first_token_ms == pytest.approx(300)
    assert (fast.cost_usd, fast.unpriced) == (0.0, 0)
    assert (deep.answers, deep.prompt_tokens, deep.completion_tokens) == (2, 110, 55)
    assert deep.reasoning_tokens == 8
    assert deep.tokens_per_s == pytest.approx(50.0)  # the answer without a first token is out
    assert (deep.cost_usd, deep.unpriced) == (pytest.approx(0.25), 1)

    total = store.usage_total()
    assert (total.answers, total.completion_tokens, total.unpriced) == (4, 85, 1)
    assert store.usage_total(session_id=one.id).answers == 2
    assert store.usage_total(since="2999-01-01T00:00:00.000Z").answers == 0


# Figures and the status line ------------------------------------------------------------------


def test_status_line_reads_like_the_example(store: Store) -> None:
    session = store.create_session()
    message = _answer(
        store,
        session.id,
        "deep",
        "m",
        completion_tokens=123,
        first_token_ms=800,
        duration_ms=800 + 123 / 45.6 * 1000,
        cost_usd=0.0012,
    )
    assert usage_line(message) == "123 tokens · 45.6 tok/s · first token 0.8 s · 3.5 s · $0.0012"
    local = _answer(
        store, session.id, "fast", "m", completion_tokens=42, duration_ms=1234, cost_usd=0.0
    )
    assert usage_line(local) == "42 tokens · 1.2 s"
    assert tokens_per_second(10, 500, 500) is None


def test_reasoning_tokens_from_object_and_dict_shapes() -> None:
    details = types.SimpleNamespace(reasoning_tokens=7)
    assert reasoning_tokens_of(types.SimpleNamespace(completion_tokens_details=details)) == 7
    assert reasoning_tokens_of({"completion_tokens_details": {"reasoning_tokens": 3}}) == 3
    assert reasoning_tokens_of(types.SimpleNamespace(completion_tokens=4)) is None
    assert reasoning_tokens_of(types.SimpleNamespace(completion_tokens_details=None)) is None


# Cost -----------------------------------------------------------------------------------------


def test_cost_from_the_loaded_price_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """Priced models cost what litellm says; an unknown model is None (remote) or 0.0 (a
    server on loopback); an in-process model is 0.0."""

    def cost_per_token(
        model: str, prompt_tokens: int, completion_tokens: int
    ) -> tuple[float, float]:
        if model != "openai/gpt-4o-mini":
            raise ValueError("This model isn't mapped yet")
        return prompt_tokens * 1e-6, completion_tokens * 2e-6

    monkeypatch.setitem(
        sys.modules, "litellm", types.SimpleNamespace(cost_per_token=cost_per_token)
    )
    remote = RouteConfig(model="openai/gpt-4o-mini", api_base="https://api.example.com/v1")
    assert answer_cost(None, remote, 100, 50) == pytest.approx(100e-6 + 100e-6)
    unknown = remote.model_copy(update={"model": "openai/mystery"})
    assert answer_cost(None, unknown, 100, 50) is None
    local = unknown.model_copy(update={"api_base": "http://127.0.0.1:8000/v1"})
    assert answer_cost(None, local, 100, 50) == 0.0
    assert answer_cost(None, RouteConfig(engine="llama_cpp"), 100, 50) == 0.0
    assert answer_cost(None, None, 1, 1) is None


def test_pricing_without_litellm_loaded_never_imports_it() -> None:
    code = (
        "import json, sys\n"
        "from app.backend.usage import answer_cost\n"
        "from app.config import RouteConfig\n"
        "r = [answer_cost(None, RouteConfig(engine='llama_cpp'), 5, 5),\n"
        "     answer_cost(None, RouteConfig(model='openai/gpt-4o', api_base='https://x/v1'), 5, 5)]\n"
        "print(json.dumps({'costs': r, 'litellm': 'litellm' in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"costs": [0.0, None], "litellm": False}


# A whole turn ---------------------------------------------------------------------------------


class _Engine:
    model_label = "scripted"

    async def check(self) -> Availability:
        return Availability(True, "scripted")

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[StreamEvent]:
        yield Thinking("hmm")
        yield Content("Answer.")
        yield Usage(prompt_tokens=9, completion_tokens=6, reasoning_tokens=2)
        yield Done("stop")


class _Engines(Engines):
    def get(self, name: str) -> _Engine:  # type: ignore[override]
        return _Engine()


async def test_a_turn_stores_its_usage_and_prices_a_local_answer_at_zero(store: Store) -> None:
    settings = Settings(routes={"fast": RouteConfig(engine="llama_cpp")})
    service = ChatService(store, settings, engines=_Engines(settings), router=Router())
    session = store.create_session()
    turn = await service.begin_turn(session.id, "hi", force_route="fast")
    async for _ in service.stream_turn(turn):
        pass
    final = turn.final
    assert final is not None and final.status is MessageStatus.COMPLETE
    assert (final.prompt_tokens, final.completion_tokens, final.reasoning_tokens) == (9, 6, 2)
    assert final.first_token_ms is not None and final.duration_ms is not None
    assert final.cost_usd == 0.0
