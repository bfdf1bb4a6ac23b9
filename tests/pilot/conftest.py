from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty aha home; the deep route points at a closed port; tiny, greedy fast answers."""
    monkeypatch.setenv("AHA_HOME", str(tmp_path))
    monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("AHA_ROUTES__FAST__MAX_TOKENS", "8")
    monkeypatch.setenv("AHA_ROUTES__FAST__TEMPERATURE", "0")
    monkeypatch.setenv("AHA_UI__PRELOAD_MODEL", "false")
    return tmp_path
