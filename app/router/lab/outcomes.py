"""Check outcomes as training labels for `aha route train`.

A check (code run against its tests, samples that agree) labels its prompt by what happened:
"needed deep" when the fast answer failed and deep passed, "fast was enough" when the fast
answer passed or its samples agreed (app/checks/service.py marks them). They are the user's
own prompts labelled by tests, not by people, so they join the public labels in the final
fit, each counted `OUTCOME_WEIGHT` times (a handful among thousands would otherwise move
nothing). They never enter the evaluation: the figures stay those of the public sets, with
their protocol, and say how many outcomes the shipped weights also saw.
"""

from __future__ import annotations

from pathlib import Path

from app.router.feedback import FAST_ENOUGH, NEEDED_DEEP
from app.router.lab.train_data import Data, build, concat
from storage import StorageError, Store

OUTCOME_WEIGHT = 5


def load_outcomes(database: Path) -> list[tuple[str, bool]]:
    """(prompt, needed deep) for every check outcome stored in `database` (read only)."""
    store = Store.open(database, read_only=True)
    try:
        rows = store.check_outcomes()
    finally:
        store.close()
    return [
        (prompt, kind == NEEDED_DEEP) for prompt, kind in rows if kind in (NEEDED_DEEP, FAST_ENOUGH)
    ]


def outcome_data(outcomes: list[tuple[str, bool]]) -> Data | None:
    """The outcomes as training rows, each repeated `OUTCOME_WEIGHT` times; None if none.
    Quality for APGR: deep passed (1) where fast failed (0), or both enough (1, 1)."""
    if not outcomes:
        return None
    records = [(prompt, 0.0 if deep else 1.0, 1.0) for prompt, deep in outcomes]
    one = build(records, [deep for _, deep in outcomes])
    data = one
    for _ in range(OUTCOME_WEIGHT - 1):
        data = concat(data, one)
    return data


def read_outcomes(database: Path | None) -> tuple[list[tuple[str, bool]], str]:
    """The outcomes in `database` (none when it is None or missing) and one line on them."""
    if database is None or not database.exists():
        return [], "no check outcomes (no database)"
    try:
        outcomes = load_outcomes(database)
    except StorageError as exc:
        return [], f"no check outcomes ({exc})"
    deep = sum(needed for _, needed in outcomes)
    return outcomes, (
        f"{len(outcomes)} check outcomes from {database} ({deep} needed deep,"
        f" {len(outcomes) - deep} fast was enough), each counted {OUTCOME_WEIGHT} times"
    )
