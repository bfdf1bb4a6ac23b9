"""Hostile servers on 127.0.0.1: keys echoed back, redirects to another origin, escape
sequences in model names, streams that never end, listings that drip.

Each case runs the real stack (ChatService or the `aha` command as a subprocess, litellm, the
OpenAI client, a real SQLite file) against the scripted server, and checks what a user is left
with: what reached the terminal, the database and the exports, and that every command ended.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.backend.events import Content, Failed
from app.chat import ChatService, Turn
from app.config import Settings
from storage import MessageStatus, Store
from tests.servers.fake_openai import (
    FakeOpenAI,
    drip_before_text,
    echo_auth_error,
    endless,
    keepalive_after,
    models_drip,
    models_listing,
    models_redirect,
    ok,
    redirect,
)

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = "Explain the proof that there are infinitely many primes"
# Every C0 control but tab and newline, DEL, the C1 range, and the bidirectional overrides.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A model name a hostile server lists: an OSC 52 clipboard write, a clear screen, an RTL
# override that would show "gpt-fdp.exe" as something else.
HOSTILE_MODEL = "evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b[H-model\u202eexe.txt"
CLEAN_MODEL = "evil-modelexe.txt"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def other() -> Iterator[FakeOpenAI]:
    """A second server, on another port: another origin a redirect may point to."""
    with FakeOpenAI(model="other-origin") as server:
        server.script(then=ok("the prompt reached the other origin"))
        yield server


def env_for(home: Path, server: FakeOpenAI, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__DEEP__API_BASE": server.api_base,
        "AHA_ROUTES__DEEP__RETRIES": "0",
        "AHA_UI__PRELOAD_MODEL": "false",
        **extra,
    }


def aha(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def database_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in home.rglob("*.db*") if p.is_file())


# 1. A key echoed by a server ---------------------------------------------------------------


@pytest.mark.parametrize("shape", ["provider", "plain"])
def test_an_echoed_key_is_redacted_everywhere(
    aha_home: Path, tmp_path: Path, fake: FakeOpenAI, shape: str
) -> None:
    """The server answers 400 with the request's Authorization header in its message. The key
    (an sk- key, and one of no known shape, known only because the route uses it) is in no
    output, no database byte and no export; the error still says what happened."""
    key = ("sk-" if shape == "provider" else "zq") + secrets.token_hex(20)
    fake.script(then=echo_auth_error(400))
    env = env_for(
        aha_home, fake, AHA_ROUTES__DEEP__API_KEY_ENV="MY_DEEP_CREDENTIAL", MY_DEEP_CREDENTIAL=key
    )
    asked = aha(env, "ask", "--route", "deep", PROMPT)
    assert asked.returncode == 1
    assert fake.seen and all(auth == f"Bearer {key}" for _, _, auth in fake.seen)
    assert "HTTP 400" in asked.stderr and "Invalid header: Bearer [redacted]" in asked.stderr
    assert key not in asked.stdout + asked.stderr
    assert key.encode() not in database_bytes(aha_home)
    for fmt in ("md", "json"):
        out = tmp_path / f"export.{fmt}"
        exported = aha(env, "export", "last", "--format", fmt, "-o", str(out))
        assert exported.returncode == 0, exported.stderr
        text = out.read_text()
        assert "redacted" in text and key not in text  # Markdown escapes the brackets
    stored = aha(env, "ask", "--json", "--route", "deep", PROMPT)
    record = json.loads(stored.stdout)
    assert key not in json.dumps(record) and "[redacted]" in record["answer"]["error"]


# 2. Redirects --------------------------------------------------------------------------------


def test_a_redirect_to_another_origin_is_never_followed(
    aha_home: Path, fake: FakeOpenAI, other: FakeOpenAI
) -> None:
    """/v1/models and the chat request both answer 307 to another port: neither the key nor
    the prompt goes there, and the line names where the redirect pointed."""
    target = f"{other.api_base}/chat/completions"
    fake.list_models(models_redirect(f"{other.api_base}/models"))
    fake.script(then=redirect(target))
    key = "sk-" + secrets.token_hex(20)
    env = env_for(aha_home, fake, AHA_ROUTES__DEEP__API_KEY_ENV="DEEP_KEY", DEEP_KEY=key)
    listed = aha(env, "models")
    assert f"redirected (HTTP 307) to {other.api_base}/models" in listed.stdout + listed.stderr
    # With the model named, the chat request itself meets the redirect.
    env["AHA_ROUTES__DEEP__MODEL"] = "openai/fake-deep"
    asked = aha(env, "ask", "--route", "deep", PROMPT)
    assert asked.returncode == 1
    assert f"redirected (HTTP 307) to {target}" in asked.stderr
    assert "aha does not follow redirects" in asked.stderr
    assert [method for method, _, _ in fake.seen].count("POST") == 1
    assert other.seen == [], "nothing, neither key nor prompt, reached the other origin"
    assert key not in asked.stderr + listed.stdout + listed.stderr


# 3. Escape sequences and bidirectional overrides in model names ----------------------------


def test_a_hostile_model_name_is_cleaned_before_the_screen_and_the_database(
    aha_home: Path,
) -> None:
    with FakeOpenAI(model=HOSTILE_MODEL) as server:
        server.script(then=ok("An answer."))
        env = env_for(aha_home, server)
        asked = aha(env, "ask", "--route", "deep", PROMPT)
        listed = aha(env, "models")
    assert asked.returncode == 0, asked.stderr
    for text in (asked.stdout, asked.stderr, listed.stdout, listed.stderr):
        assert not UNSAFE.findall(text), text
    assert CLEAN_MODEL in asked.stderr and CLEAN_MODEL in listed.stdout
    store = Store.open(aha_home / "aha.db")
    try:
        models = [row[0] for row in store.conn.execute("SELECT model FROM messages")]
    finally:
        store.close()
    assert CLEAN_MODEL in models and not any(UNSAFE.findall(m or "") for m in models)


# 4. Servers that never finish ----------------------------------------------------------------


def settings_for(api_base: str, **deep: object) -> Settings:
    return Settings(
        routes={
            "fast": {"max_tokens": 8, "temperature": 0.0},
            "deep": {
                "api_base": api_base,
                "model": "openai/fake-deep",
                "retries": 0,
                **deep,
            },
        },
    )


async def deep_turn(store: Store, settings: Settings) -> tuple[Turn, list[object]]:
    service = ChatService(store, settings)
    turn = await service.begin_turn(store.create_session().id, PROMPT, force_route="deep")
    events = [event async for event in service.stream_turn(turn)]
    return turn, events


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "hostile.db")
    try:
        yield opened
    finally:
        opened.close()


async def test_max_tokens_is_enforced_by_aha(store: Store, fake: FakeOpenAI) -> None:
    """An endless stream that ignores max_tokens: aha stops reading after max_tokens
    deltas, keeps the text and ends the answer as complete, cut at the length."""
    fake.script(then=endless("word "))
    turn, events = await asyncio.wait_for(
        deep_turn(store, settings_for(fake.api_base, max_tokens=32)), 60
    )
    answer = store.get_message(turn.assistant.id)
    assert answer is not None and answer.status is MessageStatus.COMPLETE
    assert answer.content == "word " * 32
    assert not [e for e in events if isinstance(e, Failed)]


async def test_timeout_is_a_deadline_for_the_whole_request(store: Store, fake: FakeOpenAI) -> None:
    """Text, then keep-alive bytes for ever: at `timeout` aha stops, keeps the text, and the
    answer is an error that says why (never left `streaming`)."""
    fake.script(then=keepalive_after("Some ", "text.", every=0.2))
    turn, events = await asyncio.wait_for(
        deep_turn(store, settings_for(fake.api_base, timeout=2.0)), 60
    )
    answer = store.get_message(turn.assistant.id)
    assert answer is not None and answer.status is MessageStatus.ERROR
    assert answer.content == "Some text."
    assert answer.error == (
        "deep route: no end within the 2 s timeout; stopped after 10 characters"
    )
    assert "".join(e.text for e in events if isinstance(e, Content)) == "Some text."


async def test_a_role_chunk_and_keepalives_are_not_a_first_byte(
    store: Store, fake: FakeOpenAI
) -> None:
    """The role chunk and an SSE comment every 0.2 s, never text: first_byte_timeout fires."""
    fake.script(then=drip_before_text(every=0.2))
    turn, events = await asyncio.wait_for(
        deep_turn(store, settings_for(fake.api_base, first_byte_timeout=1.5, timeout=60)), 60
    )
    answer = store.get_message(turn.assistant.id)
    assert answer is not None and answer.status is MessageStatus.ERROR
    assert answer.error == "deep route: no answer within 1.5 s"
    assert [e.message for e in events if isinstance(e, Failed)] == [answer.error]


def test_a_dripping_model_list_ends_every_command(aha_home: Path, fake: FakeOpenAI) -> None:
    """/v1/models sends a byte a second: `aha models`, `aha doctor` and `aha ask` each end by
    the listing's deadline, with a line that says why."""
    fake.list_models(models_drip(claimed_bytes=500, every=1.0))
    fake.script(then=ok("never reached"))
    env = env_for(aha_home, fake)
    for args in (("models",), ("doctor",)):
        done = aha(env, *args, timeout=60)
        assert "Traceback" not in done.stderr
        assert "did not finish answering within" in done.stdout + done.stderr, done.stdout
    asked = aha(env, "ask", "--route", "deep", PROMPT, timeout=60)
    assert asked.returncode == 1 and "Traceback" not in asked.stderr


def test_the_model_list_is_capped_in_size(aha_home: Path, fake: FakeOpenAI) -> None:
    """A listing longer than the cap (here, by its Content-Length) is refused, not read."""
    fake.list_models(models_drip(claimed_bytes=1 << 30, every=0.01))
    done = aha(env_for(aha_home, fake), "models", timeout=60)
    assert "answered more than" in done.stdout + done.stderr


def test_hostile_listing_names_are_sanitised(aha_home: Path, fake: FakeOpenAI) -> None:
    fake.list_models(models_listing(HOSTILE_MODEL, "fine-model"))
    done = aha(env_for(aha_home, fake), "models")
    assert done.returncode == 0, done.stderr
    assert CLEAN_MODEL in done.stdout  # the route's model: the first one listed
    assert not UNSAFE.findall(done.stdout + done.stderr)
