"""RouteLLM's routing metrics over one labelled set, for `aha route eval`.

Route the prompts with the highest router score to the strong (deep) model. ``curve`` gives the
mean quality reached for each share of deep calls: exact at every tie-block boundary and a straight
line within a block (the expectation when tied prompts are picked at random), so a router that
gives every prompt the same score *is* the exact expectation of random routing.

- PGR(c) = (quality(c) - quality(all weak)) / (quality(all strong) - quality(all weak));
- APGR: ``evaluate.apgr`` (area under PGR, 101 evenly spaced shares, RouteLLM's way);
- CPT(x): the smallest share of deep calls whose PGR reaches x (exact, on the curve);
- deep share for 95% quality: the smallest share whose quality reaches 95% of all-deep quality.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.router.lab import evaluate as ev

Curve = list[tuple[float, float]]


def curve(scores: Sequence[float], weak: Sequence[float], strong: Sequence[float]) -> Curve:
    """(share routed deep, mean quality) at each tie-block boundary, from share 0 to 1."""
    n = len(scores)
    if not n or len(weak) != n or len(strong) != n:
        raise ValueError("curve needs equally long, non-empty scores, weak and strong")
    order = sorted(range(n), key=lambda i: -scores[i])
    quality = sum(weak)
    points = [(0.0, quality / n)]
    i = 0
    while i < n:
        j = i
        while j < n and scores[order[j]] == scores[order[i]]:
            quality += strong[order[j]] - weak[order[j]]
            j += 1
        points.append((j / n, quality / n))
        i = j
    return points


def share_for_quality(points: Curve, target: float) -> float:
    """The smallest share of deep calls whose (interpolated) quality reaches ``target``."""
    if points[0][1] >= target:
        return 0.0
    for (c0, q0), (c1, q1) in zip(points, points[1:], strict=False):
        if q1 >= target:
            return c0 + (c1 - c0) * (target - q0) / (q1 - q0)
    return 1.0  # float rounding at the very end; all-deep quality is the curve's last point


def cpt(points: Curve, x: float) -> float | None:
    """CPT(x): the share of deep calls needed to recover ``x`` of the weak-strong gap."""
    weak, strong = points[0][1], points[-1][1]
    if strong <= weak:
        return None
    return share_for_quality(points, weak + x * (strong - weak))


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary(
    scores: Sequence[float],
    weak: Sequence[float],
    strong: Sequence[float],
    needs_deep: Sequence[bool],
    latencies_ms: Sequence[float] = (),
) -> dict[str, float | None]:
    """Every figure of one router on one set; None where a figure is undefined (one class
    only, or a strong model no better than the weak one on average)."""
    points = curve(scores, weak, strong)
    weak_q, strong_q = points[0][1], points[-1][1]
    both_classes = 0 < sum(1 for y in needs_deep if y) < len(needs_deep)
    gap = strong_q > weak_q
    return {
        "auroc": ev.auroc(scores, needs_deep) if both_classes else None,
        "apgr": ev.apgr(scores, weak, strong) if gap else None,
        "cpt50": cpt(points, 0.5),
        "cpt80": cpt(points, 0.8),
        "deep_for_95": share_for_quality(points, 0.95 * strong_q) if strong_q > 0 else None,
        "p50_ms": percentile(latencies_ms, 50),
        "p95_ms": percentile(latencies_ms, 95),
    }
