"""`aha doctor`: what aha sees: paths, routes and whether they answer (with where each key
comes from, and what discovery found on 127.0.0.1), keyring, versions."""

from __future__ import annotations

import argparse
import asyncio
import platform
import sqlite3
from importlib import metadata

from app import __version__, paths
from app.backend.keys import keyring_usable
from app.commands.models import collect, discovery_lines, route_lines
from app.config import Settings
from app.router import Router
from app.sanitize import strip_control

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


def run_doctor(args: argparse.Namespace, settings: Settings) -> int:
    config = paths.config_path()
    print(f"aha {__version__}")
    print("paths")
    print(f"  config    {config} ({'found' if config.exists() else 'not present: defaults'})")
    print(f"  database  {paths.database_path()}")
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
    print("versions")
    print(f"  {'python':<18} {platform.python_version()}")
    print(f"  {'sqlite':<18} {sqlite3.sqlite_version}")
    for package in PACKAGES:
        print(f"  {package:<18} {_version(package)}")
    return 0
