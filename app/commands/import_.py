"""`aha import`: sessions from aha's JSON export or ChatGPT's `conversations.json`.

The whole file is parsed and checked before the database is touched, and then written in one
transaction: a bad file, or a failure half way, imports nothing. Problems are one line on
stderr with exit status 2, never a traceback. After the summary comes one indented line for
each thing the import had to fill in or repair (a missing title, a cut loop of parent links).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from app import paths
from app.config import Settings
from app.transfer import FormatError, decode, parse_import
from storage import Store


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    name: str = args.file
    try:
        raw = _read(name)
    except OSError as exc:
        print(f"aha import: {name}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    notes: list[str] = []
    try:
        _, trees = parse_import(decode(raw), notes)
    except FormatError as exc:
        print(f"aha import: {name}: not an aha or ChatGPT export ({exc})", file=sys.stderr)
        return 2
    store = Store.open(paths.database_path())
    try:
        result = store.import_trees(trees)
    except ValueError as exc:
        print(f"aha import: {name}: not an aha or ChatGPT export ({exc})", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        print(f"aha import: {name}: database error, nothing imported ({exc})", file=sys.stderr)
        return 1
    finally:
        store.close()
    summary = (
        f"imported {_plural(len(result.sessions), 'session')},"
        f" {_plural(result.messages, 'message')}"
    )
    if result.copied:
        summary += (
            f" ({_plural(result.copied, 'session')} already present: stored as copies with new ids)"
        )
    # What was filled in or repaired, one line each under the summary: the user should know
    # which session got a made-up title or where a loop in a ChatGPT file was cut.
    print("\n".join([summary, *(f"  {note}" for note in notes)]))
    return 0
