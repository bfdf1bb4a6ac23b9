"""The prompt box's modes in the TUI: F2 "deliberate" samples every answer with a short result
and shows the agreement; F3 sets a deadline: fast answers at once, deep works meanwhile and
its answer wins when it is done in time. Scripted OpenAI-compatible servers on 127.0.0.1 stand
in for both routes; every answer is a stored sibling."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from storage import MessageStatus
from tests.pilot.helpers import main_screen, scripted_fast_route, wait_for
from tests.servers.fake_openai import FakeOpenAI, ok
from widgets.message_view import AssistantMessage
from widgets.prompt_input import PromptInput

PROMPT = "Sam has 12 apples, gives away 5 and buys 8. How many now?"


@pytest.fixture
def fast(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with scripted_fast_route(monkeypatch, "fast-counter") as server:
        monkeypatch.setenv("AHA_ROUTER__ESCALATE", "ask")
        yield server


@pytest.fixture
def deep(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(model="deep-thinker") as server:
        monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", server.api_base)
        monkeypatch.setenv("AHA_ROUTES__DEEP__MODEL", "openai/deep-thinker")
        monkeypatch.setenv("AHA_ROUTES__DEEP__RETRIES", "0")
        yield server


async def type_prompt(pilot, app: AhaApp, text: str) -> None:  # type: ignore[no-untyped-def]
    box = main_screen(app).query_one(PromptInput)
    await wait_for(pilot, lambda: app.focused is box, timeout=10)
    await pilot.press(*text)
    await pilot.press("enter")


def assistants(app: AhaApp) -> list:  # type: ignore[type-arg]
    screen = main_screen(app)
    assert screen.session_id is not None
    return [m for m in app.store.messages(screen.session_id) if m.role == "assistant"]


async def test_deliberate_samples_every_answer_and_is_kept(home: Path, fast: FakeOpenAI) -> None:
    fast.script(ok("The answer is 14."), ok("12 - 5 + 8 = 15"), then=ok("The answer is 15."))
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(app)
        box = screen.query_one(PromptInput)
        assert not box.border_subtitle
        await pilot.press("f2")
        assert "deliberate: 3 samples" in str(box.border_subtitle)
        await type_prompt(pilot, app, PROMPT)

        def agreed() -> bool:
            views = list(screen.conversation.query(AssistantMessage))
            return not screen.streaming and any(v.agreement_badge for v in views)

        await wait_for(pilot, agreed, timeout=60)
        (shown,) = [v for v in screen.conversation.query(AssistantMessage) if v.agreement_badge]
        assert shown.agreement_badge == "2/3 agree on '15'"
        answers = assistants(app)
        assert len(answers) == 3 and len({m.parent_id for m in answers}) == 1
        assert app.focused is box  # type on
    # The mode is kept for the next start.
    again = AhaApp(load_settings())
    async with again.run_test(size=(120, 40)) as pilot:
        box = main_screen(again).query_one(PromptInput)
        assert "deliberate" in str(box.border_subtitle)
        await pilot.press("f2")
        assert not box.border_subtitle


async def test_a_deadline_lets_deep_win_when_it_is_done_in_time(
    home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    fast.script(then=ok("Quick: 15."))
    deep.script(then=ok("Careful: ", "12 - 5 + 8 = 15.", delay=0.3))
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(app)
        box = screen.query_one(PromptInput)
        await pilot.press("f3")
        assert "by 15 s" in str(box.border_subtitle)
        await type_prompt(pilot, app, PROMPT)

        def deep_shown() -> bool:
            views = list(screen.conversation.query(AssistantMessage))
            return not screen.streaming and bool(views) and views[-1].badge.route == "deep"

        await wait_for(pilot, deep_shown, timeout=60)
        view = screen.conversation.query(AssistantMessage).last()
        assert "Careful" in view.body.source
        assert "by 15 s: deep in time" in view.badge.note
        by_route = {m.route: m for m in assistants(app)}
        assert by_route["fast"].status is MessageStatus.COMPLETE
        assert by_route["deep"].status is MessageStatus.COMPLETE
        (leaf,) = [m for m in app.store.active_thread(screen.session_id) if m.role == "assistant"]
        assert leaf.route == "deep"


async def test_escape_while_deep_works_keeps_the_fast_answer(
    home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    fast.script(then=ok("Quick: 15."))
    deep.script(then=ok(*(f"slow{i} " for i in range(200)), delay=0.1))
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(app)
        await pilot.press("f3")
        await type_prompt(pilot, app, PROMPT)

        def deep_streaming() -> bool:
            rows = assistants(app) if screen.session_id else []
            return any(m.route == "deep" and m.content for m in rows)

        await wait_for(pilot, deep_streaming, timeout=30)
        await wait_for(pilot, lambda: screen.check_action("cancel", ()) is True, timeout=10)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.streaming, timeout=30)
        by_route = {m.route: m for m in assistants(app)}
        assert by_route["fast"].status is MessageStatus.COMPLETE
        assert by_route["deep"].status is MessageStatus.CANCELLED
        assert by_route["deep"].content.startswith("slow0")  # its text so far is kept
        (leaf,) = [m for m in app.store.active_thread(screen.session_id) if m.role == "assistant"]
        assert leaf.route == "fast"
