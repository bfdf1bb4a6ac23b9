"""The cascade (issue 5): a weak fast answer is asked again on the deep route.

Both routes are scripted OpenAI-compatible servers on 127.0.0.1 (tests/servers/fake_openai.py)
through the real litellm engine: fast answers with degenerate repetition, deep answers well.
`router.escalate` decides what happens: "auto" (`aha ask` asks deep at once; both answers stay
as siblings), "never" (one answer), "ask" (the TUI offers `d`; tests/pilot/test_cascade.py).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.chat import ChatService
from app.config import Settings
from app.router.cascade import REPEATS
from storage import MessageStatus, Store
from tests.servers.fake_openai import FakeOpenAI, closed_port, ok

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = "What is the answer?"
REPETITIVE = ("the answer is ",) * 40
GOOD = ("Forty-two, ", "according to the book; ", "the question itself is unknown.")


@pytest.fixture
def fast() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(model="fake-fast") as server:
        yield server


@pytest.fixture
def deep() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(model="fake-deep") as server:
        yield server


def route_env(fast_base: str, deep_base: str, escalate: str) -> dict[str, str]:
    """Every prompt goes fast (threshold 1); both routes are litellm, quick to give up."""
    return {
        "AHA_ROUTER__THRESHOLD": "1",
        "AHA_ROUTER__ESCALATE": escalate,
        "AHA_ROUTES__FAST__ENGINE": "litellm",
        "AHA_ROUTES__FAST__MODEL": "openai/auto",
        "AHA_ROUTES__FAST__API_BASE": fast_base,
        "AHA_ROUTES__FAST__RETRIES": "0",
        # Room for the whole scripted answer: aha stops reading at max_tokens (the pilot
        # home's 8 would cut it and add "cut at the token limit" to the weak reasons).
        "AHA_ROUTES__FAST__MAX_TOKENS": "200",
        "AHA_ROUTES__DEEP__API_BASE": deep_base,
        "AHA_ROUTES__DEEP__RETRIES": "0",
        "AHA_UI__PRELOAD_MODEL": "false",
    }


def ask(aha_home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "ask", *args, PROMPT],
        cwd=REPO,
        env={**os.environ, "AHA_HOME": str(aha_home), **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def stored_answers(aha_home: Path) -> list:
    store = Store.open(aha_home / "aha.db")
    try:
        (session,) = store.list_sessions()
        messages = store.messages(session.id)
        (prompt,) = [m for m in messages if m.role == "user"]
        answers = store.children(prompt.id)
        assert all(a.parent_id == prompt.id for a in answers)
        return answers
    finally:
        store.close()


async def test_a_weak_fast_answer_is_marked_and_the_mark_is_stored(
    tmp_path: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    """ChatService runs the cheap checks after a complete answer: the reasons are on the turn
    and in the row's route note (so a restart still shows them); a good answer has none."""
    fast.script(ok(*REPETITIVE), ok(*GOOD))
    fast_route = {"engine": "litellm", "model": "openai/auto", "api_base": fast.api_base}
    settings = Settings(
        router={"threshold": 1.0, "escalate": "ask"},
        routes={
            "fast": {**fast_route, "retries": 0},
            "deep": {"api_base": deep.api_base, "retries": 0},
        },
    )
    store = Store.open(tmp_path / "cascade.db")
    try:
        service = ChatService(store, settings)
        session = store.create_session()

        async def answer(prompt: str):  # type: ignore[no-untyped-def]
            turn = await service.begin_turn(session.id, prompt)
            _ = [event async for event in service.stream_turn(turn)]
            return turn

        weak = await asyncio.wait_for(answer(PROMPT), 60)
        assert weak.route == "fast" and weak.weak == [REPEATS]
        row = store.get_message(weak.assistant.id)
        assert row is not None and row.status is MessageStatus.COMPLETE
        assert row.route_note == "weak: repeats itself"
        assert service.escalation_offer(row) == [REPEATS]
        assert await service.escalation_problem(row) is None

        good = await asyncio.wait_for(answer("And the question?"), 60)
        assert good.weak == [] and store.get_message(good.assistant.id).route_note is None
        assert service.escalation_offer(good.final) == []
        assert deep.requests == []
    finally:
        store.close()


def test_ask_auto_escalates_to_deep_as_a_sibling(
    aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    """escalate = "auto": `aha ask` prints the fast answer, says why it asks deep, then prints
    the deep answer after a blank line; both are stored as siblings under the one prompt."""
    fast.script(ok(*REPETITIVE))
    deep.script(ok(*GOOD))
    result = ask(aha_home, route_env(fast.api_base, deep.api_base, "auto"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    fast_text, deep_text = result.stdout.split("\n\n")
    assert fast_text.startswith("the answer is the answer is")
    assert deep_text.strip() == "".join(GOOD)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("[fast · fake-fast")
    assert lines[1] == "aha: fast answer looked weak (repeats itself); asking deep"
    assert lines[2].startswith("[deep · fake-deep")
    assert len(fast.requests) == 1 and len(deep.requests) == 1
    # The deep request carries the prompt, not the weak answer.
    assert [m["role"] for m in deep.requests[0].messages] == ["system", "user"]

    weak, strong = stored_answers(aha_home)
    assert (weak.route, weak.status, weak.route_note) == (
        "fast",
        MessageStatus.COMPLETE,
        "weak: repeats itself",
    )
    assert (strong.route, strong.status) == ("deep", MessageStatus.COMPLETE)
    assert strong.content == "".join(GOOD) and not strong.route_note


def test_ask_never_keeps_the_one_answer(aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI) -> None:
    """escalate = "never": the weak answer is still marked, but deep is never asked."""
    fast.script(ok(*REPETITIVE))
    result = ask(aha_home, route_env(fast.api_base, deep.api_base, "never"))
    assert result.returncode == 0, result.stderr
    assert "\n\n" not in result.stdout.strip()
    assert len(result.stderr.splitlines()) == 1
    assert deep.requests == []
    (answer,) = stored_answers(aha_home)
    assert (answer.route, answer.route_note) == ("fast", "weak: repeats itself")


def test_ask_auto_with_deep_down_says_so_in_one_line(aha_home: Path, fast: FakeOpenAI) -> None:
    """escalate = "auto" but nothing answers on the deep route: one line, nothing else."""
    fast.script(ok(*REPETITIVE))
    down = f"http://127.0.0.1:{closed_port()}/v1"
    result = ask(aha_home, route_env(fast.api_base, down, "auto"))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[1].startswith("aha: cannot ask deep: deep route unavailable")
    (answer,) = stored_answers(aha_home)
    assert answer.route == "fast"
