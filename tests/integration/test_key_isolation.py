"""The suite never sends the developer's keys anywhere: a child pytest started with provider
keys in its environment (as on a desktop with OPENAI_API_KEY set) runs a real request against
the scripted server, which must see no key; and the keyring is the test file backend."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.file_keyring import BACKEND

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_provider_keys_in_the_environment_never_reach_a_test_server() -> None:
    canaries = {
        "OPENAI_API_KEY": "sk-canary-openai-0123456789abcdef",
        "ANTHROPIC_API_KEY": "sk-ant-canary-0123456789",
        "HF_TOKEN": "hf_canary0123456789abcdef",
    }
    env = {**os.environ, **canaries}
    env.pop("PYTHON_KEYRING_BACKEND", None)  # as on a desktop: the OS keyring would be used
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/integration/probe_keys.py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_keyring_is_the_test_file_backend_everywhere() -> None:
    import keyring

    assert os.environ["PYTHON_KEYRING_BACKEND"] == BACKEND
    assert type(keyring.get_keyring()).__name__ == "FileKeyring"
