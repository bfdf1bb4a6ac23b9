"""`aha stats`: usage summed by route and model (answers, tokens, speed, first token, cost).

Reads only: a missing database is "no answers yet", never a new file. What counts as an answer
and how the averages are taken is documented in `storage/usage_repo.py`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from app import paths
from app.backend.usage import format_cost
from app.config import Settings
from app.sanitize import strip_control
from storage import Store
from storage.usage_repo import UsageSummary


def since_stamp(days: float | None, now: datetime | None = None) -> str | None:
    """The ISO timestamp `days` ago, in the stored format (UTC, milliseconds, Z)."""
    if days is None:
        return None
    moment = (now or datetime.now(UTC)) - timedelta(days=days)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def cost_text(summary: UsageSummary) -> str:
    """Dollars: "$0.0123", "$0" for local models, "?" when no answer could be priced, and
    the count of unpriced answers next to a partial sum."""
    if summary.cost_usd is None:
        return "?" if summary.answers else ""
    text = "$0" if summary.cost_usd == 0 else format_cost(summary.cost_usd)
    return f"{text} ({summary.unpriced} unpriced)" if summary.unpriced else text


# What a cell says when no answer in the group reported the figure (a server that sends no
# usage): not a dash, which reads as zero or as a rendering fault.
NOT_REPORTED = "not reported"


def _num(value: float | None, fmt: str = "{:,.0f}", suffix: str = "") -> str:
    return NOT_REPORTED if value is None else fmt.format(value) + suffix


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


def _row(summary: UsageSummary, label: tuple[str, str]) -> list[str]:
    return [
        label[0],
        label[1],
        str(summary.answers),
        _num(summary.prompt_tokens),
        _num(summary.completion_tokens),
        _num(summary.tokens_per_s, "{:.1f}"),
        _num(_seconds(summary.first_token_ms), "{:.1f}", " s"),
        cost_text(summary),
    ]


HEADER = ["route", "model", "answers", "tokens in", "tokens out", "tok/s", "first token", "cost"]
RIGHT = {2, 3, 4, 5, 6}


def render_table(groups: list[UsageSummary], total: UsageSummary) -> str:
    rows = [HEADER] + [_row(g, (g.route or "?", g.model or "?")) for g in groups]
    rows.append(_row(total, ("total", "")))
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in RIGHT else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def run_stats(args: argparse.Namespace, settings: Settings) -> int:
    since = since_stamp(args.since)
    groups: list[UsageSummary] = []
    total = UsageSummary(route=None, model=None)
    path = paths.database_path()
    if path.exists():
        store = Store.open(path, read_only=True)
        try:
            groups = store.usage_by_route(since=since)
            total = store.usage_total(since=since)
        finally:
            store.close()
    if args.json:
        record: dict[str, Any] = {
            "since": since,
            "routes": [g.to_dict() for g in groups],
            "total": {k: v for k, v in total.to_dict().items() if k not in ("route", "model")},
        }
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return 0
    period = f"since {since[:16].replace('T', ' ')} UTC" if since else "all time"
    if not groups:
        print(f"no answers yet ({period})")
        return 0
    print(f"usage, {period}")
    # Model names come from servers and configs: strip anything a terminal would act on.
    sys.stdout.write(strip_control(render_table(groups, total)) + "\n")
    return 0
