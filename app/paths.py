"""Where aha keeps its files. `AHA_HOME` moves everything (tests point it at a temp dir)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "aha"


def _home_override() -> Path | None:
    home = os.environ.get("AHA_HOME")
    return Path(home).expanduser() if home else None


def data_dir() -> Path:
    """Directory of the database and logs."""
    home = _home_override()
    if home is not None:
        return home
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    home = _home_override()
    if home is not None:
        return home
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def config_path() -> Path:
    """The TOML config file; `AHA_CONFIG` names another one."""
    explicit = os.environ.get("AHA_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return config_dir() / "config.toml"


def database_path() -> Path:
    return data_dir() / "aha.db"


def exports_dir() -> Path:
    """Where the TUI suggests writing exports (sessions, drafts, brainstorm plans): one folder
    for all of them, `AHA_HOME/exports` when AHA_HOME is set, else `aha` in the platform's
    documents folder (Linux: ~/Documents/aha). Created when something is written there."""
    home = _home_override()
    if home is not None:
        return home / "exports"
    from platformdirs import user_documents_path

    return user_documents_path() / APP_NAME
