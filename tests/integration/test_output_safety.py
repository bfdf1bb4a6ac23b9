"""Model output is untrusted: terminal control sequences from a server never reach stdout,
stderr, the database, the TUI or an export.

The fake server sends what a hostile or broken model could: CSI colours and cursor moves, an
OSC 52 clipboard write, a bell, an OSC title change split across two SSE chunks, a CSI split
likewise, and escapes in the reasoning too. Each place the text lands is checked for the
visible words, and for the absence of every control character.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from storage import Message, MessageStatus, Store
from tests.pilot.helpers import main_screen, send
from tests.servers.fake_openai import FakeOpenAI, http_error, raw_text
from widgets.message_view import AssistantMessage

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = "Say something colourful"
HOSTILE = (
    "Plain ",
    "\x1b[31mred\x1b[0m ",  # CSI colours
    "\x1b[2J\x1b[1;1Hmoved ",  # clear screen, cursor home
    "\x1b]52;c;cm0gLXJmIH4=\x07copied ",  # OSC 52: put "rm -rf ~" on the clipboard
    "bell\x07 ",
    "\x1b]0;pwn",  # OSC title change, split across two chunks
    "ed\x07titled ",
    "\x1b[3",  # CSI split across two chunks
    "2mgreen\x1b[0m.",
)
VISIBLE = "Plain red moved copied bell titled green."
HOSTILE_REASONING = ("Think \x1b[1mbold\x1b[0m", " \x1b]52;c;eA==\x07", "done\x1b[?25l")
VISIBLE_REASONING = "Think bold done"
# Every C0 control but tab and newline, DEL, and the C1 range (8-bit CSI, OSC, ...).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def assert_clean(text: str) -> None:
    found = CONTROL.findall(text)
    assert not found, f"control characters leaked: {found!r} in {text!r}"
    assert "]52;" not in text and "pwned" not in text


@pytest.fixture
def hostile() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        server.script(then=raw_text(*HOSTILE, reasoning=HOSTILE_REASONING))
        yield server


def env_for(home: Path, server: FakeOpenAI) -> dict[str, str]:
    return {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__DEEP__API_BASE": server.api_base,
        "AHA_ROUTER__THRESHOLD": "0",  # every prompt goes deep, to the hostile server
        "AHA_UI__PRELOAD_MODEL": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def aha(home: Path, server: FakeOpenAI, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=env_for(home, server),
        capture_output=True,
        text=True,
        timeout=180,
    )


def stored_answer(home: Path) -> Message:
    store = Store.open(home / "aha.db")
    try:
        (session,) = store.list_sessions()
        _, answer = store.messages(session.id)
    finally:
        store.close()
    return answer


def assert_clean_row(answer: Message) -> None:
    assert (answer.route, answer.status) == ("deep", MessageStatus.COMPLETE)
    assert answer.content == VISIBLE
    assert answer.reasoning == VISIBLE_REASONING
    for field in (answer.content, answer.reasoning, answer.error or "", answer.route_note or ""):
        assert_clean(field)


def test_ask_stdout_stderr_database_and_export_are_clean(
    aha_home: Path, hostile: FakeOpenAI
) -> None:
    """`aha ask --thinking` (answer on stdout, reasoning on stderr), the stored row, and
    `aha export last --format md` carry the words and none of the sequences."""
    result = aha(aha_home, hostile, "ask", "--thinking", PROMPT)
    assert result.returncode == 0, result.stderr
    assert len(hostile.requests) == 1  # the hostile server did answer
    assert result.stdout == VISIBLE + "\n"
    assert VISIBLE_REASONING in result.stderr
    assert_clean(result.stdout)
    assert_clean(result.stderr)
    assert_clean_row(stored_answer(aha_home))

    exported = aha(aha_home, hostile, "export", "last", "--format", "md")
    assert exported.returncode == 0, exported.stderr
    assert VISIBLE in exported.stdout
    assert_clean(exported.stdout)


async def test_tui_shows_only_the_visible_text(
    aha_home: Path, hostile: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer view's Markdown source holds the words only; so does the stored row."""
    for name, value in env_for(aha_home, hostile).items():
        if name.startswith("AHA_"):
            monkeypatch.setenv(name, value)
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await send(pilot, app, PROMPT)
        (view,) = main_screen(app).conversation.query(AssistantMessage)
        assert view.badge.route == "deep"
        assert view.body.source == VISIBLE
        assert_clean(view.body.source)
        stored = app.store.get_message(view.message_id or "")
        assert stored is not None
        assert_clean_row(stored)


def test_error_bodies_are_cleaned_too(aha_home: Path) -> None:
    """A server's error message is as untrusted as its answers: it reaches stderr and the
    stored error as words only."""
    body = '{"error": {"message": "bad \\u001b]52;c;cm0gLXJmIH4=\\u0007request \\u001b[31mnow"}}'
    with FakeOpenAI() as server:
        server.script(then=http_error(400, body))
        result = aha(aha_home, server, "ask", "--route", "deep", PROMPT)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "aha: deep route: HTTP 400: bad request now"
    assert_clean(result.stderr)
    answer = stored_answer(aha_home)
    assert answer.error == "deep route: HTTP 400: bad request now"
