"""`aha export`: one session as Markdown (to read or publish) or as aha's JSON (to move or back up).

Output is written as UTF-8 bytes, not through the text layer, so the JSON is byte-identical
whatever the locale and a round trip through `aha import` can be compared with `cmp`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app import paths
from storage import Store
from storage.models import Message, Session


class ExportError(Exception):
    """A problem to report in one line, exit status 2."""


def resolve_session(store: Store, ref: str) -> Session:
    """`last`, an exact id, or a unique prefix, to one session."""
    if ref == "last":
        session = store.last_session()
        if session is None:
            raise ExportError("no sessions yet")
        return session
    found = store.find_sessions(ref)
    if not found:
        raise ExportError(f"no session matching {ref!r}")
    if len(found) > 1:
        raise ExportError(f"{ref!r} matches {len(found)} sessions; give more of the id")
    return found[0]


def _leaf_threads(store: Store, session: Session) -> list[list[Message]]:
    """One root-to-leaf thread per leaf: the active thread first, then the others by id."""
    tree = store.session_tree(session.id)
    messages = tree.messages if tree else ()
    parents = {m.parent_id for m in messages}
    leaves = [m.id for m in messages if m.id not in parents]
    if session.active_leaf_id is not None:
        leaves = [session.active_leaf_id, *(i for i in leaves if i != session.active_leaf_id)]
    return [store.thread(leaf) for leaf in leaves]


def render(store: Store, session: Session, fmt: str, all_branches: bool) -> str:
    if fmt == "json":
        from app.transfer.export_json import render_json

        tree = store.session_tree(session.id)
        return render_json(session, tree.messages if tree else ())
    from app.transfer.export_md import render_branches, render_thread

    if all_branches:
        threads = _leaf_threads(store, session)
        return render_branches(session, threads, active_first=session.active_leaf_id is not None)
    thread = store.thread(session.active_leaf_id) if session.active_leaf_id else []
    return render_thread(session, thread)


def _write_stdout(data: bytes) -> None:
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        # `aha export ... | head`: the reader left; stop quietly, and keep Python's exit-time
        # flush from raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def run_export(args: argparse.Namespace) -> int:
    fmt = args.format or (
        "json" if args.output and Path(args.output).suffix.lower() == ".json" else "md"
    )
    database = paths.database_path()
    if not database.exists():
        print("aha export: no sessions yet", file=sys.stderr)
        return 2
    store = Store.open(database)
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
        _write_stdout(data)
    return 0
