"""Run only by test_key_isolation.py, in a child pytest whose environment holds provider keys:
a real `aha ask` against the scripted server must arrive with no key at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.servers.fake_openai import FakeOpenAI, ok

REPO = Path(__file__).resolve().parents[2]


def test_the_scripted_server_sees_no_key_from_the_machine(aha_home: Path) -> None:
    with FakeOpenAI() as server:
        server.script(then=ok("fine"))
        env = {
            **os.environ,
            "AHA_HOME": str(aha_home),
            "AHA_ROUTES__DEEP__API_BASE": server.api_base,
            "AHA_ROUTES__DEEP__MODEL": "openai/fake-deep",
        }
        done = subprocess.run(
            [sys.executable, "-m", "app", "ask", "--route", "deep", "hello"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert [auth for _, _, auth in server.seen] == ["Bearer no-key"]
