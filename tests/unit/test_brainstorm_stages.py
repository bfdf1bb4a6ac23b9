"""Brainstorm stages: order and transitions, what each prompt contains, which route and
sampling each uses, and the service running them as ordinary chat turns (scripted engine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.backend.engine import WithTemperature, with_temperature
from app.brainstorm.board import bump, merge_target, parse_tags
from app.brainstorm.plan import demote_headings
from app.brainstorm.service import BrainstormError, BrainstormService
from app.brainstorm.stages import (
    ORDER,
    SPECS,
    Stage,
    StageContext,
    build_prompt,
    next_stage,
    ranked_ideas,
    run_problem,
    stage_to_run,
)
from app.chat import ChatService
from app.config import Settings
from app.router import Router
from storage import MessageStatus, Store
from storage.brainstorm_models import IdeaStatus
from tests.helpers.scripted_engine import Script, ScriptedEngine, ScriptedEngines


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def service(tmp_path: Path, script: Script) -> Iterator[BrainstormService]:
    store = Store.open(tmp_path / "aha.db")
    settings = Settings()
    chat = ChatService(store, settings, engines=ScriptedEngines(settings, script), router=Router())
    yield BrainstormService(store, chat)
    store.close()


def test_stage_order_routes_and_sampling() -> None:
    assert ORDER == (Stage.FRAME, Stage.DIVERGE, Stage.CLUSTER, Stage.CRITIQUE, Stage.PLAN)
    assert [next_stage(s) for s in ORDER] == [*ORDER[1:], None]
    diverge = SPECS[Stage.DIVERGE]
    assert diverge.route == "fast" and diverge.samples > 1 and diverge.temperature
    assert diverge.temperature > Settings().routes["fast"].temperature
    assert SPECS[Stage.CRITIQUE].route == SPECS[Stage.PLAN].route == "deep"
    assert SPECS[Stage.FRAME].route is None and SPECS[Stage.CLUSTER].route == "fast"


def test_transitions_need_the_previous_stage_and_ideas() -> None:
    empty = StageContext("P")
    assert stage_to_run(Stage.FRAME, set()) is Stage.FRAME
    assert stage_to_run(Stage.FRAME, {Stage.FRAME}) is Stage.DIVERGE
    assert stage_to_run(Stage.PLAN, set(ORDER)) is None
    assert run_problem(Stage.FRAME, set(), empty) is None
    assert "Frame first" in (run_problem(Stage.DIVERGE, set(), empty) or "")
    assert "No ideas" in (run_problem(Stage.CLUSTER, {Stage.FRAME, Stage.DIVERGE}, empty) or "")


async def test_prompts_carry_the_problem_framing_ranked_ideas_and_critique(
    service: BrainstormService,
) -> None:
    store = service.store
    session_id = service.start("Detect label noise").session_id
    a, b, c, d = store.add_ideas(session_id, None, [(t, "") for t in "ABCD"])
    store.rate_idea(a.id, 2, 4)
    store.rate_idea(b.id, 5, 1)
    store.set_idea_status(c.id, IdeaStatus.DROPPED)
    context = service.context(session_id)
    cluster = build_prompt(Stage.CLUSTER, context)
    assert "Detect label noise" in cluster and "\n3. D" in cluster and "C" not in cluster[-60:]
    # Nothing kept: every live idea, best rated first, unrated last.
    assert [i.text for i in ranked_ideas(context.ideas)] == ["B", "A", "D"]
    store.set_idea_status(a.id, IdeaStatus.KEPT)
    context = StageContext("Detect label noise", "framed", store.list_ideas(session_id), "crit")
    critique = build_prompt(Stage.CRITIQUE, context)
    assert "1. A (impact 2, effort 4)" in critique and "B" not in critique.split("Problem")[1][40:]
    plan = build_prompt(Stage.PLAN, context)
    assert "Critique of these ideas:\ncrit" in plan and "experiment plan" in plan
    assert "How we framed it:\nframed" in critique and "How we framed it:\nframed" in plan
    diverge = build_prompt(Stage.DIVERGE, context)
    assert "numbered list" in diverge and diverge.endswith("Detect label noise")


async def test_stages_run_as_chat_turns_and_fill_the_board(
    service: BrainstormService, script: Script, tmp_path: Path
) -> None:
    store = service.store
    session_id = service.start("Detect label noise").session_id
    with pytest.raises(BrainstormError, match="Frame first"):
        await service.begin_stage(session_id, Stage.DIVERGE)

    frame = await service.run_stage(session_id, Stage.FRAME)
    assert service.to_run(session_id) is Stage.DIVERGE
    assert frame.turns[0].final.status is MessageStatus.COMPLETE  # type: ignore[union-attr]
    # A stage prompt goes alone: system + the prompt, never the whole thread.
    assert [m["role"] for m in script.calls[-1].messages] == ["system", "user"]

    diverge = await service.run_stage(session_id, Stage.DIVERGE)
    answers = store.children(diverge.prompt.id)
    assert len(answers) == 3, "each sample is a sibling answer of the diverge prompt"
    assert [c.temperature for c in script.calls[-3:]] == [1.0, 1.0, 1.0]
    assert all(c.route == "fast" for c in script.calls[-3:])
    assert diverge.prompt.parent_id == frame.turns[0].final.id  # type: ignore[union-attr]
    texts = [i.text for i in store.list_ideas(session_id)]
    assert texts == [
        "Confident learning on out-of-fold probabilities",
        "Co-teaching with two networks",
        "Early-loss ranking",
        "Relabel a small audit set",
        "Augmentation consistency checks",
        "Nearest-neighbour label voting in embedding space",
    ]
    first = store.list_ideas(session_id)[0]
    assert first.detail == "- use 5 folds" and first.source_message_id == answers[0].id

    await service.run_stage(session_id, Stage.CLUSTER)
    tags = {i.text: i.tags for i in store.list_ideas(session_id)}
    assert tags["Co-teaching with two networks"] == ("Training",)
    assert tags["Relabel a small audit set"] == ("Data",)

    store.set_idea_status(first.id, IdeaStatus.KEPT)
    store.rate_idea(first.id, 5, 2)
    script.deep_available = False
    critique = await service.run_stage(session_id, Stage.CRITIQUE)
    assert critique.route == "fast" and "no deep route" in (critique.note or "")
    stored = store.get_message(critique.turns[0].assistant.id)
    assert stored is not None and "no deep route" in (stored.route_note or "")
    script.deep_available = True
    plan = await service.run_stage(session_id, Stage.PLAN)
    assert plan.route == "deep" and script.calls[-1].route == "deep"
    assert "Assumes calibrated probabilities" in plan.prompt.content
    assert service.to_run(session_id) is None
    assert [s.stage for s in store.list_steps(session_id)] == [str(s) for s in ORDER]

    markdown = service.plan(session_id)
    assert "| 1 | Confident learning on out-of-fold probabilities | 5 | 2 |" in markdown
    assert "### Confident learning" in markdown and "Synthetic-noise benchmark" in markdown
    draft = service.export_draft(session_id)
    assert store.get_draft(draft.id).body == markdown  # type: ignore[union-attr]
    path = service.export_file(session_id, tmp_path / "out" / "plan.md")
    assert path.read_text(encoding="utf-8") == markdown


async def test_branch_prompt_is_a_sibling_of_the_stage_prompt(service: BrainstormService) -> None:
    session_id = service.start("Detect label noise").session_id
    await service.run_stage(session_id, Stage.FRAME)
    diverge = await service.run_stage(session_id, Stage.DIVERGE)
    idea = service.store.list_ideas(session_id)[0]
    parent, text = service.branch_prompt(idea)
    assert parent == diverge.prompt.parent_id
    assert idea.text in text and "Detect label noise" in text


async def test_temperature_override_reaches_the_engine(script: Script) -> None:
    engine = ScriptedEngine("fast", script)
    assert with_temperature(engine, None) is engine
    tempered = with_temperature(engine, 1.3)
    assert isinstance(tempered, WithTemperature) and tempered.model_label == "scripted-fast"
    async for _ in tempered.stream([{"role": "user", "content": "hi"}]):
        pass
    assert script.calls[-1].temperature == 1.3


def test_board_rules_bump_merge_target_and_tags(service: BrainstormService) -> None:
    assert [bump(None, 1), bump(None, -1), bump(5, 1), bump(1, -1), bump(2, 1)] == [4, 2, 5, 1, 3]
    store = service.store
    session_id = service.start("P").session_id
    a, b, c = store.add_ideas(session_id, None, [("A", ""), ("B", ""), ("C", "")])
    store.set_idea_status(b.id, IdeaStatus.DROPPED)
    ideas = store.list_ideas(session_id)
    assert merge_target(ideas, 2, None) == ideas[0]  # the dropped idea above is skipped
    assert merge_target(ideas, 0, None) is None
    assert merge_target(ideas, 0, c.id) == ideas[2]
    assert merge_target(ideas, 2, c.id) == ideas[0]  # marked itself: the one above
    assert parse_tags(" data, cheap baseline,,data ") == ["data", "cheap baseline"]


def test_plan_markdown_nests_answer_headings_outside_code() -> None:
    text = "# Top\n```\n# not a heading\n```\n## Sub"
    assert demote_headings(text) == "### Top\n```\n# not a heading\n```\n#### Sub"
