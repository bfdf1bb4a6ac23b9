"""Snapshot of the brainstorm screen: the pinned problem, the stage bar, a stage's answer and
the idea board with every status, ratings and tags, in aha's dark and light themes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from storage import MessageStatus, Store
from storage.brainstorm_models import IdeaStatus
from storage.repository import RouteRecord

PROBLEM = "Find the mislabelled images in a 10k-image dataset with one GPU and a week"
FRAME = """## Restated problem
Flag the images whose label is wrong.

## Success metric
Precision of the flagged labels on a 200-image audit."""


def _seed(path: Path) -> str:
    store = Store.open(path)
    try:
        brainstorm = store.create_brainstorm(PROBLEM)
        session_id = brainstorm.session_id
        prompt = store.add_user_message(session_id, None, "Help me frame this problem.")
        store.add_step(session_id, "frame", prompt.id)
        route = RouteRecord("fast", "SmolLM2-135M-Instruct", 0.2, 0.5, ("short request",))
        answer = store.start_assistant(session_id, prompt.id, route)
        store.finish_assistant(
            answer.id, MessageStatus.COMPLETE, FRAME, completion_tokens=30, duration_ms=900
        )
        ideas = store.add_ideas(
            session_id,
            answer.id,
            [
                ("Confident learning on out-of-fold probabilities", "- use 5 folds"),
                ("Co-teaching with two networks", ""),
                ("Early-loss ranking", ""),
                ("Relabel a small audit set", ""),
                ("Augmentation consistency checks", ""),
            ],
        )
        a, b, c, d, e = (i.id for i in ideas)
        store.rate_idea(a, 5, 2)
        store.set_idea_status(a, IdeaStatus.KEPT)
        store.set_idea_tags(a, ["data"])
        store.rate_idea(b, 3, 4)
        store.set_idea_tags(b, ["training"])
        store.merge_idea(c, b)
        store.set_idea_status(e, IdeaStatus.DROPPED)
        store.rate_idea(d, 4, None)
        return session_id
    finally:
        store.close()


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AHA_HOME", str(tmp_path))
    monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("AHA_UI__PRELOAD_MODEL", "false")
    return _seed(tmp_path / "aha.db")


@pytest.mark.parametrize("theme", ["aha-dark", "aha-light"])
def test_idea_board(seeded: str, theme: str, snap_compare: Callable[..., bool]) -> None:
    app = AhaApp(load_settings(), theme=theme, initial_brainstorm=seeded)
    assert snap_compare(app, terminal_size=(120, 40))
