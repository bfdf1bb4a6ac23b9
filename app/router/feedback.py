"""Per-user calibration: the user's escalations and "overkill" marks move the threshold.

An escalation (a fast answer asked again on deep) says the router drew the line too high for
this user: the threshold goes down a step, so prompts like it go deep. An overkill mark (a deep
answer that was more than the prompt needed) says the opposite: it goes up a step. Recent marks
weigh more (each older mark counts `DECAY` times the one after it, over the newest `WINDOW`),
each step is small (`STEP`) and the total is bounded to ±`MAX_SHIFT`, so a burst of marks can
nudge the router but never run away with it. Pure standard library, like the rest of the router.
"""

from __future__ import annotations

from collections.abc import Iterable

STEP = 0.01
"""How far one fresh mark moves the threshold."""
MAX_SHIFT = 0.15
"""The shift never goes beyond this, either way."""
DECAY = 0.97
"""Weight of a mark relative to the next newer one (half-life about 23 marks)."""
WINDOW = 100
"""Only the newest this many marks count."""

ESCALATED = "escalated"
OVERKILL = "overkill"
# Outcomes of checks (app/checks/): labelled by the answers' own tests, not by a person.
NEEDED_DEEP = "needed_deep"  # fast failed its checks, deep passed them
FAST_ENOUGH = "fast_enough"  # fast passed its checks, or its samples agreed
# A passing fast answer says less than a failing one (an easy prompt passes anywhere), so it
# moves the line half as far.
_SIGN = {ESCALATED: -1.0, OVERKILL: 1.0, NEEDED_DEEP: -1.0, FAST_ENOUGH: 0.5}


def _kind(mark: object) -> str:
    return mark if isinstance(mark, str) else str(getattr(mark, "kind", ""))


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def threshold_shift(feedback: Iterable[object]) -> tuple[float, str]:
    """(shift to add to the base threshold, one line saying why).

    ``feedback``: marks newest first, each a kind ("escalated" / "overkill") or anything with a
    ``kind`` attribute (storage's ``RouteFeedback``); unknown kinds are ignored."""
    kinds = [k for k in (_kind(m) for m in feedback) if k in _SIGN][:WINDOW]
    if not kinds:
        return 0.0, "threshold not moved: no feedback yet"
    total = sum(_SIGN[k] * DECAY**age for age, k in enumerate(kinds))
    raw = STEP * total
    shift = round(max(-MAX_SHIFT, min(MAX_SHIFT, raw)), 4)
    escalations, overkill = kinds.count(ESCALATED), kinds.count(OVERKILL)
    outcomes = kinds.count(NEEDED_DEEP) + kinds.count(FAST_ENOUGH)
    checked = f", {_plural(outcomes, 'check outcome', 'check outcomes')}" if outcomes else ""
    counts = (
        f"{_plural(escalations, 'escalation', 'escalations')},"
        f" {_plural(overkill, 'overkill mark', 'overkill marks')}{checked} (last {WINDOW})"
    )
    if round(shift, 2) == 0:
        return shift, f"threshold not moved by your feedback: {counts}"
    moved = f"{shift:+.2f}".replace("-", "\u2212")
    limit = f"; at the \u00b1{MAX_SHIFT:.2f} limit" if abs(raw) >= MAX_SHIFT else ""
    return shift, f"threshold moved {moved} by your feedback: {counts}{limit}"
