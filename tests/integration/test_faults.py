"""Failure paths of a remote route, through the real stack: ChatService, a real Store on a
temp file, the real LiteLLMEngine (litellm, openai, the HTTP client) talking to a
fault-injecting server on 127.0.0.1, and the real embedded model as the fast route that
answers when deep cannot.

Each test scripts the server, runs one turn, and checks what a user would be left with: the
stored rows (the prompt always complete; the answer's status, text, error and route) and the
events (at most one Failed, with a readable line, never an exception).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.backend.events import Content, Done, Failed
from app.backend.retry import FailureKind, classify, retry_delay
from app.chat import ChatService, Rerouted, Turn
from app.config import Settings, load_settings
from app.router.cascade import split_weak_note
from app.ui.app import AhaApp
from storage import Message, MessageStatus, Store
from tests.pilot.helpers import main_screen, send
from tests.servers.fake_openai import (
    FakeOpenAI,
    closed_port,
    cut_mid_stream,
    drop_connection,
    empty_answer,
    hang_before_first_byte,
    http_error,
    malformed_chunk,
    ok,
)
from widgets.message_view import AssistantMessage

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = "Compare two proofs that the square root of 2 is irrational"
TURN_TIMEOUT_S = 120.0
FAST_MODEL = "SmolLM2-135M-Instruct"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def make_settings(api_base: str, **deep: object) -> Settings:
    """Every prompt goes deep (threshold 0), retries are quick, fast answers are tiny."""
    return Settings(
        router={"threshold": 0.0},
        routes={
            "fast": {"max_tokens": 8, "temperature": 0.0},
            "deep": {
                "api_base": api_base,
                "retries": 2,
                "retry_backoff": 0.01,
                "first_byte_timeout": 10.0,
                "timeout": 10.0,
                **deep,
            },
        },
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "faults.db")
    try:
        yield opened
    finally:
        opened.close()


def service_for(store: Store, api_base: str, **deep: object) -> ChatService:
    return ChatService(store, make_settings(api_base, **deep))


async def run_turn(
    service: ChatService, session_id: str, prompt: str = PROMPT, force: str | None = None
) -> tuple[Turn, list[object]]:
    """Store and answer one prompt; the events as yielded. Bounded: a hang fails the test."""

    async def go() -> tuple[Turn, list[object]]:
        turn = await service.begin_turn(session_id, prompt, force_route=force)
        return turn, [event async for event in service.stream_turn(turn)]

    return await asyncio.wait_for(go(), TURN_TIMEOUT_S)


def rows(store: Store, turn: Turn) -> tuple[Message, Message]:
    user = store.get_message(turn.user.id)
    answer = store.get_message(turn.assistant.id)
    assert user is not None and answer is not None
    assert (user.role, user.content, user.status) == (
        "user",
        turn.user.content,
        MessageStatus.COMPLETE,
    )
    assert answer.parent_id == user.id
    return user, answer


def failures(events: list[object]) -> list[Failed]:
    return [e for e in events if isinstance(e, Failed)]


def text_of(events: list[object]) -> str:
    return "".join(e.text for e in events if isinstance(e, Content))


def assert_failed_once(events: list[object], message: str) -> None:
    failed = failures(events)
    assert [f.message for f in failed] == [message]
    assert "\n" not in message and "Traceback" not in message
    assert not any(isinstance(e, Done) for e in events)


def assert_deep_answer(store: Store, turn: Turn, events: list[object], text: str) -> None:
    _, answer = rows(store, turn)
    assert not failures(events) and not any(isinstance(e, Rerouted) for e in events)
    assert text_of(events) == text
    assert (answer.status, answer.content, answer.error) == (MessageStatus.COMPLETE, text, None)
    assert (answer.route, answer.model, answer.route_note) == ("deep", "fake-deep", None)


def assert_fell_back(store: Store, turn: Turn, events: list[object], note: str) -> None:
    """Fast answered in deep's place: the row, the turn and the Rerouted event all say so."""
    _, answer = rows(store, turn)
    assert not failures(events)
    rerouted = [e for e in events if isinstance(e, Rerouted)]
    assert rerouted == [Rerouted("fast", FAST_MODEL, note)]
    assert events.index(rerouted[0]) < min(
        (i for i, e in enumerate(events) if isinstance(e, Content)), default=len(events)
    ), "the badge changes before any text of the fast answer"
    assert answer.status is MessageStatus.COMPLETE and answer.content.strip()
    assert answer.content == text_of(events)
    # The tiny fast answer may be marked weak too ("· weak: cut at the token limit").
    route_note = split_weak_note(answer.route_note)[0]
    assert (answer.route, answer.model, route_note) == ("fast", FAST_MODEL, note)
    assert (turn.route, turn.note) == ("fast", note)
    assert answer.route_score is not None  # the router's decision stays on the row


# Deep down: the fast route answers -----------------------------------------------------------


async def test_refused_before_the_turn_fast_answers(store: Store) -> None:
    """Nothing listens on deep's port when the prompt is routed: fast answers from the start,
    and the badge note says why."""
    port = closed_port()
    service = service_for(store, f"http://127.0.0.1:{port}/v1")
    turn, events = await run_turn(service, store.create_session().id)
    _, answer = rows(store, turn)
    assert not failures(events)
    assert answer.status is MessageStatus.COMPLETE and answer.content.strip()
    assert answer.route == "fast"
    route_note = split_weak_note(answer.route_note)[0]  # and maybe "· weak: ..."
    assert route_note == f"deep route unavailable: no server at 127.0.0.1:{port}"


async def test_refused_at_answer_time_falls_back_to_fast(store: Store, fake: FakeOpenAI) -> None:
    """Deep was up when the prompt was routed and is gone when the request is sent: every
    retry is refused, then fast answers and the row says fast, with the reason."""
    service = service_for(store, fake.api_base)
    session = store.create_session()
    turn = await service.begin_turn(session.id, PROMPT)
    assert turn.route == "deep"
    fake.stop()
    events = await asyncio.wait_for(_collect(service, turn), TURN_TIMEOUT_S)
    note = f"deep route failed (no server at 127.0.0.1:{fake.port} after 3 tries); answered by fast"
    assert_fell_back(store, turn, events, note)


async def test_server_error_always_is_retried_then_fast_answers(
    store: Store, fake: FakeOpenAI
) -> None:
    """HTTP 500 on every request: tried 1 + retries times (no more: litellm's and the
    client's own retries are off), then fast answers."""
    fake.script(then=http_error(500))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id)
    assert len(fake.requests) == 3
    assert_fell_back(
        store, turn, events, "deep route failed (HTTP 500 after 3 tries); answered by fast"
    )


async def test_no_first_byte_times_out_then_fast_answers(store: Store, fake: FakeOpenAI) -> None:
    """A server that accepts the request and says nothing: each try ends at
    first_byte_timeout, then fast answers."""
    fake.script(then=hang_before_first_byte(30))
    service = service_for(store, fake.api_base, first_byte_timeout=1.0, retries=1)
    turn, events = await run_turn(service, store.create_session().id)
    assert len(fake.requests) == 2
    note = "deep route failed (no answer within 1 s after 2 tries); answered by fast"
    assert_fell_back(store, turn, events, note)


async def test_forced_deep_never_falls_back(store: Store, fake: FakeOpenAI) -> None:
    """`--route deep` (or R in the TUI): the failure is shown, never a fast answer in its place."""
    fake.script(then=http_error(503))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id, force="deep")
    _, answer = rows(store, turn)
    assert len(fake.requests) == 3
    assert_failed_once(events, "deep route: HTTP 503 after 3 tries")
    assert (answer.status, answer.route, answer.content) == (MessageStatus.ERROR, "deep", "")
    assert answer.error == "deep route: HTTP 503 after 3 tries"


# Transient errors: retried, deep answers ---------------------------------------------------


async def test_rate_limited_then_ok_is_retried(store: Store, fake: FakeOpenAI) -> None:
    """A 429 with a short Retry-After is waited out and retried; deep answers."""
    fake.script(http_error(429, headers={"Retry-After": "0"}), ok("Two ", "proofs."))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id)
    assert len(fake.requests) == 2
    assert_deep_answer(store, turn, events, "Two proofs.")


def test_retry_after_is_honoured_when_small_and_not_waited_when_long() -> None:
    """The wait before a retry is the server's Retry-After when short; a long one is not
    retried at all (another route, or the reason, beats a frozen spinner)."""

    class RateLimited(Exception):
        status_code = 429

        def __init__(self, retry_after: str) -> None:
            super().__init__("rate limited")
            self.litellm_response_headers = {"Retry-After": retry_after}

    short = classify(RateLimited("0.25"))
    assert (short.kind, short.retryable, short.retry_after) == (
        FailureKind.RATE_LIMITED,
        True,
        0.25,
    )
    assert retry_delay(short, 1, base=5.0) == 0.25
    long = classify(RateLimited("120"))
    assert (long.kind, long.retryable) == (FailureKind.RATE_LIMITED, False)
    assert "120 s" in long.reason


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_then_ok_are_retried(
    store: Store, fake: FakeOpenAI, status: int
) -> None:
    """502/503/504 once, then a normal stream: one retry, the answer is deep's."""
    fake.script(http_error(status), ok("Fine ", "now."))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id)
    assert len(fake.requests) == 2
    assert_deep_answer(store, turn, events, "Fine now.")


async def test_no_first_byte_then_ok_is_retried(store: Store, fake: FakeOpenAI) -> None:
    """One silent request, then a normal one: the retry's answer is deep's."""
    fake.script(hang_before_first_byte(30), ok("Awake."))
    service = service_for(store, fake.api_base, first_byte_timeout=1.0)
    turn, events = await run_turn(service, store.create_session().id)
    assert len(fake.requests) == 2
    assert_deep_answer(store, turn, events, "Awake.")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "deep route: the server refused the key (HTTP 401)"),
        (400, "deep route: HTTP 400: this model's context is 2048 tokens"),
    ],
)
async def test_request_errors_are_neither_retried_nor_replaced(
    store: Store, fake: FakeOpenAI, status: int, message: str
) -> None:
    """A wrong key or a rejected request would fail again the same way: one try, the
    server's reason in one line, no fallback that would hide the misconfiguration."""
    body = '{"error": {"message": "this model\'s context is 2048 tokens"}}' if status == 400 else ""
    fake.script(then=http_error(status, body))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id)
    _, answer = rows(store, turn)
    assert len(fake.requests) == 1
    assert_failed_once(events, message)
    assert (answer.status, answer.route, answer.error) == (MessageStatus.ERROR, "deep", message)


# Faults after text was shown: no retry, no fallback, the partial text is kept ---------------


async def test_cut_mid_stream_keeps_the_partial_answer(store: Store, fake: FakeOpenAI) -> None:
    """The connection closes after two chunks: the text already shown stays (stored, status
    error); no retry and no fallback, which would show a second, different beginning."""
    first, second = "The first proof is by contradiction. ", "Assume that the root is p/q "
    fake.script(cut_mid_stream(first, second, "never sent", after=2), then=ok("not used"))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id)
    _, answer = rows(store, turn)
    partial = first + second
    message = f"deep route: the stream was cut after {len(partial)} characters"
    assert len(fake.requests) == 1
    assert text_of(events) == partial
    assert_failed_once(events, message)
    assert not any(isinstance(e, Rerouted) for e in events)
    assert (answer.status, answer.content, answer.error) == (MessageStatus.ERROR, partial, message)
    assert (answer.route, answer.model) == ("deep", "fake-deep")


async def test_dropped_connection_then_ok_is_retried(store: Store, fake: FakeOpenAI) -> None:
    """The server closes the connection without a response (litellm calls that status 500):
    retried as a transient fault, and the retry's answer is deep's."""
    fake.script(drop_connection(), ok("Reconnected."))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id)
    assert len(fake.requests) == 2
    assert_deep_answer(store, turn, events, "Reconnected.")


async def test_dropped_connection_always_is_named_as_such(store: Store, fake: FakeOpenAI) -> None:
    """Never a response: the line says the server closed the connection, not "HTTP 500"."""
    fake.script(then=drop_connection())
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id, force="deep")
    _, answer = rows(store, turn)
    message = "deep route: the server closed the connection after 3 tries"
    assert len(fake.requests) == 3
    assert_failed_once(events, message)
    assert (answer.status, answer.error) == (MessageStatus.ERROR, message)


async def test_cut_before_any_text_is_retried(store: Store, fake: FakeOpenAI) -> None:
    """Closed after the role chunk, before any text: nothing was shown, so trying again is
    safe, and the retry's answer is deep's."""
    fake.script(cut_mid_stream("lost", after=0), ok("Second try."))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id)
    assert len(fake.requests) == 2
    assert_deep_answer(store, turn, events, "Second try.")


async def test_malformed_chunk_keeps_the_partial_answer(store: Store, fake: FakeOpenAI) -> None:
    """A line that is not JSON: one clear line, the text before it kept, no retry."""
    fake.script(malformed_chunk("Partial ", "answer"), then=ok("not used"))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id)
    _, answer = rows(store, turn)
    message = "deep route: malformed data from the server"
    assert len(fake.requests) == 1
    assert_failed_once(events, message)
    assert (answer.status, answer.content, answer.error) == (
        MessageStatus.ERROR,
        "Partial answer",
        message,
    )
    assert answer.route == "deep"


async def test_empty_answer_is_an_error(store: Store, fake: FakeOpenAI) -> None:
    """A stream with a role and a finish but no text: an error, not a silent empty answer."""
    fake.script(empty_answer(), then=ok("not used"))
    service = service_for(store, fake.api_base)
    turn, events = await run_turn(service, store.create_session().id)
    _, answer = rows(store, turn)
    message = "deep route: the model returned an empty answer"
    assert len(fake.requests) == 1
    assert_failed_once(events, message)
    assert (answer.status, answer.content, answer.error, answer.route) == (
        MessageStatus.ERROR,
        "",
        message,
        "deep",
    )


# After a failure -------------------------------------------------------------------------------


async def test_next_prompt_after_a_failure_works_without_the_failed_answer(
    store: Store, fake: FakeOpenAI
) -> None:
    """The session stays usable: the next prompt is answered, and the context sent for it
    holds both prompts but not the failed partial answer."""
    fake.script(cut_mid_stream("Half an ans", "wer", after=1), ok("A whole answer."))
    service = service_for(store, fake.api_base)
    session = store.create_session()
    failed_turn, failed_events = await run_turn(service, session.id)
    assert failures(failed_events)
    follow_up = "Now explain it to a child"
    turn, events = await run_turn(service, session.id, follow_up)

    assert_deep_answer(store, turn, events, "A whole answer.")
    assert turn.user.parent_id == failed_turn.assistant.id  # the thread goes on from there
    sent = fake.requests[-1].messages
    assert [m["role"] for m in sent] == ["system", "user", "user"]
    assert [m["content"] for m in sent[1:]] == [PROMPT, follow_up]
    assert all("Half an ans" not in m["content"] for m in sent)
    thread = store.active_thread(session.id)
    assert [m.status for m in thread] == [
        MessageStatus.COMPLETE,
        MessageStatus.ERROR,
        MessageStatus.COMPLETE,
        MessageStatus.COMPLETE,
    ]


# The TUI and aha ask ---------------------------------------------------------------------------


async def test_tui_badge_says_fast_and_why_after_a_fallback(
    aha_home: Path, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deep answers 503 every time: the TUI shows fast's answer, and the badge says fast and
    why, so a fast answer is never mistaken for a deep one."""
    fake.script(then=http_error(503))
    for name, value in {
        "AHA_ROUTES__DEEP__API_BASE": fake.api_base,
        "AHA_ROUTES__DEEP__RETRY_BACKOFF": "0.01",
        "AHA_ROUTES__FAST__MAX_TOKENS": "8",
        "AHA_ROUTES__FAST__TEMPERATURE": "0",
        "AHA_ROUTER__THRESHOLD": "0",
        "AHA_UI__PRELOAD_MODEL": "false",
    }.items():
        monkeypatch.setenv(name, value)
    note = "deep route failed (HTTP 503 after 3 tries); answered by fast"
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, PROMPT)
        (view,) = main_screen(app).conversation.query(AssistantMessage)
        assert view.status_value is MessageStatus.COMPLETE
        assert (view.badge.route, view.badge.model, view.badge.note) == ("fast", FAST_MODEL, note)
        assert view.body.source.strip()
        stored = app.store.get_message(view.message_id or "")
        assert stored is not None
        assert (stored.route, split_weak_note(stored.route_note)[0]) == ("fast", note)
    assert len(fake.requests) == 3


def test_ask_reports_a_fault_in_one_line(aha_home: Path, fake: FakeOpenAI) -> None:
    """`aha ask --route deep` against a server that always answers 503: exit 1, the reason
    in one stderr line, no traceback, and the prompt stored."""
    fake.script(then=http_error(503))
    env = {
        **os.environ,
        "AHA_HOME": str(aha_home),
        "AHA_ROUTES__DEEP__API_BASE": fake.api_base,
        "AHA_ROUTES__DEEP__RETRY_BACKOFF": "0.01",
        "AHA_UI__PRELOAD_MODEL": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    result = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "deep", PROMPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 1
    assert result.stdout.strip() == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("[deep · fake-deep")
    assert lines[1:] == ["aha: deep route: HTTP 503 after 3 tries"]
    assert len(fake.requests) == 3

    store = Store.open(aha_home / "aha.db")
    try:
        session = store.list_sessions()[0]
        user, answer = store.messages(session.id)
    finally:
        store.close()
    assert (user.content, user.status) == (PROMPT, MessageStatus.COMPLETE)
    assert (answer.status, answer.route, answer.error) == (
        MessageStatus.ERROR,
        "deep",
        "deep route: HTTP 503 after 3 tries",
    )


async def _collect(service: ChatService, turn: Turn) -> list[object]:
    return [event async for event in service.stream_turn(turn)]
