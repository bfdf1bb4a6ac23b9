"""The cascade in the TUI: a weak fast answer says why, and `d` (or ctrl+g) asks deep as a
sibling; with escalate = "auto" the deep sibling comes by itself. Both routes are scripted
OpenAI-compatible servers (tests/servers/fake_openai.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from storage import MessageStatus
from tests.integration.test_cascade import GOOD, REPETITIVE, route_env
from tests.pilot.helpers import answer_ids, main_screen, send, wait_for, wait_for_new_answer
from tests.servers.fake_openai import FakeOpenAI, closed_port, ok
from widgets.message_view import AssistantMessage

pytestmark = pytest.mark.integration

SIZE = (120, 40)


@pytest.fixture
def servers(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeOpenAI, FakeOpenAI]]:
    with FakeOpenAI(model="fake-fast") as fast, FakeOpenAI(model="fake-deep") as deep:
        fast.script(ok(*REPETITIVE))
        deep.script(ok(*GOOD))
        yield fast, deep


def use(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def shown(app: AhaApp) -> list[AssistantMessage]:
    return list(main_screen(app).conversation.query(AssistantMessage))


def answers(app: AhaApp) -> list:
    screen = main_screen(app)
    assert screen.session_id is not None
    (prompt,) = [m for m in app.store.messages(screen.session_id) if m.role == "user"]
    return app.store.children(prompt.id)


async def test_ask_offers_deep_and_d_makes_a_deep_sibling(
    servers: tuple[FakeOpenAI, FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, deep = servers
    use(monkeypatch, route_env(fast.api_base, deep.api_base, "ask"))
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await send(pilot, app, "What is the answer?")
        (view,) = shown(app)
        assert view.weak == ["repeats itself"] and view.badge.note is None
        assert str(view.status.content).startswith("weak: repeats itself · d ask deep · ")
        assert screen.check_action("ask_deep", ()) is True  # ctrl+g, shown in the footer
        assert deep.requests == []

        await pilot.press("escape")  # select the answer
        assert app.focused is view
        before = answer_ids(app)
        await pilot.press("d")
        await wait_for_new_answer(pilot, app, before)
        weak, strong = answers(app)
        assert (weak.route, weak.route_note) == ("fast", "weak: repeats itself")
        assert (strong.route, strong.status) == ("deep", MessageStatus.COMPLETE)
        assert strong.content == "".join(GOOD)
        (view,) = shown(app)
        assert view.message_id == strong.id
        assert (view.sibling_index, view.sibling_count) == (1, 2)
        assert not view.offers_deep and screen.check_action("ask_deep", ()) is False
        # The escalation is stored as feedback on the weak fast answer.
        (mark,) = app.store.recent_route_feedback()
        assert (mark.message_id, mark.kind) == (weak.id, "escalated")
        assert (mark.score, mark.threshold) == (weak.route_score, weak.route_threshold)
        # `o` is offered on the complete deep answer; this one was asked for, so it is refused.
        assert view.offers_overkill and view.check_action("overkill", ()) is True
        await pilot.press("escape")  # the prompt box has focus again: select the answer
        assert app.focused is view
        await pilot.press("o")
        await wait_for(pilot, lambda: bool(app._notifications))
        assert any("asked to" in n.message for n in app._notifications)
        assert len(app.store.recent_route_feedback()) == 1


async def test_auto_asks_deep_by_itself(
    servers: tuple[FakeOpenAI, FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, deep = servers
    use(monkeypatch, route_env(fast.api_base, deep.api_base, "auto"))
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, app, "What is the answer?")
        await wait_for(pilot, lambda: len(deep.requests) == 1 and not main_screen(app).streaming)
        await wait_for(pilot, lambda: [v.badge.route for v in shown(app)] == ["deep"])
        weak, strong = answers(app)
        assert (weak.route, weak.route_note) == ("fast", "weak: repeats itself")
        assert (strong.route, strong.status) == ("deep", MessageStatus.COMPLETE)


async def test_ask_deep_when_deep_is_down_says_so(
    servers: tuple[FakeOpenAI, FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, _ = servers
    down = f"http://127.0.0.1:{closed_port()}/v1"
    use(monkeypatch, route_env(fast.api_base, down, "ask"))
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await send(pilot, app, "What is the answer?")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: not screen.streaming and app._notifications)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("cannot ask deep: deep route unavailable") for m in messages)
        assert len(answers(app)) == 1 and len(shown(app)) == 1


async def test_o_marks_a_deep_answer_overkill_and_the_router_moves(
    servers: tuple[FakeOpenAI, FakeOpenAI], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Threshold 0: the router sends everything deep. `o` on that answer stores an overkill
    mark, says so, and the router's threshold goes up a step at once."""
    fast, deep = servers
    use(
        monkeypatch,
        {**route_env(fast.api_base, deep.api_base, "ask"), "AHA_ROUTER__THRESHOLD": "0"},
    )
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await send(pilot, app, "What is the answer?")
        (view,) = shown(app)
        assert view.badge.route == "deep" and view.offers_overkill and not view.offers_deep
        assert screen.chat.router.threshold == 0.0
        await pilot.press("escape")
        assert app.focused is view
        await pilot.press("o")
        await wait_for(pilot, lambda: bool(app._notifications))
        assert [n.message for n in app._notifications] == [
            "Noted: the router will send prompts like this to fast a little more often"
        ]
        (mark,) = app.store.recent_route_feedback()
        assert (mark.message_id, mark.kind) == (view.message_id, "overkill")
        assert screen.chat.router.threshold == 0.01
