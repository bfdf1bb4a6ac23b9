"""`aha eval`: labelled sets through the modes fast, deep, router and router+checks, side by
side: accuracy, share of deep calls, time per prompt (app/evals/).

It runs against the configured routes, in a temporary database (`--db` keeps one), so the
user's history and what the router learned from them stay as they were.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

from app.config import Settings
from app.evals.runner import MODES, Evaluator, ModeSummary, blocked_reason
from app.evals.sets import BUILT_IN, CODE, SetError, TaskSet, load_set


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "eval",
        help="measure the modes fast, deep, router, router+checks on labelled sets",
        description=(
            "Runs each set's prompts through each mode against the configured routes and prints"
            " accuracy, the share of model calls that went deep and the time per prompt. A set"
            f" is a built-in name ({', '.join(BUILT_IN)}) or JSON lines of"
            ' {"prompt", "tests"} (code judged by the tests in the sandbox) or'
            ' {"prompt", "answer"} (the final result must match).'
        ),
    )
    parser.add_argument("sets", nargs="*", metavar="SET", help="default: code numbers")
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help=f"comma-separated, from {', '.join(MODES)} (default: all)",
    )
    parser.add_argument("--limit", type=int, metavar="N", help="the first N prompts of each set")
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    parser.add_argument("--db", metavar="FILE", help="keep the transcripts in this database")
    parser.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="where no sandbox works: judge code tasks anyway (own process, limits)",
    )


def _modes(text: str) -> list[str]:
    modes = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        what = ", ".join(unknown) or "none given"
        raise SetError(f"--modes: {what} (choose from {', '.join(MODES)})")
    return modes


def _table(summaries: list[ModeSummary]) -> str:
    rows = [("set", "mode", "accuracy", "deep calls", "time/prompt")]
    for s in summaries:
        rows.append(
            (
                s.set_name,
                s.mode,
                f"{s.correct}/{len(s.results)} ({s.accuracy:.0%})",
                f"{s.deep_share:.0%} ({s.deep_calls}/{s.calls})",
                f"{s.seconds_per_prompt:.1f} s",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                     for row in rows)  # fmt: skip


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    try:
        modes = _modes(args.modes)
        sets = [load_set(name) for name in (args.sets or list(BUILT_IN))]
    except SetError as exc:
        sys.stderr.write(f"aha eval: {exc}\n")
        return 2
    if args.limit is not None:
        if args.limit < 1:
            sys.stderr.write("aha eval: --limit must be at least 1\n")
            return 2
        sets = [TaskSet(s.name, s.tasks[: args.limit]) for s in sets]
    if any(t.kind == CODE for s in sets for t in s.tasks):
        blocked = blocked_reason(args.allow_unsandboxed)
        if blocked is not None:
            sys.stderr.write(
                f"aha eval: code tasks cannot be judged: {blocked}"
                " (--allow-unsandboxed runs them in a plain process with limits)\n"
            )
            return 2
    with tempfile.TemporaryDirectory(prefix="aha-eval-") as folder:
        database = Path(args.db).expanduser() if args.db else Path(folder) / "eval.db"
        return _run(args, settings, sets, modes, database)


def _run(
    args: argparse.Namespace,
    settings: Settings,
    sets: list[TaskSet],
    modes: list[str],
    database: Path,
) -> int:
    from app.chat import ChatService
    from storage import Store

    store = Store.open(database)
    try:
        evaluator = Evaluator(ChatService(store, settings), args.allow_unsandboxed)

        def progress(set_name: str, mode: str, index: int, total: int) -> None:
            sys.stderr.write(f"\raha eval: {set_name} · {mode} · {index}/{total}\x1b[K")
            sys.stderr.flush()

        async def every_set() -> list[ModeSummary]:
            summaries: list[ModeSummary] = []
            for task_set in sets:
                summaries += await evaluator.run(
                    task_set, modes, progress if sys.stderr.isatty() and not args.json else None
                )
            return summaries

        summaries = asyncio.run(every_set())
        if sys.stderr.isatty() and not args.json:
            sys.stderr.write("\r\x1b[K")
    except KeyboardInterrupt:
        sys.stderr.write("\naha eval: cancelled\n")
        return 130
    finally:
        store.close()
    routes = {name: f"{route.engine}:{route.model}" for name, route in settings.routes.items()}
    if args.json:
        record = {"routes": routes, "summaries": [s.to_dict() for s in summaries]}
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    else:
        print("routes: " + ", ".join(f"{name} {model}" for name, model in routes.items()))
        print(_table(summaries))
    return 0
