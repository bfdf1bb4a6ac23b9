"""`t` on an answer in the TUI: its code runs against the prompt's tests in the sandbox, a
failure is sent back for a fix, and each answer's status line shows its result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.checks import sandbox
from app.config import load_settings
from app.ui.app import AhaApp
from app.ui.chat.check_output import CheckOutputScreen
from storage import MessageStatus, RouteRecord, Store
from tests.helpers.tools import require
from tests.pilot.helpers import main_screen, scripted_fast_route, wait_for
from tests.servers.fake_openai import FakeOpenAI, ok
from widgets.message_view import AssistantMessage, UserMessage

PROMPT = "Write a Python function add(a, b).\n```python\nassert add(1, 2) == 3\n```"
BUGGY = "```python\ndef add(a, b):\n    return a - b\n```"
FIXED = "```python\ndef add(a, b):\n    return a + b\n```"


@pytest.fixture
def fast(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with scripted_fast_route(monkeypatch, "fast-coder", max_tokens=200) as server:
        yield server


async def test_t_checks_the_answer_and_repairs_it(home: Path, fast: FakeOpenAI) -> None:
    require(sandbox.probe().ok, f"the sandbox does not work here: {sandbox.probe().detail}")
    store = Store.open(home / "aha.db")
    session = store.create_session()
    user = store.add_user_message(session.id, None, PROMPT)
    answer = store.start_assistant(session.id, user.id, RouteRecord("fast", "fast-coder"))
    store.finish_assistant(answer.id, MessageStatus.COMPLETE, BUGGY)
    store.close()
    fast.script(ok(FIXED))
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(app)
        await wait_for(pilot, lambda: bool(screen.conversation.query(AssistantMessage)), 10)
        first = screen.conversation.query(AssistantMessage).last()
        first.focus()
        await pilot.press("t")

        def repaired() -> bool:
            views = list(screen.conversation.query(AssistantMessage))
            return (
                not screen.streaming
                and len(views) >= 2
                and "tests 1/1 passed" in str(views[-1].status.render())
            )

        await wait_for(pilot, repaired, timeout=60)
        checks = app.store.checks_in_session(screen.session_id)
        assert [c.status for c in checks] == ["failed", "passed"]
        assert "tests 0/1 passed" in first.check_badge
        # The repair request is shown as a message of the thread, as it is stored.
        shown_prompts = [v.message_id for v in screen.conversation.query(UserMessage)]
        stored_prompts = [m.id for m in app.store.active_thread(screen.session_id)
                          if m.role == "user"]  # fmt: skip
        assert shown_prompts == stored_prompts and len(stored_prompts) == 2
        # T shows the output of the first answer's check.
        first.focus()
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, CheckOutputScreen), timeout=10)
        await pilot.press("escape")
