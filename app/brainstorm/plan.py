"""The brainstorm's result as one Markdown document: the problem, the ranked ideas with their
ratings, the critique and the experiments. It goes to a draft or to a file."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.brainstorm.stages import live_ideas, ranked_ideas
from storage.brainstorm_models import Brainstorm, Idea, IdeaStatus

_HEADING = re.compile(r"^(#{1,6})(\s)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def demote_headings(markdown: str, levels: int = 2) -> str:
    """Push an answer's headings `levels` down (outside code blocks), so they sit under the
    plan's own section headings."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            line = _HEADING.sub(lambda m: "#" * min(6, len(m.group(1)) + levels) + m.group(2), line)
        out.append(line)
    return "\n".join(out)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rating(value: int | None) -> str:
    return "–" if value is None else str(value)


def plan_title(brainstorm: Brainstorm) -> str:
    first = " ".join(brainstorm.problem.split())
    return f"Plan: {first[:70].rstrip()}{'…' if len(first) > 70 else ''}"


def plan_heading(brainstorm: Brainstorm) -> str:
    """The plan file's H1: the problem's first sentence, whole (a heading cut with "…" read
    as a rendering fault in the exported file); the Problem section below has all of it."""
    first = " ".join(brainstorm.problem.split())
    match = re.search(r"(?<=[.!?])\s", first)
    sentence = first[: match.start()] if match else first
    return f"Plan: {sentence}"


def plan_markdown(
    brainstorm: Brainstorm, ideas: Sequence[Idea], critique: str = "", experiments: str = ""
) -> str:
    """The plan. Ideas: the ranked ones (kept, best rated first) in a table; the other live
    ones listed after; dropped and merged ones counted, never silently lost."""
    ranked = ranked_ideas(ideas, limit=len(ideas))
    others = [i for i in live_ideas(ideas) if i not in ranked]
    dropped = [i for i in ideas if i.status is IdeaStatus.DROPPED]
    merged = [i for i in ideas if i.status is IdeaStatus.MERGED]
    lines = [f"# {plan_heading(brainstorm)}", "", "## Problem", "", brainstorm.problem.strip(), ""]
    lines += ["## Ideas, best first", ""]
    if ranked:
        lines += ["| # | Idea | Impact | Effort | Tags |", "|---|---|---|---|---|"]
        for number, idea in enumerate(ranked, 1):
            tags = ", ".join(idea.tags)
            lines.append(
                f"| {number} | {_cell(idea.text)} | {_rating(idea.impact)}"
                f" | {_rating(idea.effort)} | {_cell(tags)} |"
            )
    else:
        lines.append("No ideas kept yet.")
    if others:
        lines += ["", "Also on the board:", ""]
        lines += [f"- {idea.text}" for idea in others]
    if dropped or merged:
        lines += ["", f"({len(dropped)} dropped, {len(merged)} merged into others.)"]
    lines += ["", "## Critique", ""]
    lines.append(demote_headings(critique.strip()) if critique.strip() else "Not run yet.")
    lines += ["", "## Experiments", ""]
    lines.append(demote_headings(experiments.strip()) if experiments.strip() else "Not run yet.")
    return "\n".join(lines).rstrip() + "\n"
