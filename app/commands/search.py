"""`aha search`: full-text search over every stored prompt, answer and draft, grep-style.

Exit status follows grep: 0 when something matched, 1 when nothing did, 2 for a usage error,
so scripts can test for hits without parsing the output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime

from app import paths
from app.config import Settings
from app.sanitize import one_line
from storage import Store
from storage.search_repo import MARK_CLOSE, MARK_OPEN, SearchHit

# Hits in bold on a terminal; brackets when piped.
BOLD = ("\x1b[1m", "\x1b[22m")


def _local_date(stamp: str) -> str:
    """The stored UTC timestamp as a local calendar date (what people remember)."""
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().date().isoformat()
    except ValueError:
        return stamp[:10]


def _one_line(text: str) -> str:
    """Stored text is sanitised on the way in; strip again anyway (an older aha, a hand-edited
    database) and fold newlines so each hit stays two lines."""
    return one_line(text)


# Shortest id prefix shown; longer where two sessions share it.
MIN_PREFIX = 8


def short_ids(every_id: list[str], minimum: int = MIN_PREFIX) -> dict[str, str]:
    """Each id's shortest unique prefix (at least `minimum` characters): what `aha export`
    and `aha ask --session` accept. Neighbours in sorted order share the longest prefixes."""
    ordered = sorted(set(every_id))
    shortest: dict[str, str] = {}
    for index, item in enumerate(ordered):
        common = 0
        for other in ordered[max(0, index - 1) : index] + ordered[index + 1 : index + 2]:
            same = 0
            while same < min(len(item), len(other)) and item[same] == other[same]:
                same += 1
            common = max(common, same)
        shortest[item] = item[: max(minimum, common + 1)]
    return shortest


def format_hit(
    hit: SearchHit, marks: tuple[str, str] = ("[", "]"), session_ref: str | None = None
) -> str:
    title = _one_line(hit.session_title) or "(untitled)"
    snippet = _one_line(hit.snippet).replace(MARK_OPEN, marks[0]).replace(MARK_CLOSE, marks[1])
    # Each hit names what the next command takes: a session's id prefix (aha export), a
    # draft's id (aha draft open, aha draft export).
    if hit.kind == "draft":
        where = f"draft {hit.draft_id}"
    else:
        where = f"session {session_ref or hit.session_id} · {hit.role}"
    return f"{title} · {where} · {_local_date(hit.created_at)}\n  {snippet}"


def _print_hits(hits: list[SearchHit], as_json: bool, refs: dict[str, str]) -> None:
    for hit in hits:
        if as_json:
            print(json.dumps(hit.to_dict(), ensure_ascii=False))
        else:
            marks = BOLD if sys.stdout.isatty() else ("[", "]")
            print(format_hit(hit, marks, refs.get(hit.session_id)))


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    query = str(args.query or "")
    if not query.strip():
        print("aha search: give something to search for", file=sys.stderr)
        return 2
    path = paths.database_path()
    if not path.exists():  # nothing stored yet; searching must not create the database
        return 1
    store = Store.open(path, read_only=True)
    try:
        hits = store.search(query, limit=args.limit)
        every = [s.id for s in store.list_sessions(include_archived=True, limit=1_000_000)]
        refs = short_ids(every)
    finally:
        store.close()
    try:
        _print_hits(hits, args.json, refs)
        sys.stdout.flush()
    except BrokenPipeError:
        # `aha search x | head -1`: the reader left; that is not an error. Point stdout at
        # devnull so the interpreter's own flush at exit does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0 if hits else 1
