"""A deep route without `context_window` learns its window from the server (vLLM lists
`max_model_len`): a prompt too big for it is one clear line before anything is sent, and a long
branch is cut to fit, where before the server's own error came back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import long_session
from tests.servers.fake_openai import FakeOpenAI, models_listing, ok

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def seed_long_session(home: Path) -> str:
    """Six turns of about 700 tokens each: past the 2,048 tokens under which no server is
    asked for its window, and far past the 600 this one lists."""
    return long_session.seed_long_session(home, turns=6, words=260, route="deep")


def ask(home: Path, deep: FakeOpenAI, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_UI__PRELOAD_MODEL": "false",
        "AHA_ROUTES__DEEP__API_BASE": deep.api_base,
        "AHA_ROUTES__DEEP__MODEL": "openai/fake-deep",
        "AHA_ROUTES__DEEP__MAX_TOKENS": "64",
        "AHA_ROUTES__DEEP__RETRIES": "0",
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "deep", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_servers_window_bounds_what_is_sent(aha_home: Path) -> None:
    with FakeOpenAI(model="fake-deep") as deep:
        deep.list_models(models_listing("fake-deep", max_model_len=600))
        deep.script(then=ok("Fine."))
        short = ask(aha_home, deep, "Hi there.")
        assert short.returncode == 0, short.stderr
        assert "/v1/models" not in [path for _, path, _ in deep.seen]  # no round trip for it
        deep.script(then=ok("Fine."))
        too_big = ask(aha_home, deep, "Summarise: " + "tokens and more tokens " * 400)
        assert too_big.returncode == 1
        assert "more than the deep route's 600-token window" in too_big.stderr
        assert deep.requests == [] and "Traceback" not in too_big.stderr
        session = seed_long_session(aha_home)
        done = ask(aha_home, deep, "--session", session, "What next?")
        assert done.returncode == 0, done.stderr
        assert "left out the" in done.stderr and "600-token window" in done.stderr
        (request,) = deep.requests
    sent = sum(len(str(m["content"])) for m in request.messages)
    # Each long prompt (its own process) asked the server once.
    assert [path for _, path, _ in deep.seen].count("/v1/models") == 2
    assert sent < 600 * 3.5 and request.messages[-1]["content"] == "What next?"
