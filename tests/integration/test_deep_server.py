"""The deep route against a real OpenAI-compatible server: `llama_cpp.server` with the
embedded GGUF on 127.0.0.1, started once for the session.

A prompt routed deep must reach that server over HTTP streaming (litellm), and the badge, the
stored row and the TUI must all say deep, with the server's model alias and token counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.router import Router
from app.ui.app import AhaApp
from storage import Message, MessageStatus, Store
from tests.pilot.helpers import main_screen, send
from tests.servers.llama_server import LlamaServer, listening_addresses, llama_server
from widgets.message_view import AssistantMessage

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
HARD_PROMPT = "Prove step by step that the square root of 2 is irrational, then compare two proofs"


@pytest.fixture(scope="session")
def deep_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with llama_server(tmp_path_factory.mktemp("llama-server")) as server:
        yield server


def deep_env(home: Path, server: LlamaServer) -> dict[str, str]:
    """The environment of an `aha` child: this home, deep = the server, short greedy answers."""
    return {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__DEEP__API_BASE": server.api_base,
        "AHA_ROUTES__DEEP__MAX_TOKENS": "12",
        "AHA_ROUTES__DEEP__TEMPERATURE": "0",
        "AHA_ROUTES__FAST__MAX_TOKENS": "8",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def ask(home: Path, server: LlamaServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "ask", *args],
        cwd=REPO,
        env=deep_env(home, server),
        capture_output=True,
        text=True,
        timeout=180,
    )


def only_answer(home: Path) -> Message:
    store = Store.open(home / "aha.db")
    try:
        (session,) = store.list_sessions()
        user, answer = store.messages(session.id)
    finally:
        store.close()
    assert user.status is MessageStatus.COMPLETE
    return answer


def assert_deep_row(answer: Message, alias: str) -> None:
    assert (answer.route, answer.model, answer.status) == ("deep", alias, MessageStatus.COMPLETE)
    assert answer.route_note is None
    assert answer.completion_tokens and answer.completion_tokens > 0
    # llama_cpp.server sends no usage in a stream: the prompt's tokens are not reported, and
    # aha stores none rather than an estimate (`aha stats` says "not reported"). The answer's
    # tokens are its deltas, counted as they arrive.
    assert answer.prompt_tokens is None
    assert answer.error is None


def test_server_listens_on_loopback_only(deep_server: LlamaServer) -> None:
    """The test server must not be reachable from the network."""
    addresses = listening_addresses(deep_server.port)
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    assert addresses == {"127.0.0.1"}


def test_hard_prompt_is_answered_by_the_deep_server(
    aha_home: Path, deep_server: LlamaServer
) -> None:
    """No --route: the router sends the hard prompt deep, and the server answers it."""
    assert Router().decide(HARD_PROMPT).route == "deep"
    result = ask(aha_home, deep_server, HARD_PROMPT)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    badge = result.stderr.splitlines()[0]
    assert badge.startswith(f"[deep · {deep_server.alias} ·"), badge
    assert "unavailable" not in badge and "failed" not in badge
    answer = only_answer(aha_home)
    assert result.stdout.strip()
    assert answer.content.strip() == result.stdout.strip()
    assert_deep_row(answer, deep_server.alias)


def test_forced_deep_route_uses_the_server(aha_home: Path, deep_server: LlamaServer) -> None:
    """`--route deep` on an easy prompt goes to the server too."""
    result = ask(aha_home, deep_server, "--route", "deep", "Say hello")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0].startswith(f"[deep · {deep_server.alias} · forced: deep")
    answer = only_answer(aha_home)
    assert result.stdout.strip() and answer.content.strip() == result.stdout.strip()
    assert_deep_row(answer, deep_server.alias)


async def test_tui_answers_a_hard_prompt_from_the_deep_server(
    aha_home: Path, deep_server: LlamaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the TUI, the hard prompt's answer streams from the server and the badge says deep."""
    for name, value in deep_env(aha_home, deep_server).items():
        if name.startswith("AHA_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("AHA_UI__PRELOAD_MODEL", "false")
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, HARD_PROMPT)
        (view,) = main_screen(app).conversation.query(AssistantMessage)
        assert view.status_value is MessageStatus.COMPLETE
        assert (view.badge.route, view.badge.model) == ("deep", deep_server.alias)
        assert view.badge.note is None
        stored = app.store.get_message(view.message_id or "")
        assert stored is not None
        assert_deep_row(stored, deep_server.alias)
        assert view.body.source.strip() == stored.content.strip() != ""
