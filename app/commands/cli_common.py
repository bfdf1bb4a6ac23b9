"""Pieces every subcommand that names a stored record or prints a document shares."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def one_match(found: Sequence[T], ref: str, noun: str, error: type[Exception], hint: str = "") -> T:
    """The single record `ref` names (an id, a unique prefix or 'last'), else `error` saying
    whether nothing or several matched; `noun` is plural ("drafts"), `hint` the listing command."""
    if not found:
        suffix = f" ({hint})" if hint else ""
        raise error(f"no {noun.removesuffix('s')} matching {ref!r}{suffix}")
    if len(found) > 1:
        raise error(f"{ref!r} matches {len(found)} {noun}; give more of the id")
    return found[0]


def write_stdout(data: bytes) -> None:
    """Write bytes to stdout; a reader that leaves early (`aha ... | head`) ends it quietly."""
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at /dev/null so Python's exit-time flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
