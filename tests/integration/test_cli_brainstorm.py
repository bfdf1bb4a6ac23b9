"""`aha brainstorm list | search | export` end to end: a real SQLite file under AHA_HOME and
the real command in a subprocess (no model: the plan is built from what is stored)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage import Store
from storage.brainstorm_models import IdeaStatus

REPO = Path(__file__).resolve().parents[2]


def aha(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AHA_HOME": str(home), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run(
        [sys.executable, "-m", "app", "brainstorm", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def seed(home: Path) -> str:
    store = Store.open(home / "aha.db")
    try:
        brainstorm = store.create_brainstorm("Detect label noise")
        a, b = store.add_ideas(
            brainstorm.session_id, None, [("Confident learning", ""), ("Mixup", "")]
        )
        store.rate_idea(a.id, 5, 1)
        store.set_idea_status(a.id, IdeaStatus.KEPT)
        store.set_idea_tags(b.id, ["augmentation"])
        return brainstorm.session_id
    finally:
        store.close()


def test_list_search_and_export(tmp_path: Path) -> None:
    empty = aha(tmp_path, "list")
    assert empty.returncode == 1 and "no brainstorms yet" in empty.stderr
    session_id = seed(tmp_path)

    listed = aha(tmp_path, "list")
    assert listed.returncode == 0
    assert session_id in listed.stdout and "2 ideas (1 kept)" in listed.stdout

    found = aha(tmp_path, "search", "augment")
    assert found.returncode == 0 and "Mixup  [augmentation]" in found.stdout
    assert aha(tmp_path, "search", "nothinglikethis").returncode == 1

    printed = aha(tmp_path, "export", session_id[:12])
    assert printed.returncode == 0
    assert printed.stdout.startswith("# Plan: Detect label noise\n")
    assert "| 1 | Confident learning | 5 | 1 |  |" in printed.stdout
    assert "- Mixup" in printed.stdout  # live but not kept: listed after the ranking

    target = tmp_path / "out" / "plan.md"
    written = aha(tmp_path, "export", "last", "-o", str(target), "--draft")
    assert written.returncode == 0 and target.read_text(encoding="utf-8") == printed.stdout
    store = Store.open(tmp_path / "aha.db")
    try:
        assert [d.body for d in store.list_drafts()] == [printed.stdout]
    finally:
        store.close()


def test_bad_references_and_usage_exit_2(tmp_path: Path) -> None:
    seed(tmp_path)
    missing = aha(tmp_path, "export", "zzz")
    assert missing.returncode == 2 and "no brainstorm matching 'zzz'" in missing.stderr
    assert aha(tmp_path, "export").returncode == 2
    assert aha(tmp_path).returncode == 2  # argparse: a problem or an action is required
