"""`a` on an answer in the TUI: more answers to the same prompt on its route, each a stored
sibling streamed like any answer, and the majority shown with the agreement on its status line.
A scripted OpenAI-compatible server on 127.0.0.1 is the fast route."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from storage import MessageStatus, RouteRecord, Store
from tests.pilot.helpers import main_screen, scripted_fast_route, wait_for
from tests.servers.fake_openai import FakeOpenAI, ok
from widgets.message_view import AssistantMessage

PROMPT = "Sam has 12 apples, gives away 5 and buys 8. How many now?"


@pytest.fixture
def fast(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with scripted_fast_route(monkeypatch, "fast-counter") as server:
        monkeypatch.setenv("AHA_ROUTER__ESCALATE", "ask")
        yield server


def stored_answer(home: Path, text: str) -> str:
    store = Store.open(home / "aha.db")
    session = store.create_session()
    user = store.add_user_message(session.id, None, PROMPT)
    answer = store.start_assistant(session.id, user.id, RouteRecord("fast", "fast-counter"))
    store.finish_assistant(answer.id, MessageStatus.COMPLETE, text)
    store.close()
    return user.id


async def test_a_draws_samples_and_shows_the_majority(home: Path, fast: FakeOpenAI) -> None:
    prompt_id = stored_answer(home, "The answer is 14.")  # the odd one out
    fast.script(ok("Count: 12 - 5 + 8.\n\nThe answer is 15."), ok("The answer is 15."))
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(app)
        await wait_for(pilot, lambda: bool(screen.conversation.query(AssistantMessage)), 10)
        first = screen.conversation.query(AssistantMessage).last()
        first.focus()
        await pilot.press("a")

        def agreed() -> bool:
            views = list(screen.conversation.query(AssistantMessage))
            return not screen.streaming and any(v.agreement_badge for v in views)

        await wait_for(pilot, agreed, timeout=60)
        (shown,) = [v for v in screen.conversation.query(AssistantMessage) if v.agreement_badge]
        assert shown.agreement_badge == "2/3 agree on '15'"
        assert "2/3 agree on '15'" in str(shown.status.render())
        siblings = [m for m in app.store.messages(screen.session_id) if m.role == "assistant"]
        assert len(siblings) == 3 and {m.parent_id for m in siblings} == {prompt_id}
        assert all(m.status is MessageStatus.COMPLETE for m in siblings)
        # The majority answer is the thread's leaf now: what a restart shows.
        (leaf,) = [m for m in app.store.active_thread(screen.session_id) if m.role == "assistant"]
        assert leaf.id == shown.message_id and "15" in leaf.content
