"""Load the fast route's in-process model in the background, ahead of the first answer.

Loading a GGUF is mostly C code that releases the GIL, so it overlaps well with what start-up
still has to do (imports, opening the database, routing). Used by the TUI after its first
frame. A failure here is silent: the answer's own load reports it properly.
"""

from __future__ import annotations

from app.config import Settings

FAST_ROUTE = "fast"


def preload_fast_model(settings: Settings) -> None:
    """Blocking: load the fast route's model if it runs in-process (no-op otherwise)."""
    config = settings.routes.get(FAST_ROUTE)
    if config is None or config.engine != "llama_cpp":
        return
    from app.backend.llama_cpp_engine import LlamaCppEngine

    try:
        LlamaCppEngine(config).warm_up()
    except Exception:  # noqa: BLE001 - the real load, when answering, reports the problem
        return
