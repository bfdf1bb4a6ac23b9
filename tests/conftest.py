"""Shared fixtures: every test runs against a fresh aha home, never the user's real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def aha_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point AHA_HOME at an empty temp dir and drop every other AHA_* setting (AHA_CONFIG too)."""
    for name in list(os.environ):
        if name.startswith("AHA_"):
            monkeypatch.delenv(name)
    home = tmp_path / "aha-home"
    home.mkdir()
    monkeypatch.setenv("AHA_HOME", str(home))
    # Importing litellm must never reach for the network, in this process or a child.
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    return home
