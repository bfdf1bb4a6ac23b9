"""`aha export` and `aha import` end to end: real subprocesses, real SQLite files, no model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import MessageStatus, Store
from storage.repository import RouteRecord

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "chatgpt_conversations.json"
DEEP = RouteRecord("deep", "openai/qwen", 0.9, 0.5, ("proof",), None)


def aha(
    *args: str, home: Path | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`python -m app ARGS` with the test's AHA_HOME (or `home`), output kept as bytes."""
    env = os.environ.copy()
    if home is not None:
        env["AHA_HOME"] = str(home)
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
    )


def seed(home: Path) -> dict[str, str]:
    """Two sessions; the newer has two branches (an edited second prompt), active on the first."""
    store = Store.open(home / "aha.db")
    try:
        older = store.create_session()
        q = store.add_user_message(older.id, None, "An older question")
        a = store.start_assistant(older.id, q.id, DEEP)
        store.finish_assistant(a.id, MessageStatus.COMPLETE, "Old answer")
        session = store.create_session()
        q1 = store.add_user_message(session.id, None, "Outline a post on leakage")
        a1 = store.start_assistant(session.id, q1.id, DEEP)
        store.finish_assistant(
            a1.id, MessageStatus.COMPLETE, "1. Hook\n2. Cases", reasoning="Plan it."
        )
        q2 = store.add_user_message(session.id, a1.id, "Expand the hook")
        a2 = store.start_assistant(session.id, q2.id, DEEP)
        store.finish_assistant(a2.id, MessageStatus.COMPLETE, "A story about a leaky split.")
        q2b = store.add_user_message(session.id, a1.id, "Expand the cases instead")
        a2b = store.start_assistant(session.id, q2b.id, DEEP)
        store.finish_assistant(a2b.id, MessageStatus.INTERRUPTED, "Case one", error="stopped")
        store.set_active_leaf(session.id, a2.id)
        return {"older": older.id, "session": session.id, "a2": a2.id}
    finally:
        store.close()


def counts(home: Path) -> tuple[int, int]:
    path = home / "aha.db"
    if not path.exists():
        return 0, 0
    store = Store.open(path)
    try:
        row = store.conn.execute(
            "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM messages)"
        ).fetchone()
        return int(row[0]), int(row[1])
    finally:
        store.close()


def test_export_markdown_of_last_session_to_stdout(aha_home: Path) -> None:
    ids = seed(aha_home)
    result = aha("export", "last")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert text.startswith('---\ntitle: "Outline a post on leakage"\n')
    assert f'session_id: "{ids["session"]}"' in text
    assert "## You\n\nOutline a post on leakage" in text
    assert "## aha · deep · openai/qwen" in text
    assert "<summary>Reasoning</summary>\n\nPlan it." in text
    assert "A story about a leaky split." in text
    assert "Expand the cases instead" not in text


def test_export_all_branches_by_prefix_to_a_file(aha_home: Path, tmp_path: Path) -> None:
    ids = seed(aha_home)
    out = tmp_path / "post.md"
    result = aha("export", ids["session"][:20], "--all-branches", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    text = out.read_text()
    assert "## Branch 1 (active)" in text and "## Branch 2" in text
    assert "A story about a leaky split." in text
    assert "Expand the cases instead" in text
    assert "*Answer interrupted: stopped.*" in text


def test_export_json_holds_the_whole_tree(aha_home: Path, tmp_path: Path) -> None:
    """--all-branches or not, JSON has every message; -o FILE.json picks json by itself."""
    ids = seed(aha_home)
    out = tmp_path / "session.json"
    assert aha("export", ids["session"], "-o", str(out)).returncode == 0
    by_flag = aha("export", ids["session"], "--format", "json")
    assert by_flag.stdout == out.read_bytes()
    document = json.loads(out.read_bytes())
    assert document["format"] == "aha.session"
    assert len(document["messages"]) == 6
    assert document["session"]["active_leaf_id"] == ids["a2"]


@pytest.mark.parametrize(
    ("ref", "message"),
    [("nope", "no session matching 'nope'"), ("0", "matches 2 sessions")],
)
def test_export_of_an_unknown_or_ambiguous_session_is_one_line(
    aha_home: Path, ref: str, message: str
) -> None:
    seed(aha_home)
    result = aha("export", ref)
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aha export: ") and message in lines[0]
    assert result.stdout == b""


def test_json_round_trip_through_a_fresh_database_is_byte_identical(
    aha_home: Path, tmp_path: Path
) -> None:
    ids = seed(aha_home)
    first = aha("export", ids["session"], "--format", "json")
    assert first.returncode == 0
    exported = tmp_path / "session.json"
    exported.write_bytes(first.stdout)

    other = tmp_path / "other-home"
    other.mkdir()
    imported = aha("import", str(exported), home=other)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.decode() == "imported 1 session, 6 messages\n"
    again = aha("export", ids["session"], "--format", "json", home=other)
    assert again.returncode == 0
    assert again.stdout == first.stdout


def test_importing_into_the_same_database_adds_a_copy(aha_home: Path, tmp_path: Path) -> None:
    ids = seed(aha_home)
    exported = tmp_path / "session.json"
    assert aha("export", ids["session"], "-o", str(exported)).returncode == 0
    before = aha("export", ids["session"], "--format", "json").stdout
    result = aha("import", str(exported))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == (
        "imported 1 session, 6 messages"
        " (1 session already present: stored as copies with new ids)\n"
    )
    assert counts(aha_home) == (3, 14)
    assert aha("export", ids["session"], "--format", "json").stdout == before


def test_import_chatgpt_conversations(aha_home: Path) -> None:
    result = aha("import", str(FIXTURE))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "imported 2 sessions, 10 messages\n"
    assert counts(aha_home) == (2, 10)
    store = Store.open(aha_home / "aha.db")
    try:
        titles = {s.title: s for s in store.list_sessions()}
        churn = titles["Framing a churn model"]
        thread = store.active_thread(churn.id)
        assert thread[-1].content == "Recent papers favour usage decay features."
        assert len(store.messages(churn.id)) == 6
    finally:
        store.close()


@pytest.mark.parametrize(
    "content",
    [
        b"this is not json at all",
        b'{"conversations": []}',
        b'[{"title": "x", "mapping": {"a": {"id": "a", "message": null',
        b'{"format": "aha.session", "version": 1, "session": {"id": "s"}, "messages": []}',
    ],
    ids=["not-json", "wrong-shape", "truncated", "missing-fields"],
)
def test_malformed_import_is_one_line_exit_2_and_imports_nothing(
    aha_home: Path, tmp_path: Path, content: bytes
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    result = aha("import", str(bad))
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert stderr.startswith(f"aha import: {bad}: not an aha or ChatGPT export (")
    assert stderr.count("\n") == 1 and stderr.endswith(")\n")
    assert "Traceback" not in stderr
    assert result.stdout == b""
    assert counts(aha_home) == (0, 0)


def test_a_file_with_one_bad_session_imports_none_of_it(aha_home: Path, tmp_path: Path) -> None:
    ids = seed(aha_home)
    documents = [
        json.loads(aha("export", ids[key], "--format", "json").stdout)
        for key in ("older", "session")
    ]
    documents[1]["messages"][3]["parent_id"] = "missing"
    bad = tmp_path / "two.json"
    bad.write_text(json.dumps(documents))
    other = tmp_path / "other-home"
    other.mkdir()
    result = aha("import", str(bad), home=other)
    assert result.returncode == 2
    assert "[1].messages[3].parent_id" in result.stderr.decode()
    assert counts(other) == (0, 0)


def _chatgpt_node(key: str, parent: str | None, role: str | None, text: str) -> dict[str, object]:
    message = None
    if role is not None:
        message = {
            "id": key,
            "author": {"role": role},
            "content": {"content_type": "text", "parts": [text]},
            "recipient": "all",
        }
    return {"id": key, "message": message, "parent": parent, "children": []}


def test_import_of_chatgpt_loops_imports_every_message_and_says_where_it_cut(
    aha_home: Path, tmp_path: Path
) -> None:
    """Before: "imported 0 sessions, 0 messages" (the loop's messages gone) and, with
    current_node in the loop, a KeyError traceback. Now all of it, and the cut named."""
    loop = [
        _chatgpt_node("root", None, None, ""),
        _chatgpt_node("q", "a", "user", "Is this a loop?"),
        _chatgpt_node("a", "q", "assistant", "It was."),
        _chatgpt_node("self", "self", "user", "Am I my own parent?"),
    ]
    conversation = {
        "title": "Knots",
        "create_time": 1714556400.0,
        "mapping": {n["id"]: n for n in loop},
        "current_node": "a",
    }
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([conversation]))
    result = aha("import", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert result.stdout.decode().splitlines() == [
        "imported 1 session, 3 messages",
        "  [0] \"Knots\": broke a cycle of 2 nodes at node 'q' (its parent link to 'a' was"
        " dropped; it is now a root)",
        "  [0] \"Knots\": broke a self-loop at node 'self' (its parent link to itself was"
        " dropped; it is now a root)",
    ]
    assert counts(aha_home) == (1, 3)
    store = Store.open(aha_home / "aha.db")
    try:
        (session,) = store.list_sessions()
        assert [m.content for m in store.active_thread(session.id)] == [
            "Is this a loop?",
            "It was.",
        ]
    finally:
        store.close()


def test_import_of_an_aha_export_without_title_or_content(aha_home: Path, tmp_path: Path) -> None:
    """Before: TypeError tracebacks. No title: imported, titled from the first prompt, and
    said so. No content: refused in one line naming the message, nothing imported."""
    ids = seed(aha_home)
    document = json.loads(aha("export", ids["session"], "--format", "json").stdout)
    other = tmp_path / "other-home"
    other.mkdir()

    untitled = json.loads(json.dumps(document))
    del untitled["session"]["title"]
    del untitled["messages"][4]["content"]
    bad = tmp_path / "no-content.json"
    bad.write_text(json.dumps(untitled))
    refused = aha("import", str(bad), home=other)
    assert refused.returncode == 2
    assert refused.stderr.decode().splitlines() == [
        f"aha import: {bad}: not an aha or ChatGPT export (messages[4].content: missing)"
    ]
    assert refused.stdout == b""
    assert counts(other) == (0, 0)

    del document["session"]["title"]
    good = tmp_path / "no-title.json"
    good.write_text(json.dumps(document))
    imported = aha("import", str(good), home=other)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.decode().splitlines() == [
        "imported 1 session, 6 messages",
        '  session.title: missing; titled "Outline a post on leakage" from its first prompt',
    ]
    assert counts(other) == (1, 6)


def test_missing_file_is_one_line(aha_home: Path, tmp_path: Path) -> None:
    result = aha("import", str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"aha import: {tmp_path / 'absent.json'}: No such file or directory"
    ]


def test_escape_sequences_never_reach_export_output(aha_home: Path) -> None:
    """Text stored with escapes (an older aha, a hand-edited DB) comes out clean on stdout."""
    store = Store.open(aha_home / "aha.db")
    session = store.create_session()
    q = store.add_user_message(session.id, None, "hi \x1b]52;c;ZXZpbA==\x07there")
    a = store.start_assistant(session.id, q.id, DEEP)
    store.finish_assistant(
        a.id, MessageStatus.COMPLETE, "\x1b[2J\x1b[31mred\x07", reasoning="\x9b1m"
    )
    store.close()
    for fmt in ("md", "json"):
        out = aha("export", "last", "--format", fmt).stdout
        assert not any(byte in out for byte in (0x1B, 0x07)), fmt
        assert "\x9b" not in out.decode() and b"\\u001b" not in out
        assert b"hi there" in out and b"red" in out


def test_export_carries_no_keys_from_config_or_env(aha_home: Path) -> None:
    """Keys live in the environment or keyring; the config names where. None of it is exported."""
    (aha_home / "config.toml").write_text(
        '[routes.deep]\nengine = "litellm"\nmodel = "openai/qwen"\napi_key_env = "DEEP_KEY"\n'
    )
    seed(aha_home)
    secret = "sk-test-0123456789abcdef"
    env = {"DEEP_KEY": secret, "OPENAI_API_KEY": secret}
    for args in (["--format", "json"], ["--format", "md", "--all-branches"]):
        result = aha("export", "last", *args, extra_env=env)
        assert result.returncode == 0, result.stderr
        text = result.stdout.decode().lower()
        assert secret not in text
        assert "api_key" not in text and "deep_key" not in text and "api_base" not in text
