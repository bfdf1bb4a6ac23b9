"""The `aha` command line end to end: real embedded model, real SQLite, deep route unreachable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.router import Router
from storage import Message, MessageStatus, Session, Store

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CLOSED_PORT_BASE = "http://127.0.0.1:9"  # the discard port: nothing listens, refused at once
HARD_PROMPT = "Prove step by step that the square root of 2 is irrational, then compare two proofs"
FEW_TOKENS = ["--max-tokens", "8", "--temperature", "0"]


def aha(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m app ARGS` against `home`, with the deep route pointed at a closed port."""
    env = {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__DEEP__API_BASE": CLOSED_PORT_BASE,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )


def stored(home: Path) -> tuple[list[Session], dict[str, list[Message]]]:
    """Every session in the database under `home`, with its messages."""
    store = Store.open(home / "aha.db")
    try:
        sessions = store.list_sessions(include_archived=True)
        return sessions, {s.id: store.messages(s.id) for s in sessions}
    finally:
        store.close()


# aha ask ------------------------------------------------------------------------------------


def test_ask_streams_answer_and_stores_session(aha_home: Path) -> None:
    """`aha ask` prints the fast model's answer, a badge on stderr, and stores both messages."""
    result = aha(aha_home, "ask", *FEW_TOKENS, "Say hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert result.stderr.splitlines()[0].startswith("[fast")
    assert "Traceback" not in result.stderr

    sessions, messages = stored(aha_home)
    assert len(sessions) == 1
    assert sessions[0].title == "Say hello"
    user, answer = messages[sessions[0].id]
    assert (user.role, user.content, user.status) == ("user", "Say hello", MessageStatus.COMPLETE)
    assert answer.role == "assistant"
    assert answer.parent_id == user.id
    assert answer.status is MessageStatus.COMPLETE
    assert answer.route == "fast"
    assert answer.content.strip() == result.stdout.strip()
    assert answer.model
    assert answer.route_score is not None and 0.0 <= answer.route_score <= 1.0
    assert answer.route_reasons
    assert sessions[0].active_leaf_id == answer.id


def test_ask_json_prints_the_stored_record(aha_home: Path) -> None:
    """`aha ask --json` prints one JSON record with the prompt and the complete answer."""
    result = aha(aha_home, "ask", "--json", *FEW_TOKENS, "Say hello")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["prompt"]["content"] == "Say hello"
    assert record["answer"]["status"] == "complete"
    assert record["answer"]["content"].strip()
    assert record["answer"]["parent_id"] == record["prompt"]["id"]
    assert record["session"]["title"] == "Say hello"


def test_hard_prompt_falls_back_to_fast_when_deep_is_down(aha_home: Path) -> None:
    """A prompt the router sends deep is answered by fast, with the reason on badge and row."""
    assert Router().decide(HARD_PROMPT).route == "deep"
    result = aha(aha_home, "ask", *FEW_TOKENS, HARD_PROMPT)
    assert result.returncode == 0, result.stderr
    badge = result.stderr.splitlines()[0]
    assert badge.startswith("[fast")
    assert "deep route unavailable" in badge

    sessions, messages = stored(aha_home)
    _, answer = messages[sessions[0].id]
    assert answer.route == "fast"
    assert answer.status is MessageStatus.COMPLETE
    assert answer.route_note is not None and "deep route unavailable" in answer.route_note
    assert answer.route_score is not None and answer.route_score >= answer.route_threshold  # type: ignore[operator]


def test_forced_deep_route_unreachable_fails_but_keeps_prompt(aha_home: Path) -> None:
    """`--route deep` with no deep server exits 1, says why, and still stores the prompt."""
    result = aha(aha_home, "ask", "--route", "deep", *FEW_TOKENS, "hi there")
    assert result.returncode == 1
    assert "deep route unavailable" in result.stderr
    assert "Traceback" not in result.stderr

    sessions, messages = stored(aha_home)
    user, answer = messages[sessions[0].id]
    assert (user.role, user.content) == ("user", "hi there")
    assert answer.status is MessageStatus.ERROR
    assert answer.route == "deep"
    assert answer.error is not None and "deep route unavailable" in answer.error


def test_session_option_continues_the_thread(aha_home: Path) -> None:
    """A second `ask --session ID` replies under the first answer, in the same session."""
    first = aha(aha_home, "ask", "--json", *FEW_TOKENS, "Say hello")
    assert first.returncode == 0, first.stderr
    first_record = json.loads(first.stdout)
    session_id = first_record["session"]["id"]

    second = aha(aha_home, "ask", "--json", "--session", session_id, *FEW_TOKENS, "Say goodbye")
    assert second.returncode == 0, second.stderr
    second_record = json.loads(second.stdout)
    assert second_record["session"]["id"] == session_id
    assert second_record["prompt"]["parent_id"] == first_record["answer"]["id"]

    sessions, messages = stored(aha_home)
    assert [s.id for s in sessions] == [session_id]
    assert [m.content for m in messages[session_id] if m.role == "user"] == [
        "Say hello",
        "Say goodbye",
    ]
    store = Store.open(aha_home / "aha.db")
    try:
        thread = store.active_thread(session_id)
    finally:
        store.close()
    assert [m.role for m in thread] == ["user", "assistant", "user", "assistant"]
    assert thread[-1].id == second_record["answer"]["id"]


def test_unknown_session_is_refused(aha_home: Path) -> None:
    """`--session` naming no stored session exits 2 without creating anything."""
    result = aha(aha_home, "ask", "--session", "nope", *FEW_TOKENS, "hi")
    assert result.returncode == 2
    assert "no session nope" in result.stderr
    sessions, _ = stored(aha_home)
    assert sessions == []


# aha route ----------------------------------------------------------------------------------


def test_route_json_lines_in_order_with_bad_line(aha_home: Path) -> None:
    """One output line per input line, in order; a malformed line gets an error and exit 1."""
    prompts = ["hi", HARD_PROMPT, "what is the capital of France?"]
    lines = [
        json.dumps({"prompt": prompts[0]}),
        json.dumps({"prompt": prompts[1]}),
        "{not json",
        json.dumps({"prompt": prompts[2]}),
    ]
    result = aha(aha_home, "route", stdin="\n".join(lines) + "\n")
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4

    good = [out[0], out[1], out[3]]
    router = Router(deep_share=0.3)  # the default config: the threshold for a 30% deep share
    for record, prompt in zip(good, prompts, strict=True):
        assert set(record) == {"route", "score", "threshold", "reasons", "ms"}
        expected = router.decide(prompt)
        assert (record["route"], record["score"]) == (expected.route, expected.score)
        assert isinstance(record["score"], float) and 0.0 <= record["score"] <= 1.0
        assert record["threshold"] == router.threshold
        assert isinstance(record["ms"], float) and record["ms"] >= 0
        assert 1 <= len(record["reasons"]) <= 3
        assert all(isinstance(r, str) and r for r in record["reasons"])
    assert [r["route"] for r in good] == ["fast", "deep", "fast"]
    assert set(out[2]) == {"error"}
    assert "line 3" in out[2]["error"]


def test_route_explains_one_prompt(aha_home: Path) -> None:
    """`aha route TEXT` prints the route and its reasons and exits 0."""
    result = aha(aha_home, "route", "hi")
    assert result.returncode == 0, result.stderr
    decision = Router().decide("hi")
    assert "fast" in result.stdout.splitlines()[0]
    for reason in decision.reasons:
        assert reason in result.stdout


def test_route_json_for_one_prompt(aha_home: Path) -> None:
    """`aha route --json TEXT` prints the decision as JSON."""
    result = aha(aha_home, "route", "--json", "hi")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["route"] == "fast"
    assert record["reasons"] == list(Router().decide("hi").reasons)


# aha doctor and --version -------------------------------------------------------------------


def test_doctor_reports_paths_routes_keyring_and_versions(aha_home: Path) -> None:
    """`aha doctor` shows paths under AHA_HOME, fast ok, deep unavailable, keyring, versions."""
    result = aha(aha_home, "doctor")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert str(aha_home / "config.toml") in result.stdout
    assert str(aha_home / "aha.db") in result.stdout
    fast = next(line for line in lines if line.split()[:1] == ["fast"])
    deep = next(line for line in lines if line.split()[:1] == ["deep"])
    assert " ok:" in fast
    assert " unavailable:" in deep and "127.0.0.1:9" in deep
    assert "keyring" in lines
    keyring_line = lines[lines.index("keyring") + 1].strip()
    assert keyring_line
    assert "versions" in lines
    versions = result.stdout.split("versions", 1)[1]
    for name in ("python", "sqlite", "textual", "litellm"):
        assert name in versions


def test_version_flag() -> None:
    """`aha --version` prints the package version."""
    result = subprocess.run(
        [sys.executable, "-m", "app", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == "aha 0.1.0"
