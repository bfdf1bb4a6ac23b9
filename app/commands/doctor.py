"""`aha doctor`: what aha sees: paths, routes and whether they answer, keyring, versions."""

from __future__ import annotations

import asyncio
import platform
import sqlite3
from importlib import metadata

from app import __version__, paths
from app.backend.keys import keyring_backend_name
from app.backend.registry import Engines
from app.config import Settings

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


async def _route_lines(settings: Settings) -> list[str]:
    engines = Engines(settings)
    checks = await asyncio.gather(*(engines.get(n).check() for n in engines.names))
    lines = []
    for name, available in zip(engines.names, checks, strict=True):
        config = engines.config(name)
        state = "ok" if available.ok else "unavailable"
        lines.append(
            f"  {name:<6} {config.engine:<9} {config.model:<24} {state}: {available.detail}"
        )
    return lines


def run_doctor(settings: Settings) -> int:
    config = paths.config_path()
    print(f"aha {__version__}")
    print("paths")
    print(f"  config    {config} ({'found' if config.exists() else 'not present: defaults'})")
    print(f"  database  {paths.database_path()}")
    print(f"  log       {paths.log_path()}")
    print(f"router\n  threshold {settings.router.threshold}")
    print("routes")
    for line in asyncio.run(_route_lines(settings)):
        print(line)
    print(f"keyring\n  {keyring_backend_name()}")
    print("versions")
    print(f"  {'python':<18} {platform.python_version()}")
    print(f"  {'sqlite':<18} {sqlite3.sqlite_version}")
    for package in PACKAGES:
        print(f"  {package:<18} {_version(package)}")
    return 0
