"""Snapshots of the main screen showing a stored conversation, in aha's dark and light themes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.attachments import Attachment
from app.config import load_settings
from app.ui.app import AhaApp
from storage import MessageStatus, Store
from storage.repository import RouteRecord

PROMPT = "What is a monad, briefly?"
ANSWER = """\
## Monads in short

A monad wraps a value with a context and chains steps:

- `unit` puts a plain value in the context
- `bind` feeds the wrapped value to the next step

```python
def bind(value, step):
    return None if value is None else step(value)
```
"""


@pytest.fixture
def seeded_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An aha home whose database holds one finished, fixed conversation; no model loads."""
    monkeypatch.setenv("AHA_HOME", str(tmp_path))
    monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("AHA_UI__PRELOAD_MODEL", "false")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    store = Store.open(tmp_path / "aha.db")
    try:
        session = store.create_session()
        notes = Attachment("notes/monads.md", "markdown", "# Monads\nunit, bind, laws\n")
        user = store.add_user_message(session.id, None, PROMPT, [notes])
        route = RouteRecord(
            route="fast",
            model="SmolLM2-135M-Instruct",
            score=0.12,
            threshold=0.5,
            reasons=("short factual question",),
        )
        assistant = store.start_assistant(session.id, user.id, route)
        store.finish_assistant(
            assistant.id,
            MessageStatus.COMPLETE,
            ANSWER,
            completion_tokens=42,
            duration_ms=1234,
        )
    finally:
        store.close()
    return tmp_path


@pytest.mark.parametrize("theme", ["aha-dark", "aha-light"])
def test_main_screen_with_answer(
    seeded_home: Path, theme: str, snap_compare: Callable[..., bool]
) -> None:
    """The sidebar, prompt with its attachment chip, route badge, Markdown answer, status
    line, context meter and footer look right."""
    app = AhaApp(load_settings(), theme=theme)
    assert snap_compare(app, terminal_size=(120, 40))
