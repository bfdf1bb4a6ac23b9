"""Shared fixtures: every test runs against a fresh aha home, never the user's real data,
never the user's real keys and never the desktop's keyring."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.helpers.file_keyring import BACKEND, ENV_VAR

REPO = Path(__file__).resolve().parents[1]

# Variables that may hold a provider's key (OPENAI_API_KEY, ANTHROPIC_API_KEY, HF_TOKEN,
# AZURE_API_KEY, ...): a test must never send the developer's key to a scripted server.
_SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$", re.I)


def is_secret_variable(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


# The machine's own secrets, read before any test clears them: the session fails if one of
# them ever reached a scripted server (the guard behind the per-test clearing below).
MACHINE_SECRETS = frozenset(
    value for name, value in os.environ.items() if is_secret_variable(name) and len(value) >= 8
)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.servers.fake_openai import authorizations_seen

    leaked = sorted(
        {secret for secret in MACHINE_SECRETS for auth in authorizations_seen() if secret in auth}
    )
    if leaked:
        print(f"\nA key from this machine's environment reached a test server ({len(leaked)}).")
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def aha_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point AHA_HOME at an empty temp dir, drop every other AHA_* setting (AHA_CONFIG too) and
    every provider key variable, and pin the keyring to a file in the test's temp dir."""
    for name in list(os.environ):
        if name.startswith("AHA_") or is_secret_variable(name):
            monkeypatch.delenv(name)
    home = tmp_path / "aha-home"
    home.mkdir()
    monkeypatch.setenv("AHA_HOME", str(home))
    # keyring's own switch: this process and every child use the test file, never the OS store.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", BACKEND)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "test-keyring.json"))
    # A child started from another folder must still find that backend.
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", f"{REPO}{os.pathsep}{path}" if path else str(REPO))
    # Importing litellm must never reach for the network, in this process or a child.
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    return home
