"""`aha route stats` end to end: a seeded database at AHA_HOME, the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import Store
from storage.repository import RouteRecord

REPO = Path(__file__).resolve().parents[2]


def aha(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AHA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def seed(home: Path, deep: int, fast: int, unscored: int = 0) -> None:
    """`deep` answers scored over their threshold, `fast` under, `unscored` with no score."""
    store = Store.open(home / "aha.db")
    try:
        session = store.create_session()
        rows = [("deep", 0.8)] * deep + [("fast", 0.1)] * fast + [("fast", None)] * unscored
        for route, score in rows:
            user = store.add_user_message(session.id, None, "q")
            store.start_assistant(
                session.id, user.id, RouteRecord(route, "m", score, 0.5, ("because",))
            )
    finally:
        store.close()


def test_drift_warning_when_share_is_far_from_target(aha_home: Path) -> None:
    seed(aha_home, deep=46, fast=54, unscored=7)
    result = aha(aha_home, "route", "stats")
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line == (
        "deep share 0.46 over the last 100 prompts vs target 0.30: drifted 16 points;"
        " the router's threshold may need recalibrating"
    )

    record = json.loads(aha(aha_home, "route", "stats", "--json").stdout)
    assert record["prompts"] == 100 and record["deep"] == 46
    assert record["deep_share"] == 0.46 and record["target"] == 0.3
    assert record["drifted"] is True and record["drift_points"] == 16.0


def test_no_warning_within_ten_points_and_target_from_config(aha_home: Path) -> None:
    seed(aha_home, deep=32, fast=68)
    result = aha(aha_home, "route", "stats")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == "deep share 0.32 over the last 100 prompts vs target 0.30: within 10 points"
    )
    assert "recalibrating" not in result.stdout

    (aha_home / "config.toml").write_text("[router]\ndeep_share = 0.5\n", encoding="utf-8")
    record = json.loads(aha(aha_home, "route", "stats", "--json").stdout)
    assert record["target"] == 0.5 and record["drifted"] is True


def test_few_prompts_never_warn(aha_home: Path) -> None:
    """Three prompts, all deep, are too few to call a drift from a 0.30 target."""
    seed(aha_home, deep=3, fast=0)
    result = aha(aha_home, "route", "stats")
    assert "too few prompts" in result.stdout and "recalibrating" not in result.stdout
    assert json.loads(aha(aha_home, "route", "stats", "--json").stdout)["drifted"] is False


def test_only_the_last_n_prompts_count(aha_home: Path) -> None:
    seed(aha_home, deep=0, fast=250)
    seed(aha_home, deep=10, fast=0)  # the newest ten
    record = json.loads(aha(aha_home, "route", "stats", "--json").stdout)
    assert record["prompts"] == 200 and record["deep"] == 10
    record = json.loads(aha(aha_home, "route", "stats", "--json", "--last", "10").stdout)
    assert record["prompts"] == 10 and record["deep_share"] == 1.0


@pytest.mark.parametrize("create", [False, True])
def test_missing_or_empty_database(aha_home: Path, create: bool) -> None:
    if create:
        Store.open(aha_home / "aha.db").close()
    result = aha(aha_home, "route", "stats")
    assert result.returncode == 0, result.stderr
    assert "no routed prompts yet" in result.stdout
    assert (aha_home / "aha.db").exists() is create  # stats never creates the database
    record = json.loads(aha(aha_home, "route", "stats", "--json").stdout)
    assert record["prompts"] == 0 and record["deep_share"] is None and record["drifted"] is False


def test_stats_say_how_far_feedback_moved_the_threshold(aha_home: Path) -> None:
    """Four escalations then an overkill mark (the newest): the threshold moved down, and
    both the line and the JSON say by how much and why."""
    seed(aha_home, deep=32, fast=68)
    store = Store.open(aha_home / "aha.db")
    try:
        store.add_route_feedback("old", "overkill", 0.8, 0.5)
        for i in range(4):
            store.add_route_feedback(f"m{i}", "escalated", 0.3, 0.5)
    finally:
        store.close()
    result = aha(aha_home, "route", "stats")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "deep share 0.32 over the last 100 prompts vs target 0.30: within 10 points",
        "threshold moved \u22120.03 by your feedback: 4 escalations, 1 overkill mark (last 100)",
    ]
    record = json.loads(aha(aha_home, "route", "stats", "--json").stdout)
    assert record["feedback_shift"] == pytest.approx(-0.0294, abs=1e-4)
    assert (record["escalations"], record["overkill"]) == (4, 1)


def test_stats_without_feedback_report_no_shift(aha_home: Path) -> None:
    seed(aha_home, deep=3, fast=0)
    assert "feedback" not in aha(aha_home, "route", "stats").stdout
    record = json.loads(aha(aha_home, "route", "stats", "--json").stdout)
    assert (record["feedback_shift"], record["escalations"], record["overkill"]) == (0.0, 0, 0)
