"""The palette's "Choose deep model" and "Session usage" commands. A stdlib stub server on
127.0.0.1 stands in for vLLM; no model runs here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.backend.discovery import DEEP_CHOICE_KEY, DeepChoice
from app.config import load_settings
from app.ui.app import AhaApp
from app.ui.usage import DeepModelPicker, choose_deep_model, show_session_usage
from storage import MessageStatus, RouteRecord, Store
from tests.helpers.openai_stub import OpenAIStub, free_port
from tests.pilot.helpers import main_screen, wait_for

SIZE = (120, 40)


def notes(app: AhaApp) -> list[str]:
    return [n.message for n in app._notifications]


def auto_deep(monkeypatch: pytest.MonkeyPatch, *ports: int) -> None:
    monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", "auto")
    monkeypatch.setenv("AHA_ROUTES__DEEP__DISCOVER_PORTS", json.dumps(list(ports)))


async def test_palette_lists_the_commands(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
    assert {"Choose deep model", "Session usage"} <= set(titles)


async def test_choose_deep_model_stores_the_choice_the_route_then_uses(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OpenAIStub(models=("small-7b", "big-70b")) as stub:
        auto_deep(monkeypatch, stub.port)
        app = AhaApp(load_settings())
        async with app.run_test(size=SIZE) as pilot:
            assert (await app.chat.availability("deep")).detail.startswith("small-7b at")
            choose_deep_model(app, app.context)
            await wait_for(pilot, lambda: isinstance(app.screen, DeepModelPicker), timeout=20)
            await pilot.press("down", "down", "enter")  # automatic, small-7b, big-70b
            await wait_for(pilot, lambda: not isinstance(app.screen, DeepModelPicker))
            stored = app.store.get_preference(DEEP_CHOICE_KEY)
            assert DeepChoice.from_json(stored) == DeepChoice(stub.api_base, "big-70b")
            assert (await app.chat.availability("deep")).detail.startswith("big-70b at")
            assert any(n.startswith("Deep route: big-70b") for n in notes(app))


async def test_choose_deep_model_says_when_nothing_answers(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    auto_deep(monkeypatch, port)
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        choose_deep_model(app, app.context)
        expected = f"Nothing found: no server on 127.0.0.1 port {port}"
        await wait_for(pilot, lambda: expected in notes(app), timeout=20)
        assert not isinstance(app.screen, DeepModelPicker)


async def test_config_that_names_the_model_wins(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AHA_ROUTES__DEEP__MODEL", "openai/qwen")
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        choose_deep_model(app, app.context)
        await pilot.pause()
        assert any("the config names the deep model" in n for n in notes(app))
        assert app.store.get_preference(DEEP_CHOICE_KEY) is None


async def test_session_usage_sums_the_open_session(home: Path) -> None:
    store = Store.open(home / "aha.db")
    session = store.create_session()
    for route, model, usage in (
        (
            "fast",
            "smol",
            dict(completion_tokens=40, first_token_ms=200, duration_ms=1200, cost_usd=0.0),
        ),
        (
            "deep",
            "gpt-4o-mini",
            dict(prompt_tokens=10, completion_tokens=20, cost_usd=0.0125, duration_ms=900),
        ),
    ):
        user = store.add_user_message(session.id, None, "q")
        row = store.start_assistant(session.id, user.id, RouteRecord(route, model))
        store.finish_assistant(row.id, MessageStatus.COMPLETE, "a", **usage)  # type: ignore[arg-type]
    store.close()
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: main_screen(app).session_id == session.id, timeout=10)
        show_session_usage(app, app.context, main_screen(app).session_id)
        await pilot.pause()
        (summary,) = [n for n in app._notifications if n.title == "Session usage"]
    first, *routes = summary.message.splitlines()
    assert first.startswith("2 answers · 10 in / 60 out · 40.0 tok/s · first token 0.2 s")
    assert first.endswith("$0.0125")
    assert sorted(r.split(":")[0] for r in routes) == ["deep · gpt-4o-mini", "fast · smol"]
