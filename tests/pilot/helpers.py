"""Shared helpers for pilot tests: wait on conditions (never on elapsed time)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from textual.pilot import Pilot

from app.ui.app import AhaApp
from app.ui.chat import MainScreen
from storage import MessageStatus
from tests.servers.fake_openai import FakeOpenAI
from widgets.message_view import AssistantMessage
from widgets.prompt_input import PromptInput

ANSWER_TIMEOUT_S = 120.0


async def wait_for(
    pilot: Pilot[None], predicate: Callable[[], object], timeout: float = ANSWER_TIMEOUT_S
) -> None:
    """Poll `predicate` between short pauses; fail (never hang) when it stays false."""
    for _ in range(int(timeout / 0.1)):
        if predicate():
            return
        await pilot.pause(0.1)
    assert predicate(), f"condition not met within {timeout} s"


def main_screen(app: AhaApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def answer_ids(app: AhaApp) -> set[str | None]:
    return {v.message_id for v in main_screen(app).conversation.query(AssistantMessage)}


async def wait_for_new_answer(pilot: Pilot[None], app: AhaApp, before: set[str | None]) -> None:
    """Wait until an answer view not in `before` is shown and has finished streaming."""
    screen = main_screen(app)

    def finished() -> bool:
        new = [v for v in screen.conversation.query(AssistantMessage) if v.message_id not in before]
        return (
            bool(new)
            and not screen.streaming
            and new[-1].status_value is not MessageStatus.STREAMING
        )

    await wait_for(pilot, finished)


async def send(pilot: Pilot[None], app: AhaApp, text: str) -> None:
    """Type a prompt into the prompt box, press Enter, and wait for the whole answer."""
    box = main_screen(app).query_one(PromptInput)
    await wait_for(pilot, lambda: app.focused is box, timeout=10)
    before = answer_ids(app)
    await pilot.press(*text)
    await pilot.press("enter")
    await wait_for_new_answer(pilot, app, before)


@contextmanager
def scripted_fast_route(
    monkeypatch: pytest.MonkeyPatch, model: str, max_tokens: int | None = None
) -> Iterator[FakeOpenAI]:
    """A scripted OpenAI-compatible server on 127.0.0.1 as the fast route, for a test's life."""
    with FakeOpenAI(model=model) as server:
        monkeypatch.setenv("AHA_ROUTES__FAST__ENGINE", "litellm")
        monkeypatch.setenv("AHA_ROUTES__FAST__API_BASE", server.api_base)
        monkeypatch.setenv("AHA_ROUTES__FAST__MODEL", f"openai/{model}")
        if max_tokens is not None:
            monkeypatch.setenv("AHA_ROUTES__FAST__MAX_TOKENS", str(max_tokens))
        yield server
