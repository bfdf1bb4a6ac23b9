"""Running a brainstorm: each stage is an ordinary chat turn (stored, routed, streamed and
persisted by ChatService exactly like a typed prompt), plus the brainstorm's bookkeeping:
which prompt ran which stage, the ideas taken out of the answers, the plan and its export.

The UI drives one stage as: `begin_stage` (stores the prompt, starts the first answer), stream
each turn with `chat.stream_turn`, `finish_turn` (ideas to the board), `next_sample` for the
diverge stage's further samples (sibling answers of the same prompt), until it returns None.
`run_stage` does all of that without a UI (the CLI and tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.backend.events import ChatMessage, StreamEvent
from app.backend.registry import Engines
from app.brainstorm.extract import best_match, dedupe, extract_ideas
from app.brainstorm.plan import plan_markdown, plan_title
from app.brainstorm.stages import (
    SPECS,
    Stage,
    StageContext,
    build_prompt,
    live_ideas,
    run_problem,
    stage_to_run,
)
from app.chat import CONTINUE_PROMPT, SYSTEM_PROMPT, ChatService, Rerouted, Turn
from storage import Message, MessageStatus, Store
from storage.brainstorm_models import Brainstorm, Idea
from storage.brainstorm_repo import BrainstormError

if TYPE_CHECKING:
    from storage.drafts_models import Draft

__all__ = ["BrainstormError", "BrainstormService", "StageChat", "StageRun"]

BRANCH_TEMPLATE = (
    "Let's develop one idea for this problem: {problem}\n\nThe idea: {idea}\n{detail}\n"
    "How would it work in practice, what would it need, how could it fail, and what is the "
    "first small step to try it?"
)


class StageChat(ChatService):
    """The chat service for stage prompts: a stage prompt goes to the model alone (with the
    system prompt), since it already quotes what it needs; ordinary follow-ups in the same
    session keep the whole thread as context.

    It shares the app's service's engines (read through it, so a route the app changes is the
    route the stages use) and router: one loaded model, one calibration."""

    def __init__(self, parent: ChatService) -> None:
        self.parent = parent
        super().__init__(
            parent.store,
            parent.settings,
            engines=parent.engines,
            router=parent.router,
            flush_interval=parent.flush_interval,
        )

    @property
    def engines(self) -> Engines:
        return self.parent.engines

    @engines.setter
    def engines(self, engines: Engines) -> None:
        self.parent.engines = engines

    def context_for(self, turn: Turn) -> list[ChatMessage]:
        if self.store.stage_of_prompt(turn.user.id) is None:
            return super().context_for(turn)
        messages: list[ChatMessage] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": turn.user.content},
        ]
        if turn.prefix:
            messages.append({"role": "assistant", "content": turn.prefix})
            messages.append({"role": "user", "content": CONTINUE_PROMPT})
        return messages


@dataclass
class StageRun:
    """One run of a stage: its prompt and the answers started so far."""

    session_id: str
    stage: Stage
    prompt: Message
    route: str | None
    samples: int
    temperature: float | None
    # Why the route differs from the stage's (deep unavailable): shown to the user.
    note: str | None = None
    turns: list[Turn] = field(default_factory=list)


class BrainstormService:
    def __init__(self, store: Store, chat: ChatService) -> None:
        self.store = store
        self.chat = StageChat(chat)

    # State ----------------------------------------------------------------------------------

    def start(self, problem: str) -> Brainstorm:
        return self.store.create_brainstorm(problem, Stage.FRAME)

    def get(self, session_id: str) -> Brainstorm:
        brainstorm = self.store.get_brainstorm(session_id)
        if brainstorm is None:
            raise BrainstormError(f"no brainstorm {session_id!r}")
        return brainstorm

    def stage_answers(self, session_id: str, stage: Stage) -> list[Message]:
        """The complete, non-empty answers of the latest run of `stage` (oldest first)."""
        steps = [s for s in self.store.list_steps(session_id) if s.stage == stage]
        if not steps:
            return []
        return [
            m
            for m in self.store.children(steps[-1].prompt_id)
            if m.role == "assistant" and m.status is MessageStatus.COMPLETE and m.content.strip()
        ]

    def completed(self, session_id: str) -> set[Stage]:
        return {stage for stage in Stage if self.stage_answers(session_id, stage)}

    def _latest_text(self, session_id: str, stage: Stage) -> str:
        answers = self.stage_answers(session_id, stage)
        return answers[-1].content if answers else ""

    def context(self, session_id: str) -> StageContext:
        return StageContext(
            problem=self.get(session_id).problem,
            framing=self._latest_text(session_id, Stage.FRAME),
            ideas=self.store.list_ideas(session_id),
            critique=self._latest_text(session_id, Stage.CRITIQUE),
        )

    def to_run(self, session_id: str) -> Stage | None:
        """The stage "next" runs now (None when the plan is done)."""
        current = Stage(self.get(session_id).stage)
        return stage_to_run(current, self.completed(session_id))

    def problem_with(self, session_id: str, stage: Stage) -> str | None:
        return run_problem(stage, self.completed(session_id), self.context(session_id))

    # Running a stage ------------------------------------------------------------------------

    async def _route_for(self, stage: Stage) -> tuple[str | None, str | None]:
        """The stage's route, and a note when deep cannot answer and fast stands in."""
        route = SPECS[stage].route
        if route == "deep" and not (await self.chat.availability("deep")).ok:
            return "fast", f"no deep route answers: {stage} ran on the fast route"
        return route, None

    async def begin_stage(self, session_id: str, stage: Stage) -> StageRun:
        """Store the stage's prompt (after what the session shows now) and start its first
        answer. Raises BrainstormError when the stage cannot run yet."""
        problem = self.problem_with(session_id, stage)
        if problem is not None:
            raise BrainstormError(problem)
        text = build_prompt(stage, self.context(session_id))
        session = self.store.get_session(session_id)
        prompt = self.store.add_user_message(
            session_id, session.active_leaf_id if session else None, text
        )
        self.store.add_step(session_id, stage, prompt.id)
        spec = SPECS[stage]
        route, note = await self._route_for(stage)
        run = StageRun(session_id, stage, prompt, route, spec.samples, spec.temperature, note)
        await self._begin(run)
        return run

    async def _begin(self, run: StageRun) -> Turn:
        turn = await self.chat.begin_answer(run.prompt, force_route=run.route)
        turn.temperature = run.temperature
        if run.note and turn.final is None:  # on the row and the badge: why not deep
            turn.note = " · ".join(n for n in (turn.note, run.note) if n)
            self.store.update_route(
                turn.assistant.id, turn.route, turn.assistant.model or "", turn.note
            )
            turn.assistant = self.store.get_message(turn.assistant.id) or turn.assistant
        run.turns.append(turn)
        return turn

    async def next_sample(self, run: StageRun) -> Turn | None:
        """The next sibling answer of a multi-sample stage, or None when all are started or
        the last one did not complete (cancelled or failed: no point sampling on)."""
        last = run.turns[-1].final if run.turns else None
        if len(run.turns) >= run.samples or last is None:
            return None
        if last.status is not MessageStatus.COMPLETE:
            return None
        return await self._begin(run)

    def finish_turn(self, run: StageRun, turn: Turn) -> list[Idea]:
        """Take what a finished answer adds to the board: new ideas from a diverge answer
        (near-duplicates of ideas already there dropped), cluster names as tags. Returns the
        ideas added or re-tagged."""
        answer = turn.final
        if answer is None or answer.status is not MessageStatus.COMPLETE:
            return []
        extracted = extract_ideas(answer.content)
        if run.stage is Stage.DIVERGE:
            existing = [i.text for i in self.store.list_ideas(run.session_id)]
            fresh = dedupe(extracted, existing)
            return self.store.add_ideas(
                run.session_id, answer.id, [(i.text, i.detail) for i in fresh]
            )
        if run.stage is Stage.CLUSTER:
            return self._tag_clusters(run.session_id, [(i.text, i.section) for i in extracted])
        return []

    def _tag_clusters(self, session_id: str, items: list[tuple[str, str]]) -> list[Idea]:
        ideas = live_ideas(self.store.list_ideas(session_id))
        texts = [i.text for i in ideas]
        changed: dict[str, Idea] = {}
        for text, section in items:
            index = best_match(text, texts) if section else None
            if index is None:
                continue
            idea = changed.get(ideas[index].id, ideas[index])
            if section not in idea.tags:
                changed[idea.id] = self.store.set_idea_tags(idea.id, [*idea.tags, section])
        return list(changed.values())

    async def run_stage(
        self,
        session_id: str,
        stage: Stage,
        on_event: Callable[[Turn, StreamEvent | Rerouted], None] | None = None,
    ) -> StageRun:
        """Run every sample of a stage to the end, without a UI."""
        run = await self.begin_stage(session_id, stage)
        turn: Turn | None = run.turns[0]
        while turn is not None:
            async for event in self.chat.stream_turn(turn):
                if on_event is not None:
                    on_event(turn, event)
            self.finish_turn(run, turn)
            turn = await self.next_sample(run)
        return run

    # Ideas and the plan ---------------------------------------------------------------------

    def branch_prompt(self, idea: Idea) -> tuple[str | None, str]:
        """(parent, text) of a prompt that develops one idea: a sibling of the stage prompt
        whose answer the idea came from (so its thread is short and the stages stay intact)."""
        problem = self.get(idea.session_id).problem
        detail = f"\n{idea.detail}\n" if idea.detail else ""
        text = BRANCH_TEMPLATE.format(problem=problem, idea=idea.text, detail=detail)
        source = self.store.get_message(idea.source_message_id or "")
        prompt = self.store.get_message(source.parent_id or "") if source else None
        if prompt is not None:
            return prompt.parent_id, text
        session = self.store.get_session(idea.session_id)
        return (session.active_leaf_id if session else None), text

    def plan(self, session_id: str) -> str:
        return plan_markdown(
            self.get(session_id),
            self.store.list_ideas(session_id),
            critique=self._latest_text(session_id, Stage.CRITIQUE),
            experiments=self._latest_text(session_id, Stage.PLAN),
        )

    def export_draft(self, session_id: str) -> Draft:
        """The plan as a new draft (a draft per export: earlier exports stay as they were)."""
        return self.store.create_draft(plan_title(self.get(session_id)), self.plan(session_id))

    def export_file(self, session_id: str, path: Path) -> Path:
        path = path.expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.plan(session_id), encoding="utf-8")
        return path
