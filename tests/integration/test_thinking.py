"""Reasoning end to end: a scripted OpenAI-compatible server on 127.0.0.1, the real
LiteLLMEngine, ChatService and SQLite store; `aha ask`; and the TUI's thinking block.

Every wait is bounded; nothing asserts on durations (the budget test checks what happened,
not how long it took).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.backend.budget import TIME_LIMIT_NOTE
from app.backend.events import Content, Thinking
from app.chat import ChatService, Turn
from app.config import RouteConfig, Settings, load_settings
from storage import Message, MessageStatus, Store
from tests.servers_thinking import (
    ThinkingServer,
    content_script,
    reasoning_script,
    slow_thinker,
    thinking_server,
)

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
THOUGHT = "Let me think about it. 2+2 is 4."
ANSWER = "The answer is 4."
# The tags split at awkward places, as a tokenizer might send them.
SPLIT_TAG_PIECES = [
    "<th",
    "ink>",
    "Let me think",
    " about it.",
    " 2+2 is 4.",
    "</thi",
    "nk>",
    "\n\nThe answer",
    " is 4.",
]
STREAM_TIMEOUT_S = 60.0


def settings_for(server: ThinkingServer, **route: Any) -> Settings:
    fast = RouteConfig(
        engine="litellm", model="openai/scripted-thinker", api_base=server.api_base, **route
    )
    return Settings(routes={"fast": fast, "deep": fast})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "aha.db")
    yield store
    store.close()


async def answer(service: ChatService, prompt: str, session_id: str | None = None) -> Turn:
    """One turn on the fast route, streamed to the end (bounded)."""
    session_id = session_id or service.store.create_session().id
    turn = await service.begin_turn(session_id, prompt, force_route="fast")

    async def drain() -> None:
        async for _ in service.stream_turn(turn):
            pass

    await asyncio.wait_for(drain(), STREAM_TIMEOUT_S)
    assert turn.final is not None
    return turn


def stored_answer(store: Store, turn: Turn) -> Message:
    message = store.get_message(turn.assistant.id)
    assert message is not None
    return message


# Splitting ----------------------------------------------------------------------------------


async def test_think_tags_split_across_chunks_are_stored_apart(store: Store) -> None:
    with thinking_server(content_script(SPLIT_TAG_PIECES)) as server:
        turn = await answer(ChatService(store, settings_for(server)), "What is 2+2?")
    message = stored_answer(store, turn)
    assert message.status is MessageStatus.COMPLETE, message.error
    assert message.reasoning == THOUGHT
    assert message.content == ANSWER


async def test_reasoning_content_is_stored_as_reasoning(store: Store) -> None:
    script = reasoning_script(
        ["Let me think", " about it.", " 2+2 is 4."], ["The answer", " is 4."]
    )
    with thinking_server(script) as server:
        service = ChatService(store, settings_for(server))
        session = store.create_session()
        turn = await service.begin_turn(session.id, "What is 2+2?", force_route="fast")
        events = [e async for e in service.stream_turn(turn)]
    kinds = [type(e) for e in events if isinstance(e, Thinking | Content)]
    assert kinds.index(Content) > kinds.index(Thinking)  # thoughts come first, as streamed
    message = stored_answer(store, turn)
    assert (message.reasoning, message.content) == (THOUGHT, ANSWER)


async def test_reasoning_is_never_sent_back_as_context(store: Store) -> None:
    with thinking_server(content_script(SPLIT_TAG_PIECES)) as server:
        service = ChatService(store, settings_for(server))
        first = await answer(service, "What is 2+2?")
        await answer(service, "And 3+3?", first.session_id)
        assert server.wait_for_requests(2)
        follow_up = server.requests[1]["messages"]
    sent = "\n".join(str(m["content"]) for m in follow_up)
    assert ANSWER in sent  # the earlier answer is context...
    assert "Let me think" not in sent and "<think>" not in sent  # ...its reasoning is not
    assert [m["role"] for m in follow_up] == ["system", "user", "assistant", "user"]


async def test_reasoning_is_not_searchable(store: Store) -> None:
    with thinking_server(content_script(SPLIT_TAG_PIECES)) as server:
        turn = await answer(ChatService(store, settings_for(server)), "What is 2+2?")
    assert "think" in stored_answer(store, turn).reasoning
    assert store.search("think") == []  # only in the reasoning
    assert [hit.message_id for hit in store.search("answer")] == [turn.assistant.id]


# Thinking budget ----------------------------------------------------------------------------


async def test_thinking_budget_cuts_and_asks_for_the_answer(store: Store) -> None:
    final = ["Final", " answer: 4."]
    with thinking_server(slow_thinker(tick=0.1), content_script(final)) as server:
        service = ChatService(store, settings_for(server, think_seconds=0.5))
        turn = await answer(service, "What is 2+2?")
        assert server.disconnected.wait(10), "the thinking stream was closed"
        assert server.wait_for_requests(2)
        second = server.requests[1]["messages"]

    message = stored_answer(store, turn)
    assert message.status is MessageStatus.COMPLETE, message.error
    assert message.content == "Final answer: 4."
    assert message.reasoning.startswith("thought 0.")
    assert "too late" not in message.content
    assert TIME_LIMIT_NOTE in (message.route_note or "")
    assert turn.time_limit_s is not None
    # The second request carries the conversation and the thoughts so far.
    assert second[1] == {"role": "user", "content": "What is 2+2?"}
    assert second[-1]["role"] == "user"
    assert "thought 0." in second[-1]["content"]
    assert message.reasoning.strip() in second[-1]["content"]


async def test_no_cut_without_budget_or_when_answer_starts_in_time(store: Store) -> None:
    with thinking_server(content_script(SPLIT_TAG_PIECES)) as server:
        service = ChatService(store, settings_for(server, think_seconds=30))
        turn = await answer(service, "What is 2+2?")
        assert len(server.requests) == 1
    message = stored_answer(store, turn)
    assert message.content == ANSWER and not message.route_note


async def test_reasoning_effort_is_sent_only_when_set(store: Store) -> None:
    with thinking_server(content_script(["Hi."])) as server:
        await answer(ChatService(store, settings_for(server, reasoning_effort="low")), "q")
        await answer(ChatService(store, settings_for(server)), "q")
        assert server.wait_for_requests(2)
        assert server.requests[0].get("reasoning_effort") == "low"
        assert "reasoning_effort" not in server.requests[1]


# aha ask ------------------------------------------------------------------------------------


def route_env(home: Path, server: ThinkingServer, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__FAST__ENGINE": "litellm",
        "AHA_ROUTES__FAST__MODEL": "openai/scripted-thinker",
        "AHA_ROUTES__FAST__API_BASE": server.api_base,
        "AHA_ROUTES__DEEP__API_BASE": "http://127.0.0.1:9",
        "AHA_UI__PRELOAD_MODEL": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        **extra,
    }


def test_ask_thinking_prints_thoughts_and_time_limit_badge(aha_home: Path) -> None:
    with thinking_server(slow_thinker(tick=0.1), content_script(["Four."])) as server:
        env = route_env(aha_home, server, AHA_ROUTES__FAST__THINK_SECONDS="0.5")
        result = subprocess.run(
            [sys.executable, "-m", "app", "ask", "--route", "fast", "--thinking", "2+2?"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Four."
    assert "thought 0." in result.stderr
    badges = [line for line in result.stderr.splitlines() if line.startswith("[fast")]
    assert len(badges) == 2 and TIME_LIMIT_NOTE in badges[1], result.stderr
    assert "Traceback" not in result.stderr


# TUI ----------------------------------------------------------------------------------------


async def test_tui_thinking_block_counts_then_collapses(
    aha_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The block is titled "Thinking…" while thoughts stream, "Thought for" once the answer
    starts. The server holds the answer until the test has seen the first title."""
    import threading

    from tests.pilot.helpers import main_screen, wait_for
    from widgets.message_view import AssistantMessage
    from widgets.prompt_input import PromptInput
    from widgets.thinking_block import ThinkingBlock

    release = threading.Event()

    def held(request: dict[str, Any], send: Any) -> None:
        send(content="<think>")
        send(content="Pondering")
        send(content=" hard.")
        release.wait(STREAM_TIMEOUT_S)
        send(content="</think>The answer.")
        send(finish="stop")

    with thinking_server(held) as server:
        for name, value in route_env(aha_home, server).items():
            if name.startswith("AHA_"):
                monkeypatch.setenv(name, value)
        from app.ui.app import AhaApp

        app = AhaApp(load_settings())
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                screen = main_screen(app)
                box = screen.query_one(PromptInput)
                await wait_for(pilot, lambda: app.focused is box, timeout=10)
                await pilot.press(*"hi", "enter")

                def block() -> ThinkingBlock | None:
                    found = list(screen.query(ThinkingBlock))
                    return found[0] if found else None

                await wait_for(
                    pilot,
                    lambda: block() is not None and "Pondering hard." in block().text,
                    timeout=30,
                )
                thinking = block()
                assert thinking is not None
                assert re.fullmatch(r"Thinking… \d+\.\d s", str(thinking.title)), thinking.title
                assert not thinking.collapsed
                release.set()
                await wait_for(
                    pilot, lambda: str(thinking.title).startswith("Thought for"), timeout=30
                )
                assert re.fullmatch(r"Thought for \d+\.\d s", str(thinking.title)), thinking.title
                await wait_for(pilot, lambda: not screen.streaming, timeout=30)
                assert thinking.collapsed
                view = screen.query(AssistantMessage).last()
                assert view.body.source.strip() == "The answer."
        finally:
            release.set()


async def test_tui_marks_an_answer_cut_by_the_budget(
    aha_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.pilot.helpers import main_screen, send
    from widgets.message_view import AssistantMessage

    with thinking_server(slow_thinker(tick=0.1), content_script(["Four."])) as server:
        env = route_env(aha_home, server, AHA_ROUTES__FAST__THINK_SECONDS="0.5")
        for name, value in env.items():
            if name.startswith("AHA_"):
                monkeypatch.setenv(name, value)
        from app.ui.app import AhaApp

        app = AhaApp(load_settings())
        async with app.run_test(size=(120, 40)) as pilot:
            await send(pilot, app, "hi")
            view = main_screen(app).query(AssistantMessage).last()
            assert view.body.source.strip() == "Four."
            assert TIME_LIMIT_NOTE in str(view.status.render())
            assert TIME_LIMIT_NOTE in (view.badge.note or "")
            assert TIME_LIMIT_NOTE in str(view.badge.render())


async def test_thinking_block_keeps_finished_paragraphs_and_all_text() -> None:
    """Finished paragraphs become widgets of their own (never re-rendered); the open one is
    the only one updated; together they show every character that was streamed."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from widgets.thinking_block import MAX_TAIL, ThinkingBlock

    paragraphs = [" ".join(f"w{p}.{i}" for i in range(40)) for p in range(6)]
    run_on = "x" * 50 + "\n" + "y " * MAX_TAIL  # no blank line for far more than MAX_TAIL
    text = "\n\n".join([*paragraphs, run_on, "last words"])

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield ThinkingBlock()

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        block = app.query_one(ThinkingBlock)
        for number, start in enumerate(range(0, len(text), 7)):  # token-sized pieces
            block.append(text[start : start + 7])
            block.flush()  # as if the batching timer fired after every piece (the worst case)
            if number % 50 == 0:
                await pilot.pause()
        await pilot.pause()
        shown = [str(s.render()) for s in block.query(Static).results() if "thought" in s.classes]
        assert block.text == text
        assert "".join(shown).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
            " ", ""
        )
        assert len(shown) >= len(paragraphs) + 2  # paragraphs were closed, the run-on was cut
        assert shown[-1] == "last words"
