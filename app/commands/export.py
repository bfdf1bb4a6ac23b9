"""`aha export`: one session as Markdown (to read or publish) or as aha's JSON (to move or back up).

Output is written as UTF-8 bytes, not through the text layer, so the JSON is byte-identical
whatever the locale and a round trip through `aha import` can be compared with `cmp`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import paths
from app.commands.cli_common import one_match, write_stdout
from app.config import Settings
from app.transfer.exporting import render_session as render
from storage import Store
from storage.models import Session


class ExportError(Exception):
    """A problem to report in one line, exit status 2."""


def resolve_session(store: Store, ref: str) -> Session:
    """`last`, an exact id, or a unique prefix, to one session."""
    if ref == "last":
        session = store.last_session()
        if session is None:
            raise ExportError("no sessions yet")
        return session
    return one_match(store.find_sessions(ref), ref, "sessions", ExportError)


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    fmt = args.format or (
        "json" if args.output and Path(args.output).suffix.lower() == ".json" else "md"
    )
    database = paths.database_path()
    if not database.exists():
        print("aha export: no sessions yet", file=sys.stderr)
        return 2
    store = Store.open(database, read_only=True)
    try:
        session = resolve_session(store, args.session)
        text = render(store, session, fmt, args.all_branches)
    except ExportError as exc:
        print(f"aha export: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    data = text.encode("utf-8")
    if args.output and args.output != "-":
        try:
            Path(args.output).write_bytes(data)
        except OSError as exc:
            print(f"aha export: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
    else:
        write_stdout(data)
    return 0
