"""`aha doctor`: what aha sees: paths, routes and whether they answer (with where each key
comes from, and what discovery found on 127.0.0.1), keyring, versions."""

from __future__ import annotations

import argparse
import asyncio
import platform
import sqlite3
from importlib import metadata
from pathlib import Path
from urllib.parse import quote

from app import __version__, paths
from app.backend.keys import keyring_usable
from app.commands.models import collect, discovery_lines, route_lines
from app.config import Settings
from app.router import Router
from app.sanitize import one_line, strip_control
from storage.db import applied_migrations, check_health, integrity_problems
from storage.errors import DatabaseCorrupt, recover_hint
from storage.schema import MIGRATION_NAMES

PACKAGES = [
    "textual",
    "litellm",
    "llama_cpp_python",
    "sqlite-utils",
    "pydantic-settings",
    "keyring",
]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def database_lines(path: Path, full: bool) -> tuple[list[str], bool]:
    """The database's state for `aha doctor`, read without writing a byte (a damaged file is
    kept exactly as it is, for `sqlite3 .recover`); and whether it is healthy."""
    if not path.exists():
        return ["  not created yet (the first prompt creates it)"], True
    size = path.stat().st_size
    shown = f"{size / 1e6:,.1f} MB" if size >= 1e6 else f"{size / 1e3:,.0f} kB"
    lines = [f"  size      {shown}"]
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error as exc:
        return [*lines, f"  cannot open: {exc}"], False
    try:
        applied = applied_migrations(conn)
        known = len(MIGRATION_NAMES)
        newer = [name for name in applied if name not in MIGRATION_NAMES]
        state = "newer than this aha knows" if newer else "current"
        if not newer and len(applied) < known:
            state = "older: the next write upgrades it"
        lines.append(f"  schema    version {len(applied)} of {known} ({state})")
        if full:
            problems = integrity_problems(conn)
            what = "integrity_check"
        else:
            check_health(conn, path)
            problems, what = [], "quick check"
    except DatabaseCorrupt as exc:
        return [*lines, f"  damaged   {exc}"], False
    except sqlite3.Error as exc:
        return [*lines, f"  damaged   {exc}; {recover_hint(path)}"], False
    finally:
        conn.close()
    if problems:
        shown = [f"    {one_line(p, 200)}" for p in problems[:5]]
        return [*lines, f"  damaged   {what} found {len(problems)} problem(s):", *shown,
                f"  way out   {recover_hint(path)}"], False  # fmt: skip
    hint = "" if full else " (aha doctor --check runs the full integrity_check)"
    return [*lines, f"  health    ok: {what}{hint}"], True


def _markdown_engine(settings: Settings) -> str:
    """Which Markdown engine answers are drawn by, and why the stock one when it is."""
    from widgets.textual_compat import fast_markdown_supported  # Textual: only for doctor

    if not settings.ui.fast_markdown:
        return "stock Markdown stream ([ui] fast_markdown = false)"
    reason = fast_markdown_supported()
    return "fast streaming Markdown" if reason is None else f"stock Markdown stream: {reason}"


def run_doctor(args: argparse.Namespace, settings: Settings) -> int:
    config = paths.config_path()
    print(f"aha {__version__}")
    print("paths")
    print(f"  config    {config} ({'found' if config.exists() else 'not present: defaults'})")
    print(f"  database  {paths.database_path()}")
    print("database")
    db_lines, healthy = database_lines(paths.database_path(), getattr(args, "check", False))
    for line in db_lines:
        print(line)
    router = Router(
        threshold=settings.router.explicit_threshold, deep_share=settings.router.deep_share
    )
    origin = (
        "set in config" if settings.router.explicit_threshold is not None else "from deep_share"
    )
    print("router")
    print(f"  deep_share {settings.router.deep_share}")
    print(f"  threshold  {router.threshold:.3f} ({origin}; weights: {router.model.source})")
    report = asyncio.run(collect(settings))
    print("routes")
    for line in route_lines(report):
        print(strip_control(line))
    print("discovered on 127.0.0.1")
    for line in discovery_lines(report):
        print(strip_control(line))
    usable, backend = keyring_usable()
    note = "" if usable else " (not usable here: keys come from environment variables)"
    print(f"keyring\n  {backend}{note}")
    print(f"answer view\n  {_markdown_engine(settings)}")
    print("versions")
    print(f"  {'python':<18} {platform.python_version()}")
    print(f"  {'sqlite':<18} {sqlite3.sqlite_version}")
    for package in PACKAGES:
        print(f"  {package:<18} {_version(package)}")
    return 0 if healthy else 1
