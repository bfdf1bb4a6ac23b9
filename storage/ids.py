"""Identifiers and timestamps shared by the repositories."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

_last_micros = 0


def new_id() -> str:
    """A 24-hex-digit id that sorts by creation time and never collides across processes.

    Microseconds first (strictly increasing within a process, so a reply always sorts after
    its prompt), then 40 random bits that keep two processes writing at once apart.
    """
    global _last_micros
    micros = max(time.time_ns() // 1000, _last_micros + 1)
    _last_micros = micros
    return f"{micros:014x}{os.urandom(5).hex()}"


def now_iso() -> str:
    """UTC timestamp with milliseconds, ISO 8601, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
