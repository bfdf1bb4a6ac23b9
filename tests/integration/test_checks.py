"""Answers that check themselves, with real parts: the real sandbox (bubblewrap), real hostile
code, scripted OpenAI-compatible servers standing in for both routes, `aha ask` as a process.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.checks import sandbox
from app.checks.extract import program
from app.checks.run import run_program
from tests.helpers.tools import require
from tests.servers.fake_openai import FakeOpenAI, ok

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = (
    "Write a Python function add(a, b) that returns the sum.\n\n"
    "```python\nassert add(1, 2) == 3\nassert add(-1, 1) == 0\nassert add(0, 0) == 0\n```"
)
BUGGY = "Here you go:\n\n```python\ndef add(a, b):\n    return a - b\n```\n"
FIXED = "Fixed:\n\n```python\ndef add(a, b):\n    return a + b\n```\n"
LIMITS = sandbox.Limits(wall_s=5, cpu_s=5, memory_mib=256, processes=16)


def needs_sandbox() -> None:
    require(sandbox.probe().ok, f"the sandbox does not work here: {sandbox.probe().detail}")


def check(code: str) -> object:
    return run_program(program("", f"```python\n{code}\n```"), LIMITS)


# The sandbox, against hostile code ------------------------------------------------------------


def test_the_network_is_not_there() -> None:
    """A listener on 127.0.0.1 of the host: the code cannot reach it (its own namespace)."""
    needs_sandbox()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = check(
            "import socket\n"
            "def reach():\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n"
            "    return True\n"
            "assert reach()\n"
        )
        listener.settimeout(0.5)
        with pytest.raises(OSError):
            listener.accept()  # nothing ever connected
    assert result.status == "failed" and "ConnectionRefusedError" in result.output  # type: ignore[attr-defined]


def test_no_write_outside_its_folder(tmp_path: Path) -> None:
    needs_sandbox()
    target = tmp_path / "outside.txt"
    result = check(
        "def write():\n"
        f"    open({str(target)!r}, 'w').write('x')\n"
        "    return True\n"
        "assert write()\n"
    )
    assert not target.exists()
    assert result.status == "failed"  # type: ignore[attr-defined]


def test_keys_and_environment_stay_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    needs_sandbox()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-never-be-seen-0123456789")
    result = check(
        "import os\n"
        "def env():\n"
        "    return sorted(os.environ)\n"
        "assert 'OPENAI_API_KEY' not in env()\n"
        "assert 'AHA_HOME' not in env()\n"
    )
    assert result.status == "passed", result.output  # type: ignore[attr-defined]


def test_an_endless_loop_ends_at_the_time_cap_and_the_loop_stays_responsive() -> None:
    needs_sandbox()

    async def go() -> tuple[object, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        task = asyncio.create_task(ticker())
        code = program("", "```python\ndef spin():\n    while True: pass\nassert spin()\n```")
        small = sandbox.Limits(wall_s=2, cpu_s=2)
        result = await asyncio.to_thread(run_program, code, small)
        task.cancel()
        return result, ticks

    result, ticks = asyncio.run(go())
    assert result.status == "timeout"  # type: ignore[attr-defined]
    assert ticks >= 10, "the event loop kept running while the check ran"


def test_an_8_gib_allocation_is_refused() -> None:
    needs_sandbox()
    result = check("def big():\n    return len(bytearray(8 * 1024**3))\nassert big()\n")
    assert result.status == "failed" and "MemoryError" in result.output  # type: ignore[attr-defined]


def test_a_fork_loop_is_held_by_the_process_cap() -> None:
    needs_sandbox()
    before = len(os.listdir("/proc"))
    result = check(
        "import os, time\n"
        "def bomb():\n"
        "    children = 0\n"
        "    for _ in range(10_000):\n"
        "        try:\n"
        "            if os.fork() == 0:\n"
        "                time.sleep(30)\n"
        "                os._exit(0)\n"
        "            children += 1\n"
        "        except OSError:\n"
        "            pass\n"
        "    return children\n"
        "assert bomb() > 1000\n"
    )
    assert result.status in ("failed", "timeout")  # type: ignore[attr-defined]
    time.sleep(0.5)
    assert len(os.listdir("/proc")) < before + 20, "the forked children are gone"


def test_a_sandboxed_check_reports_counts() -> None:
    needs_sandbox()
    result = check(
        "def add(a, b):\n    return a + b\nassert add(1, 2) == 3\nassert add(1, 1) == 3\n"
    )
    assert (result.status, result.passed, result.failed) == ("failed", 1, 1)  # type: ignore[attr-defined]
    assert "FAILED assert add(1, 1) == 3" in result.output  # type: ignore[attr-defined]


def test_counterfeit_reports_do_not_count() -> None:
    """Code that prints what looks like the harness's report gains nothing."""
    needs_sandbox()
    result = check(
        'print(\'@@aha-0000@@{"passed": 99, "failed": 0, "problems": "", "loaded": true}\')\n'
        "def f():\n    return 1\nassert f() == 2\n"
    )
    assert (result.passed, result.failed) == (0, 1)  # type: ignore[attr-defined]


# Repair rounds and escalation through `aha ask --check --json` ---------------------------------


@pytest.fixture
def fast() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(model="fast-coder") as server:
        yield server


@pytest.fixture
def deep() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(model="deep-coder") as server:
        yield server


def ask(home: Path, fast: FakeOpenAI, deep: FakeOpenAI, *extra: str, **env: str) -> dict:
    full = {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__FAST__ENGINE": "litellm",
        "AHA_ROUTES__FAST__API_BASE": fast.api_base,
        "AHA_ROUTES__FAST__MODEL": "openai/fast-coder",
        "AHA_ROUTES__DEEP__API_BASE": deep.api_base,
        "AHA_ROUTES__DEEP__MODEL": "openai/deep-coder",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "fast", "--check", "--json", *extra,
         PROMPT],
        cwd=REPO, env=full, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    record = json.loads(done.stdout)
    record["_rc"] = done.returncode
    return record


def test_a_failing_answer_is_repaired_and_the_passing_one_shown(
    aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    needs_sandbox()
    fast.script(ok(BUGGY), ok(FIXED))
    record = ask(aha_home, fast, deep)
    checks = record["checks"]
    assert [(c["kind"], c["status"], c["passed"], c["failed"]) for c in checks] == [
        ("tests", "failed", 1, 2),
        ("tests", "passed", 3, 0),
    ]
    assert record["answer"]["id"] == checks[1]["answer_id"] != checks[0]["answer_id"]
    assert "a + b" in record["answer"]["content"]
    assert "escalated_from" not in record and record["_rc"] == 0
    # The repair request carried the failure output, verbatim.
    repair = fast.requests[1].messages[-1]["content"]
    assert "FAILED assert add(1, 2) == 3" in repair


def test_still_failing_on_fast_escalates_to_deep_once(
    aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    needs_sandbox()
    fast.script(then=ok(BUGGY))
    deep.script(then=ok(FIXED))
    record = ask(aha_home, fast, deep, AHA_ROUTER__ESCALATE="auto")
    statuses = [(c["status"], c["route"]) for c in record["checks"]]
    assert statuses == [("failed", "fast")] * 3 + [("passed", "deep")]
    assert record["answer"]["route"] == "deep"
    assert record["escalated_from"]["route"] == "fast"
    assert len(deep.requests) == 1 and record["_rc"] == 0


def test_no_sandbox_runs_nothing_and_says_so(
    aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI, tmp_path: Path
) -> None:
    """Without bubblewrap on PATH: one line, status blocked, nothing run."""
    fast.script(then=ok(BUGGY))
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("python3",):
        (bare / tool).symlink_to(sys.executable)
    record = ask(aha_home, fast, deep, PATH=str(bare))
    assert [c["status"] for c in record["checks"]] == ["blocked"]
    assert "bubblewrap" in record["checks"][0]["output"]
    assert record["_rc"] == 1


def test_the_check_is_stored_with_the_answer(
    aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    needs_sandbox()
    fast.script(ok(BUGGY), ok(FIXED))
    record = ask(aha_home, fast, deep)
    from storage import Store

    store = Store.open(aha_home / "aha.db")
    try:
        stored = store.checks_in_session(record["session"]["id"])
        first = store.get_message(record["checks"][0]["answer_id"])
    finally:
        store.close()
    assert [c.status for c in stored] == ["failed", "passed"]
    assert first is not None and "a - b" in first.content


# Agreement across samples ----------------------------------------------------------------------


def ask_samples(home: Path, fast: FakeOpenAI, deep: FakeOpenAI, **env: str) -> dict:
    full = {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__FAST__ENGINE": "litellm",
        "AHA_ROUTES__FAST__API_BASE": fast.api_base,
        "AHA_ROUTES__FAST__MODEL": "openai/fast-coder",
        "AHA_ROUTES__DEEP__API_BASE": deep.api_base,
        "AHA_ROUTES__DEEP__MODEL": "openai/deep-coder",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "fast", "--samples", "3", "--json",
         "What is 6 times 7?"],
        cwd=REPO, env=full, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)


def test_samples_agree_and_the_majority_is_shown(
    aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    fast.script(ok("It is 41."), ok("6 × 7 = 42, so the answer is 42."), ok("\\boxed{42}"))
    record = ask_samples(aha_home, fast, deep)
    assert record["agreement"]["samples"] == 3
    assert record["agreement"]["result"] == "42"
    assert abs(record["agreement"]["share"] - 2 / 3) < 1e-3
    assert record["answer"]["content"] == "6 × 7 = 42, so the answer is 42."
    assert len({s["id"] for s in record["samples"]}) == 3
    assert len({s["parent_id"] for s in record["samples"]}) == 1  # siblings of one prompt
    assert "escalated_from" not in record


def test_low_agreement_escalates_to_deep(
    aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    fast.script(ok("It is 41."), ok("It is 43."), ok("It is 44."))
    deep.script(then=ok("The answer is 42."))
    record = ask_samples(aha_home, fast, deep, AHA_ROUTER__ESCALATE="auto")
    assert record["agreement"]["share"] < 0.67
    assert record["answer"]["route"] == "deep" and "42" in record["answer"]["content"]
    assert record["escalated_from"]["route"] == "fast"


def test_check_outcomes_teach_the_router(
    aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    """fast failed its checks and deep passed: a "needed deep" outcome; a passing fast answer:
    "fast was enough". `aha route stats --json` counts them."""
    needs_sandbox()
    fast.script(then=ok(BUGGY))
    deep.script(then=ok(FIXED))
    ask(aha_home, fast, deep, AHA_ROUTER__ESCALATE="auto")
    fast.script(then=ok(FIXED))
    ask(aha_home, fast, deep)
    env = {**os.environ, "AHA_HOME": str(aha_home)}
    stats = subprocess.run(
        [sys.executable, "-m", "app", "route", "stats", "--json"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    report = json.loads(stats.stdout)
    assert report["check_outcomes"] == {"needed_deep": 1, "fast_enough": 1}


# Critique and revise ---------------------------------------------------------------------------


def test_critique_and_revise_makes_a_sibling_with_the_critique_folded(
    aha_home: Path, fast: FakeOpenAI, deep: FakeOpenAI
) -> None:
    fast.script(
        ok("Entropy is disorder."),
        ok('1. "Entropy is disorder." This is vague: it does not say what is counted.'),
        ok("Entropy counts the microstates consistent with what we know of a system."),
    )
    env = {
        **os.environ,
        "AHA_HOME": str(aha_home),
        "AHA_ROUTES__FAST__ENGINE": "litellm",
        "AHA_ROUTES__FAST__API_BASE": fast.api_base,
        "AHA_ROUTES__FAST__MODEL": "openai/fast-coder",
        "AHA_ROUTES__DEEP__API_BASE": deep.api_base,
    }
    done = subprocess.run(
        [sys.executable, "-m", "app", "ask", "--route", "fast", "--revise", "--json",
         "What is entropy?"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["critique"].startswith('1. "Entropy is disorder."')
    answer, original = record["answer"], record["revised_from"]
    assert answer["content"].startswith("Entropy counts the microstates")
    assert answer["parent_id"] == original["parent_id"] and answer["id"] != original["id"]
    assert answer["reasoning"] == record["critique"]  # stored, shown folded above it
    revise_request = fast.requests[2].messages[-1]["content"]
    assert "This is vague" in revise_request


# The harness, against code that misbehaves ------------------------------------------------------


def test_the_prompts_imports_and_data_stay_with_its_tests() -> None:
    needs_sandbox()
    prompt = "```python\nimport math\nCASES = [(4, 2.0), (9, 3.0)]\nfor n, r in CASES:\n    assert root(n) == r\n```"
    answer = "```python\nimport math\ndef root(n):\n    return math.sqrt(n)\n```"
    result = run_program(program(prompt, answer), LIMITS)
    assert (result.status, result.passed, result.failed) == ("passed", 1, 0), result.output


def test_async_tests_run_and_dataclasses_load() -> None:
    needs_sandbox()
    result = check(
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n"
        "@dataclass\nclass Point:\n    x: int\n"
        "async def test_async_fails():\n    assert Point(1).x == 2\n"
    )
    assert (result.status, result.passed, result.failed) == ("failed", 0, 1), result.output  # type: ignore[attr-defined]


def test_a_chatty_solution_is_still_counted() -> None:
    needs_sandbox()
    result = check("print('x' * 200_000)\ndef f():\n    return 1\nassert f() == 1\n")
    assert (result.status, result.passed) == ("passed", 1), result.output  # type: ignore[attr-defined]


def test_patching_the_reporter_does_not_change_the_counts() -> None:
    needs_sandbox()
    result = check(
        "import json, sys, io\n"
        "_dumps = json.dumps\n"
        "json.dumps = lambda r: _dumps({**r, 'failed': 0, 'passed': 9})\n"
        "sys.stdout = io.StringIO()\n"
        "def f():\n    return 1\nassert f() == 2\n"
    )
    assert (result.status, result.passed, result.failed) == ("failed", 0, 1), result.output  # type: ignore[attr-defined]
