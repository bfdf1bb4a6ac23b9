"""The context meter: the branch with its attachments, the waiting files and the prompt,
against the window of the route the router would pick."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.attachments import Attachment
from app.config import Settings
from app.context_meter import branch_tokens, measure
from app.router import Router
from storage import MessageStatus, RouteRecord, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "aha.db")
    yield store
    store.close()


def test_the_branch_counts_its_attachments_but_not_failed_answers(store: Store) -> None:
    session = store.create_session()
    empty = branch_tokens(store, None)
    prompt = store.add_user_message(session.id, None, "hi", [Attachment("log", "text", "x" * 3500)])
    with_file = branch_tokens(store, prompt.id)
    assert with_file - empty > 1000  # the attachment, not just "hi"
    failed = store.start_assistant(session.id, prompt.id, RouteRecord("fast", "smol"))
    store.finish_assistant(failed.id, MessageStatus.ERROR, "", error="boom")
    assert branch_tokens(store, failed.id) == with_file


def test_levels_follow_the_fast_window() -> None:
    settings, router = Settings(), Router()
    budget = measure(settings, router, 0, "hi", []).budget
    assert budget is not None and budget < 2048  # n_ctx less the answer's room
    quiet = measure(settings, router, 100, "Give me a synonym for quick.", [])
    assert (quiet.route, quiet.level) == ("fast", "ok")
    assert quiet.line().startswith("context ~") and f"/ {budget:,} tokens · fast" in quiet.line()
    # A long branch: the oldest turns will be left out, the prompt still fits.
    long_branch = measure(settings, router, budget + 500, "/fast and then?", [])
    assert long_branch.level == "warn" and "oldest turns will be left out" in long_branch.line()
    # A file bigger than the window: the prompt alone cannot fit.
    big = Attachment("paper.txt", "text", "word " * 4000)
    over = measure(settings, router, 0, "/fast Summarise.", [big])
    assert over.level == "over" and "the prompt alone is too long" in over.line()


def test_a_route_without_a_known_window_says_so() -> None:
    meter = measure(Settings(), Router(), 10, "/deep Prove it.", [])
    assert meter.route == "deep" and meter.level == "ok"
    assert meter.line().endswith("deep (window not known)")


def test_the_meter_says_when_old_turns_will_be_summarised() -> None:
    settings = Settings()
    settings.context.overflow = "summarise"
    budget = measure(settings, Router(), 0, "hi", []).budget
    assert budget is not None
    line = measure(settings, Router(), budget + 500, "/fast and then?", []).line()
    assert "the oldest turns will be summarised" in line
