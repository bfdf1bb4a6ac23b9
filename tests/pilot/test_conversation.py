"""The main screen driven by a pilot: real embedded model, real SQLite, deep route unreachable.

Each test waits for conditions by polling (never on elapsed time); generous bounds only stop a
hung test.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from textual.message import Message as TextualMessage
from textual.pilot import Pilot

from app.config import load_settings
from app.ui.app import AhaApp
from storage import Message, MessageStatus, Store
from storage.repository import RouteRecord
from tests.pilot.helpers import main_screen, wait_for
from widgets.conversation import Conversation
from widgets.message_view import AssistantMessage, UserMessage
from widgets.prompt_input import PromptInput
from widgets.session_list import SessionList

pytestmark = pytest.mark.integration

SIZE = (120, 40)
HARD_PROMPT = "Prove step by step that the square root of 2 is irrational, then compare two proofs"
LONG_PROMPT = "Write a long story about a dragon who learns to bake bread, with many chapters."


# Helpers ----------------------------------------------------------------------------------------


def make_app() -> AhaApp:
    return AhaApp(load_settings())


def final_assistants(store: Store, session_id: str | None) -> list[Message]:
    if session_id is None:
        return []
    return [
        m
        for m in store.messages(session_id)
        if m.role == "assistant" and m.status is not MessageStatus.STREAMING
    ]


def all_final_assistants(store: Store) -> list[Message]:
    return [m for s in store.list_sessions() for m in final_assistants(store, s.id)]


async def send(pilot: Pilot[None], text: str) -> None:
    """Type `text` key by key and press Enter, then wait until its answer has finished."""
    app = pilot.app
    assert isinstance(app, AhaApp)
    before = len(all_final_assistants(app.store))
    await pilot.press(*text)
    await pilot.press("enter")
    screen = main_screen(app)
    await wait_for(
        pilot,
        lambda: not screen.streaming and len(all_final_assistants(app.store)) > before,
    )


def assistant_views(app: AhaApp) -> list[AssistantMessage]:
    return list(app.screen.query(AssistantMessage))


def user_texts(app: AhaApp) -> list[str]:
    return [view.text for view in app.screen.query(UserMessage)]


def notifications(app: AhaApp) -> list[str]:
    return [n.message for n in app._notifications]


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# Tests ------------------------------------------------------------------------------------------


async def test_prompt_is_answered_by_fast_and_stored(home: Path) -> None:
    """A typed prompt gets a streamed fast answer whose badge, text and stored row all agree."""
    seen: list[TextualMessage] = []
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await send(pilot, "Say hello")

        # The hook sees a message once per node it bubbles through: count distinct messages.
        submitted = {id(m): m for m in seen if isinstance(m, PromptInput.Submitted)}
        assert [m.text for m in submitted.values()] == ["Say hello"]
        assert app.screen.query_one(PromptInput).text == ""

        (view,) = assistant_views(app)
        shown = view.body.source.strip()
        assert any(ch.isalnum() for ch in shown), f"no real text in {shown!r}"
        assert view.badge.route == "fast"
        assert view.badge.model
        assert "fast" in str(view.badge.render())
        assert user_texts(app) == ["Say hello"]

        session_id = main_screen(app).session_id
        assert session_id is not None
        sessions = app.store.list_sessions()
        assert [(s.id, s.title) for s in sessions] == [(session_id, "Say hello")]

    # The database file as another process would read it.
    store = Store.open(home / "aha.db")
    try:
        (session,) = store.list_sessions()
        assert session.id == session_id and session.title == "Say hello"
        user, assistant = store.active_thread(session_id)
        assert (user.role, user.content) == ("user", "Say hello")
        assert assistant.role == "assistant"
        assert assistant.status is MessageStatus.COMPLETE
        assert assistant.route == "fast"
        assert assistant.model == view.badge.model
        assert assistant.content.strip() == shown
        assert assistant.route_score is not None and 0.0 <= assistant.route_score <= 1.0
        assert assistant.route_reasons
    finally:
        store.close()


async def test_ctrl_j_inserts_newline_without_sending(home: Path) -> None:
    """Ctrl+J adds a line to the prompt; nothing is sent or stored."""
    seen: list[TextualMessage] = []
    app = make_app()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press(*"first", "ctrl+j", *"second")
        await pilot.pause()
        prompt = app.screen.query_one(PromptInput)
        assert prompt.text == "first\nsecond"
        assert not main_screen(app).streaming
        assert not any(isinstance(m, PromptInput.Submitted) for m in seen)
        assert app.store.list_sessions() == []
        assert assistant_views(app) == []


async def test_hard_prompt_falls_back_to_fast_with_note(home: Path) -> None:
    """A prompt routed deep is answered by fast when deep is down, and the badge says why."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, HARD_PROMPT)

        (view,) = assistant_views(app)
        assert view.badge.route == "fast"
        assert view.badge.note is not None
        assert "deep route unavailable" in view.badge.note
        assert "deep route unavailable" in str(view.badge.render())
        assert view.body.source.strip()

        (stored,) = all_final_assistants(app.store)
        assert stored.route == "fast"
        assert stored.status is MessageStatus.COMPLETE
        assert stored.route_note and "deep route unavailable" in stored.route_note
        # The router chose deep (score over its threshold); only the fallback made it fast.
        assert stored.route_score is not None and stored.route_threshold is not None
        assert stored.route_score >= stored.route_threshold


async def test_escape_cancels_and_keeps_partial_text(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Escape stops a streaming answer; the partial text stays on screen and in SQLite."""
    monkeypatch.setenv("AHA_ROUTES__FAST__MAX_TOKENS", "400")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await pilot.press(*LONG_PROMPT)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                len(assistant_views(app)) == 1
                and len(assistant_views(app)[0].body.source.split()) >= 3
            ),
        )
        assert screen.streaming, "the answer ended before it could be cancelled"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.streaming)
        # The row is final once streaming has ended.
        await wait_for(pilot, lambda: len(all_final_assistants(app.store)) == 1, timeout=10)

        (view,) = assistant_views(app)
        (stored,) = all_final_assistants(app.store)
        assert stored.status is MessageStatus.CANCELLED
        assert stored.content.strip(), "the partial answer was lost"
        assert stored.content.strip() == view.body.source.strip()
        assert "cancelled" in str(view.status.content)
        assert view.has_class("-cancelled")
        assert not screen.streaming


async def test_escape_during_slow_render_keeps_partial_text(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancel that lands while the view is rendering (not inside the stream) keeps the text.

    Regression: the row used to be finished `cancelled` with empty content and the view wiped,
    because the answer stream was left open until garbage collection.
    """
    monkeypatch.setenv("AHA_ROUTES__FAST__MAX_TOKENS", "400")
    original_append = AssistantMessage.append
    appended: list[str] = []

    async def append_then_stall(self: AssistantMessage, text: str) -> None:
        appended.append(text)
        await original_append(self, text)
        if len(appended) >= 5:
            await asyncio.Event().wait()  # a render that has not finished when Escape comes

    monkeypatch.setattr(AssistantMessage, "append", append_then_stall)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await pilot.press(*LONG_PROMPT, "enter")
        await wait_for(pilot, lambda: len(appended) >= 5)
        assert screen.streaming
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.streaming)

        (view,) = assistant_views(app)
        (stored,) = all_final_assistants(app.store)
        assert stored.status is MessageStatus.CANCELLED
        assert stored.content == "".join(appended)
        assert view.body.source == stored.content
        assert "cancelled" in str(view.status.content)


async def test_new_session_and_switching_sessions(home: Path) -> None:
    """Ctrl+N starts an empty session; choosing the older one in the sidebar reopens it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await send(pilot, "Say hello")
        first_id = screen.session_id
        assert first_id is not None

        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: screen.session_id is None, timeout=10)
        conversation = app.screen.query_one(Conversation)
        assert list(conversation.query(UserMessage)) == []
        assert list(conversation.query(AssistantMessage)) == []

        await send(pilot, "Name a colour")
        second_id = screen.session_id
        assert second_id is not None and second_id != first_id
        assert user_texts(app) == ["Name a colour"]

        sessions = app.screen.query_one(SessionList)
        assert sessions.option_count == 2
        labels = [str(sessions.get_option_at_index(i).prompt) for i in range(2)]
        assert labels == ["Name a colour", "Say hello"]  # newest first

        sessions.focus()
        sessions.highlighted = 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.session_id == first_id, timeout=10)
        assert user_texts(app) == ["Say hello"]
        (view,) = assistant_views(app)
        (stored,) = final_assistants(app.store, first_id)
        assert view.body.source.strip() == stored.content.strip()
        assert app.focused is app.screen.query_one(PromptInput)


async def test_restart_reopens_last_session(home: Path) -> None:
    """After a restart on the same home, the last session is listed and shown with its answer."""
    first = make_app()
    async with first.run_test(size=SIZE) as pilot:
        await send(pilot, "Say hello")
        session_id = main_screen(first).session_id
        (answer,) = final_assistants(first.store, session_id)
        await pilot.exit(None)

    second = make_app()
    async with second.run_test(size=SIZE) as pilot:
        screen = main_screen(second)
        await wait_for(pilot, lambda: screen.session_id == session_id, timeout=10)
        sessions = second.screen.query_one(SessionList)
        assert sessions.option_count == 1
        assert str(sessions.get_option_at_index(0).prompt) == "Say hello"
        assert user_texts(second) == ["Say hello"]
        (view,) = assistant_views(second)
        assert view.body.source.strip() == answer.content.strip()
        assert view.badge.route == "fast"
        assert answer.completion_tokens
        assert f"{answer.completion_tokens} tokens" in str(view.status.content)


async def test_answer_left_streaming_by_dead_process_shows_interrupted(home: Path) -> None:
    """A row a killed aha left `streaming` is shown interrupted, with its partial text, at start."""
    store = Store.open(home / "aha.db")
    try:
        session = store.create_session()
        user = store.add_user_message(session.id, None, "Tell me about owls")
        assistant = store.start_assistant(
            session.id, user.id, RouteRecord(route="fast", model="SmolLM2-135M-Instruct")
        )
        store.save_progress(assistant.id, "Owls are nocturnal birds of", "")
        store.db.conn.execute("UPDATE messages SET owner_pid = ?", (dead_pid(),))
    finally:
        store.close()

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(pilot, lambda: screen.session_id == session.id, timeout=10)
        (view,) = assistant_views(app)
        assert view.body.source == "Owls are nocturnal birds of"
        assert "interrupted" in str(view.status.content)
        assert view.has_class("-interrupted")
        assert any("cut off" in text for text in notifications(app))
        stored = app.store.get_message(assistant.id)
        assert stored is not None
        assert stored.status is MessageStatus.INTERRUPTED
        assert stored.content == "Owls are nocturnal birds of"


async def test_enter_while_streaming_keeps_typed_text(home: Path) -> None:
    """Enter during a streaming answer sends nothing, keeps the text in the box and warns."""
    from app.backend.llama_cpp_engine import LlamaCppEngine, load_model

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        engine = app.chat.engines.get("fast")
        assert isinstance(engine, LlamaCppEngine)
        await asyncio.to_thread(engine.warm_up)
        config = engine.config
        model = load_model(engine.model_path(), config.n_ctx, config.n_gpu_layers)
        # Hold the model's generation lock: the answer is then certainly still streaming.
        model._aha_lock.acquire()
        try:
            await pilot.press(*"Say hello", "enter")
            await wait_for(pilot, lambda: screen.streaming and len(assistant_views(app)) == 1)
            await pilot.press(*"Next question", "enter")
            await pilot.pause()
            assert screen.streaming
            assert app.screen.query_one(PromptInput).text == "Next question"
            assert any("streaming" in text for text in notifications(app))
            session_id = screen.session_id
            assert session_id is not None
            prompts = [m.content for m in app.store.messages(session_id) if m.role == "user"]
            assert prompts == ["Say hello"]
        finally:
            model._aha_lock.release()
        await wait_for(pilot, lambda: not screen.streaming)
        assert app.screen.query_one(PromptInput).text == "Next question"
        assert user_texts(app) == ["Say hello"]
