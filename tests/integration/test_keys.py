"""`aha keys` end to end: a key goes into the keyring, reaches the server, and nowhere else.

The keyring is real `keyring` with a file backend defined in tests/helpers (selected through
PYTHON_KEYRING_BACKEND, as a user would select any backend); the server is a stdlib stub on
127.0.0.1 that records the Authorization header of every request.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from storage import MessageStatus, Store
from tests.helpers.file_keyring import BACKEND, ENV_VAR
from tests.helpers.openai_stub import OpenAIStub

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PRICED_MODEL = "gpt-4o-mini"  # in litellm's price map, so the answer gets a real cost


@pytest.fixture
def key() -> str:
    return "sk-aha-test-" + secrets.token_hex(16)


@pytest.fixture
def env(aha_home: Path, tmp_path: Path) -> dict[str, str]:
    """A child environment: the test keyring, no provider keys from the machine running the
    tests, and a fast route that answers in a few tokens."""
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return {
        **clean,
        "AHA_HOME": str(aha_home),
        "PYTHON_KEYRING_BACKEND": BACKEND,
        ENV_VAR: str(tmp_path / "keyring.json"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "AHA_UI__PRELOAD_MODEL": "false",
    }


def aha(
    env: dict[str, str], *args: str, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env={**env, **extra},
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=180,
    )


def deep_at(stub: OpenAIStub, model: str = PRICED_MODEL) -> dict[str, str]:
    return {
        "AHA_ROUTES__DEEP__MODEL": f"openai/{model}",
        "AHA_ROUTES__DEEP__API_BASE": stub.api_base,
    }


def _files_under(*roots: Path) -> list[Path]:
    return [
        p for root in roots for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file()
    ]


def test_stored_key_is_used_and_written_nowhere_else(
    env: dict[str, str], aha_home: Path, tmp_path: Path, key: str
) -> None:
    outputs: list[str] = []

    def run(*args: str, **kwargs: str) -> subprocess.CompletedProcess[str]:
        result = aha(env, *args, **kwargs)
        outputs.extend([result.stdout, result.stderr])
        return result

    stored = run("keys", "set", "openai", stdin=key + "\n")
    assert stored.returncode == 0, stored.stderr
    keyring_file = Path(env[ENV_VAR])
    assert key in keyring_file.read_text(), "the key went through the keyring backend"

    listed = run("keys", "list")
    assert listed.returncode == 0, listed.stderr
    (row,) = [line for line in listed.stdout.splitlines() if line.startswith("openai ")]
    assert row.split()[1:3] == ["keyring", "aha/openai"]
    assert row.endswith(key[-4:]) and key[:-4] not in row

    with OpenAIStub(models=(PRICED_MODEL,)) as stub:
        models = run("models", **deep_at(stub))
        assert models.returncode == 0, models.stderr
        assert "key keyring aha/openai" in models.stdout
        answer = run("ask", "--route", "deep", "Say hi", **deep_at(stub))
        assert answer.returncode == 0, answer.stderr
        assert answer.stdout.strip() == "Hello from the stub."
        posts = [h for method, _, h, _ in stub.requests if method == "POST"]
    assert [h.get("authorization") for h in posts] == [f"Bearer {key}"]

    store = Store.open(aha_home / "aha.db")
    try:
        (session,) = store.list_sessions()
        reply = store.messages(session.id)[-1]
    finally:
        store.close()
    assert reply.status is MessageStatus.COMPLETE
    assert (reply.prompt_tokens, reply.completion_tokens, reply.reasoning_tokens) == (11, 7, 3)
    # A server on 127.0.0.1 speaking OpenAI's API is spoken to directly (no litellm) and
    # priced as local, whatever its model is called.
    assert reply.cost_usd == 0.0

    exports = tmp_path / "exports"
    exports.mkdir()
    for fmt in ("md", "json"):
        done = run("export", "last", "--format", fmt, "-o", str(exports / f"last.{fmt}"))
        assert done.returncode == 0, done.stderr
        assert run("export", "last", "--all-branches", "--format", fmt).stdout
    run("stats", "--json")
    run("doctor")

    needle = key.encode()
    searched = _files_under(aha_home, exports)
    assert any(p.name == "aha.db" for p in searched)
    assert {p.suffix for p in searched} >= {".md", ".json"}
    hits = [str(p) for p in searched if needle in p.read_bytes()]
    hits += [f"output {i}" for i, text in enumerate(outputs) if key in text]
    assert hits == []
    assert needle in keyring_file.read_bytes(), "the search itself finds the key where it is"


def test_environment_beats_keyring_and_api_key_env_still_works(
    env: dict[str, str], key: str
) -> None:
    assert aha(env, "keys", "set", "openai", stdin=key).returncode == 0
    from_env = "sk-from-env-" + secrets.token_hex(8)
    named = "sk-named-" + secrets.token_hex(8)
    with OpenAIStub(models=(PRICED_MODEL,)) as stub:
        first = aha(env, "ask", "--route", "deep", "hi", OPENAI_API_KEY=from_env, **deep_at(stub))
        assert first.returncode == 0, first.stderr
        second = aha(
            env,
            "ask",
            "--route",
            "deep",
            "hi",
            OPENAI_API_KEY=from_env,
            AHA_ROUTES__DEEP__API_KEY_ENV="MY_DEEP_KEY",
            MY_DEEP_KEY=named,
            **deep_at(stub),
        )
        assert second.returncode == 0, second.stderr
        posts = [h.get("authorization") for m, _, h, _ in stub.requests if m == "POST"]
    assert posts == [f"Bearer {from_env}", f"Bearer {named}"]
    listed = aha(env, "keys", "list", OPENAI_API_KEY=from_env)
    (row,) = [line for line in listed.stdout.splitlines() if line.startswith("openai ")]
    assert row.split()[1:3] == ["env", "OPENAI_API_KEY"]


def test_discovered_local_server_gets_no_provider_key(env: dict[str, str], key: str) -> None:
    """A server found by probing 127.0.0.1 is not handed the stored openai key."""
    assert aha(env, "keys", "set", "openai", stdin=key).returncode == 0
    with OpenAIStub(models=("local-model",)) as stub:
        result = aha(
            env, "ask", "--route", "deep", "hi", AHA_ROUTES__DEEP__DISCOVER_PORTS=f"[{stub.port}]"
        )
        assert result.returncode == 0, result.stderr
        auth = [h.get("authorization") for _, _, h, _ in stub.requests]
    assert auth and all(a in (None, "Bearer no-key") for a in auth)
    assert "[deep · local-model" in result.stderr


def test_delete_and_key_never_taken_from_argv(env: dict[str, str], key: str) -> None:
    refused = aha(env, "keys", "set", "openai", key)
    assert refused.returncode == 2
    assert not Path(env[ENV_VAR]).exists()
    assert aha(env, "keys", "set", "openai", stdin=key).returncode == 0
    deleted = aha(env, "keys", "delete", "openai")
    assert deleted.returncode == 0, deleted.stderr
    again = aha(env, "keys", "delete", "openai")
    assert again.returncode == 1 and "no openai key" in again.stderr
    listed = aha(env, "keys", "list")
    assert not [line for line in listed.stdout.splitlines() if line.startswith("openai ")]


def test_no_keyring_backend_gives_one_clear_message(env: dict[str, str], key: str) -> None:
    """Headless Linux: keyring's fail backend. One message naming the variable, exit 2."""
    fail = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for args in (("keys", "set", "anthropic"), ("keys", "delete", "anthropic")):
        result = aha({**env, **fail}, *args, stdin=key)
        assert result.returncode == 2
        assert "no OS keyring" in result.stderr and "ANTHROPIC_API_KEY" in result.stderr
        assert "Traceback" not in result.stderr and key not in result.stderr + result.stdout
    listed = aha({**env, **fail}, "keys", "list", ANTHROPIC_API_KEY=key)
    assert listed.returncode == 0
    assert "keyring: not available" in listed.stdout
    (row,) = [line for line in listed.stdout.splitlines() if line.startswith("anthropic ")]
    assert row.split()[1:3] == ["env", "ANTHROPIC_API_KEY"] and key not in listed.stdout
