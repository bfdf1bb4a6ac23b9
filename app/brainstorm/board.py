"""Pure rules of the idea board, kept out of the widget so they are tested without a UI."""

from __future__ import annotations

from collections.abc import Sequence

from storage.brainstorm_models import Idea, IdeaStatus
from storage.brainstorm_repo import SCORE_MAX, SCORE_MIN

# An unrated idea counts as the middle of the scale when first nudged: + makes it 4, - 2.
UNRATED_START = 3


def bump(value: int | None, step: int) -> int:
    """A rating moved `step` along the 1-5 scale (clamped)."""
    base = UNRATED_START if value is None else value
    return max(SCORE_MIN, min(SCORE_MAX, base + step))


def merge_target(ideas: Sequence[Idea], index: int, marked_id: str | None) -> Idea | None:
    """Where the idea at `index` merges: the marked idea when one is marked (and is not the
    idea itself), otherwise the nearest live idea above it; None when there is none."""
    idea = ideas[index]
    if marked_id is not None and marked_id != idea.id:
        return next((i for i in ideas if i.id == marked_id), None)
    for other in reversed(ideas[:index]):
        if other.status in (IdeaStatus.NEW, IdeaStatus.KEPT):
            return other
    return None


def parse_tags(text: str) -> list[str]:
    """Tags typed as "data, cheap baseline": comma separated, blanks dropped, order kept."""
    return list(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
