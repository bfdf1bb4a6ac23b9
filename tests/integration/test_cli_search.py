"""`aha search` end to end: a real SQLite file under AHA_HOME, the real command in a subprocess.

No model is involved, so these run in a second or two.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from storage import MessageStatus, Store
from storage.repository import RouteRecord

REPO = Path(__file__).resolve().parents[2]
FAST = RouteRecord(route="fast", model="smol")


def aha(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AHA_HOME": str(home), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def seed(home: Path) -> dict[str, str]:
    """Two sessions, one archived, written through the Store as the app writes them."""
    store = Store.open(home / "aha.db")
    try:
        ml = store.create_session()
        user = store.add_user_message(ml.id, None, "Plan transformer experiments on dropout")
        answer = store.start_assistant(ml.id, user.id, FAST)
        store.finish_assistant(
            answer.id,
            MessageStatus.COMPLETE,
            "Sweep dropout in a transformer, then dropout again at depth.",
            reasoning="invisible musings",
        )
        time.sleep(0.005)
        blog = store.create_session()
        post = store.add_user_message(blog.id, None, "Outline a blog post about routing")
        store.archive_session(blog.id)
        return {"ml": ml.id, "user": user.id, "answer": answer.id, "blog": blog.id, "post": post.id}
    finally:
        store.close()


def test_search_prints_title_role_date_and_snippet(aha_home: Path) -> None:
    """Plain output: a header line per hit (title · role · date) and an indented snippet."""
    ids = seed(aha_home)
    result = aha(aha_home, "search", "dropout")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4  # two hits, two lines each
    title = "Plan transformer experiments on dropout"
    # The answer says "dropout" twice, so it ranks first. Each header names the session by
    # the id prefix `aha export` takes.
    ref = lines[0].split(" · ")[1].removeprefix("session ")
    assert ids["ml"].startswith(ref) and len(ref) >= 8
    assert lines[0].startswith(f"{title} · session {ref} · assistant · ")
    assert lines[1].startswith("  ") and lines[1].count("[dropout]") == 2
    assert lines[2].startswith(f"{title} · session {ref} · user · ")
    assert lines[3] == f"  {title.replace('dropout', '[dropout]')}"
    date = lines[0].rsplit(" · ", 1)[1]
    assert len(date) == 10 and date[4] == "-" and date[7] == "-"
    assert ids["answer"] not in result.stdout  # message ids only in --json
    exported = aha(aha_home, "export", ref)
    assert exported.returncode == 0 and title in exported.stdout, exported.stderr


def test_search_json_lines_carry_every_field(aha_home: Path) -> None:
    """--json prints one object per hit with the SearchHit fields; --limit caps them."""
    ids = seed(aha_home)
    result = aha(aha_home, "search", "--json", "transf")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["message_id"] for r in records} == {ids["user"], ids["answer"]}
    assert set(records[0]) == {
        "message_id",
        "session_id",
        "session_title",
        "role",
        "snippet",
        "rank",
        "created_at",
        "kind",
        "draft_id",
        "attachment",
    }
    assert {(r["kind"], r["draft_id"]) for r in records} == {("message", None)}
    assert all(r["session_id"] == ids["ml"] for r in records)
    assert all(isinstance(r["rank"], float) for r in records)
    assert "[transformer]" in records[0]["snippet"]

    limited = aha(aha_home, "search", "--json", "--limit", "1", "transf")
    assert limited.returncode == 0
    assert len(limited.stdout.splitlines()) == 1


def test_search_includes_archived_sessions(aha_home: Path) -> None:
    """Archived sessions are still searched: archiving hides, it does not forget."""
    ids = seed(aha_home)
    result = aha(aha_home, "search", "--json", "routing")
    assert result.returncode == 0, result.stderr
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["message_id"], record["session_id"]) == (ids["post"], ids["blog"])


def test_no_hits_exits_1_and_hostile_query_is_no_error(aha_home: Path) -> None:
    """Like grep: exit 1 and no output when nothing matches; FTS syntax in a query is text."""
    seed(aha_home)
    for query in ("musings", 'NEAR( "unbalanced', "col:x AND OR *", "🚀"):
        result = aha(aha_home, "search", query)
        assert result.returncode == 1, (query, result.stderr)
        assert result.stdout == ""
        assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(aha_home: Path) -> None:
    """A blank query or a limit below one is a usage error, exit 2."""
    seed(aha_home)
    blank = aha(aha_home, "search", "   ")
    assert blank.returncode == 2
    assert "give something to search for" in blank.stderr
    zero = aha(aha_home, "search", "--limit", "0", "dropout")
    assert zero.returncode == 2
    assert "--limit" in zero.stderr


def test_search_without_a_database_finds_nothing_and_creates_nothing(aha_home: Path) -> None:
    """On a fresh machine search exits 1 and leaves no database behind."""
    result = aha(aha_home, "search", "anything")
    assert result.returncode == 1
    assert not (aha_home / "aha.db").exists()


def test_control_sequences_never_reach_stdout(aha_home: Path) -> None:
    """Text that slipped into the database with escape codes is printed without them."""
    store = Store.open(aha_home / "aha.db")
    try:
        session = store.create_session("evil \x1b]0;title\x07 session")
        store.add_user_message(session.id, None, "payload \x1b[31mred\x1b[0m text")
    finally:
        store.close()
    result = aha(aha_home, "search", "payload")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    header, snippet = result.stdout.splitlines()
    assert header.startswith("evil session · session ") and " · user · " in header
    assert snippet == "  [payload] red text"
