"""The brainstorm's real path: the embedded model answers the frame stage (greedy), then the
diverge stage samples several answers at a higher temperature; each is stored as a sibling
answer of the one diverge prompt and the board holds the ideas extracted from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.backend.gguf import resolve_gguf
from app.backend.llama_cpp_engine import load_model
from app.brainstorm.extract import dedupe, extract_ideas
from app.brainstorm.service import BrainstormService
from app.brainstorm.stages import SPECS, Stage
from app.chat import ChatService
from app.config import load_settings
from storage import MessageStatus, Store

pytestmark = pytest.mark.integration

SEED = 7
PROBLEM = "Find mislabelled images in a small image classification dataset"


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BrainstormService:
    monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", "http://127.0.0.1:9")  # nothing there
    monkeypatch.setenv("AHA_ROUTES__FAST__MAX_TOKENS", "48")
    monkeypatch.setenv("AHA_ROUTES__FAST__TEMPERATURE", "0")
    store = Store.open(tmp_path / "aha.db")
    return BrainstormService(store, ChatService(store, load_settings()))


async def test_diverge_samples_are_sibling_answers_and_fill_the_board(
    service: BrainstormService,
) -> None:
    store = service.store
    session_id = service.start(PROBLEM).session_id
    frame = await service.run_stage(session_id, Stage.FRAME)
    assert frame.turns[0].final.status is MessageStatus.COMPLETE  # type: ignore[union-attr]
    assert frame.turns[0].route == "fast"  # deep is down: the router's choice fell back

    # A fixed seed: llama.cpp derives each request's seed from the previous one, so without
    # it the samples depend on what this process generated before.
    fast = service.chat.engines.config("fast")
    load_model(resolve_gguf(fast.gguf), fast.n_ctx, fast.n_gpu_layers).set_seed(SEED)
    diverge = await service.run_stage(session_id, Stage.DIVERGE)
    spec = SPECS[Stage.DIVERGE]
    answers = store.children(diverge.prompt.id)
    assert len(answers) == spec.samples > 1
    assert all(a.status is MessageStatus.COMPLETE and a.route == "fast" for a in answers)
    assert all(t.temperature == spec.temperature for t in diverge.turns)
    # Sampled at temperature 1.0, not the route's 0: the answers differ.
    assert len({a.content for a in answers}) > 1

    ideas = store.list_ideas(session_id)
    expected = dedupe([i for a in answers for i in extract_ideas(a.content)])
    assert [i.text for i in ideas] == [i.text for i in expected]
    assert ideas, "a numbered list in at least one of the samples"
    assert {i.source_message_id for i in ideas} <= {a.id for a in answers}
    # Every idea is searchable, as a card and in the answer it came from.
    word = ideas[0].text.split()[0]
    assert store.search_ideas(word)
    assert any(hit.message_id == ideas[0].source_message_id for hit in store.search(word, 200))
