"""The five stages of a brainstorm, in order, with each one's prompt, route and context.

frame -> diverge -> cluster -> critique -> plan. Each stage's prompt is self-contained: it
carries the problem and what the earlier stages produced (the ideas for cluster; the framing,
the ranked ideas with their ratings and, for the plan, the critique), so a stage can be
re-run alone and a small model's context is never filled with five stages of conversation.

Routes: frame lets the router decide (a plain restatement is easy, a subtle problem is not);
diverge goes fast, several samples at a higher temperature, because many varied ideas matter
more than polish there; cluster is mechanical grouping and goes fast; critique and plan are
where judgement matters and go deep (fast when no deep route answers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from app.critique import PROBLEMS_INSTRUCTION, compact
from storage.brainstorm_models import Idea, IdeaStatus

# How much of an earlier answer a later prompt quotes; the rest stays in the conversation.
QUOTE_CHARS = 1500
# Ideas listed in the cluster prompt, and the top ideas criticised and planned.
MAX_LISTED = 40
TOP_IDEAS = 5


class Stage(StrEnum):
    FRAME = "frame"
    DIVERGE = "diverge"
    CLUSTER = "cluster"
    CRITIQUE = "critique"
    PLAN = "plan"


ORDER: tuple[Stage, ...] = tuple(Stage)


@dataclass(frozen=True, slots=True)
class StageSpec:
    stage: Stage
    title: str
    # "fast", "deep", or None: the router decides.
    route: str | None
    samples: int = 1
    # None: the route's own temperature.
    temperature: float | None = None
    template: str = ""
    needs_ideas: bool = False


FRAME_TEMPLATE = """Help me frame this machine-learning problem before we look for solutions.

Problem: {problem}

Answer with these four Markdown headings, each followed by a short paragraph:
## Restated problem
## Constraints
## Success metric
## What is known"""

# Short, and the instruction names the list form with the problem last: the embedded 135M
# model answers this with a numbered list far more often (5 samples in 8) than when the
# framing is quoted first (3 in 8). The framing goes to the deep stages instead.
DIVERGE_TEMPLATE = """Give a numbered list of 8 to 10 distinct ideas (methods, data, \
evaluation tricks, baselines) to solve this machine-learning problem: {problem}"""

CLUSTER_TEMPLATE = """Problem: {problem}

Ideas so far:
{ideas}

Group these ideas into 3 to 6 clusters. For each cluster write a `## ` heading with a short \
cluster name, then a bulleted list of the ideas in it, copied word for word."""

CRITIQUE_TEMPLATE = """Problem: {problem}
{framing}
The most promising ideas (impact and effort rated 1-5 where known):
{ideas}

Criticise each idea in turn, under a `## ` heading with its name. Under each heading: \
{problems_instruction} Look for hidden assumptions and the ways it could fail, and end with the \
cheapest test that would show whether it works."""

PLAN_TEMPLATE = """Problem: {problem}
{framing}
Ideas to test, best first (impact and effort rated 1-5 where known):
{ideas}
{critique}
Write an experiment plan as a numbered list, in the order to run them. For each experiment \
give: the hypothesis, the metric, the expected cost (time and compute), and what result \
would make us stop or continue."""

SPECS: dict[Stage, StageSpec] = {
    Stage.FRAME: StageSpec(Stage.FRAME, "Frame", None, template=FRAME_TEMPLATE),
    Stage.DIVERGE: StageSpec(
        Stage.DIVERGE, "Diverge", "fast", samples=3, temperature=1.0, template=DIVERGE_TEMPLATE
    ),
    Stage.CLUSTER: StageSpec(
        Stage.CLUSTER, "Cluster", "fast", template=CLUSTER_TEMPLATE, needs_ideas=True
    ),
    Stage.CRITIQUE: StageSpec(
        Stage.CRITIQUE, "Critique", "deep", template=CRITIQUE_TEMPLATE, needs_ideas=True
    ),
    Stage.PLAN: StageSpec(Stage.PLAN, "Plan", "deep", template=PLAN_TEMPLATE, needs_ideas=True),
}


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a stage's prompt may draw on."""

    problem: str
    framing: str = ""
    ideas: Sequence[Idea] = field(default_factory=tuple)
    critique: str = ""


def next_stage(stage: Stage) -> Stage | None:
    index = ORDER.index(stage)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def stage_to_run(current: Stage, completed: set[Stage]) -> Stage | None:
    """What "run the next stage" runs: the current stage until it has an answer, then the
    one after it; None when the plan is done."""
    return next_stage(current) if current in completed else current


def run_problem(stage: Stage, completed: set[Stage], context: StageContext) -> str | None:
    """Why `stage` cannot run now, in one line; None when it can. A stage needs the one
    before it answered (re-running an answered stage is always allowed), and the stages
    after diverge need ideas on the board."""
    index = ORDER.index(stage)
    if index > 0 and ORDER[index - 1] not in completed:
        return f"{SPECS[ORDER[index - 1]].title} first: {SPECS[stage].title} builds on it."
    if SPECS[stage].needs_ideas and not live_ideas(context.ideas):
        return f"No ideas on the board to {stage}: run Diverge (again), or keep some ideas."
    return None


def live_ideas(ideas: Sequence[Idea]) -> list[Idea]:
    """Ideas still in play: neither dropped nor merged into another."""
    return [i for i in ideas if i.status in (IdeaStatus.NEW, IdeaStatus.KEPT)]


def ranked_ideas(ideas: Sequence[Idea], limit: int = TOP_IDEAS) -> list[Idea]:
    """The ideas a critique or plan is about: the kept ones when any are kept, otherwise all
    live ones; best rated (impact - effort) first, unrated after, then board order."""
    live = live_ideas(ideas)
    kept = [i for i in live if i.status is IdeaStatus.KEPT] or live
    ordered = sorted(
        kept, key=lambda i: (i.score is None, -(i.score or 0), -(i.impact or 0), i.position)
    )
    return ordered[:limit]


def idea_line(idea: Idea) -> str:
    ratings = []
    if idea.impact is not None:
        ratings.append(f"impact {idea.impact}")
    if idea.effort is not None:
        ratings.append(f"effort {idea.effort}")
    suffix = f" ({', '.join(ratings)})" if ratings else ""
    return f"{idea.text}{suffix}"


def _quote(label: str, text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if len(text) > QUOTE_CHARS:
        text = text[:QUOTE_CHARS].rstrip() + " …"
    return f"\n{label}:\n{text}\n"


def build_prompt(stage: Stage, context: StageContext) -> str:
    """The user message a stage sends (stored as typed, so the conversation shows it)."""
    spec = SPECS[stage]
    if stage is Stage.CLUSTER:
        listed = live_ideas(context.ideas)[:MAX_LISTED]
    else:
        listed = ranked_ideas(context.ideas)
    ideas = "\n".join(f"{n}. {idea_line(i)}" for n, i in enumerate(listed, 1))
    return spec.template.format(
        problem=context.problem.strip(),
        framing=_quote("How we framed it", context.framing),
        ideas=ideas,
        # The plan reads the critique's problems only (app/critique.py): more of them fit.
        critique=_quote("Critique of these ideas", compact(context.critique)),
        problems_instruction=PROBLEMS_INSTRUCTION,
    )
