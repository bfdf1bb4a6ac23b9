"""`v` on an answer in the TUI: its route critiques it (numbered, quoting), then writes a
revised answer, a sibling of the original, with the critique folded above it. A scripted
OpenAI-compatible server on 127.0.0.1 is the fast route."""

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
from widgets.thinking_block import ThinkingBlock

PROMPT = "Explain in two sentences why warm-up helps Adam."
ORIGINAL = "Warm-up helps because it is good."
CRITIQUE = '1. "because it is good": says nothing about why (the early variance estimate).'
REVISED = "Early on, Adam's variance estimate rests on few steps, so updates are too large."


@pytest.fixture
def fast(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with scripted_fast_route(monkeypatch, "fast-writer") as server:
        yield server


async def test_v_critiques_and_revises_as_a_sibling(home: Path, fast: FakeOpenAI) -> None:
    store = Store.open(home / "aha.db")
    session = store.create_session()
    user = store.add_user_message(session.id, None, PROMPT)
    original = store.start_assistant(session.id, user.id, RouteRecord("fast", "fast-writer"))
    store.finish_assistant(original.id, MessageStatus.COMPLETE, ORIGINAL)
    store.close()
    fast.script(ok(CRITIQUE), ok(REVISED))
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main_screen(app)
        await wait_for(pilot, lambda: bool(screen.conversation.query(AssistantMessage)), 10)
        screen.conversation.query(AssistantMessage).last().focus()
        await pilot.press("v")

        def revised() -> bool:
            views = list(screen.conversation.query(AssistantMessage))
            return not screen.streaming and any(v.body.source == REVISED for v in views)

        await wait_for(pilot, revised, timeout=60)
        answers = [m for m in app.store.messages(session.id) if m.role == "assistant"]
        assert [m.content for m in answers] == [ORIGINAL, REVISED]
        assert {m.parent_id for m in answers} == {user.id}  # siblings: the original stays
        assert answers[1].reasoning == CRITIQUE and answers[1].status is MessageStatus.COMPLETE
        (view,) = screen.conversation.query(AssistantMessage)
        assert view.message_id == answers[1].id
        (block,) = view.query(ThinkingBlock)  # the critique, folded above the revision
        assert block.title == "Critique" and block.collapsed
        assert "revised after critique: 1 problem, 1 quoting the text" in (
            answers[1].route_note or ""
        )
        # The revision was asked with the critique's problems as a clean numbered list.
        assert '1. "because it is good"' in fast.requests[1].messages[-1]["content"]
        # The critique was asked about the original answer, with the prompt before it.
        critique_request = fast.requests[0].messages
        assert critique_request[-2] == {"role": "assistant", "content": ORIGINAL}
