"""Helpers for the drafts pilot tests: open the screen, type like a writer, wait on the DB."""

from __future__ import annotations

from textual.pilot import Pilot

from app.ui.app import AhaApp
from app.ui.drafts import DraftsScreen
from tests.pilot.helpers import wait_for


def drafts_screen(app: AhaApp) -> DraftsScreen:
    screen = app.screen
    assert isinstance(screen, DraftsScreen), f"on {type(screen).__name__}"
    return screen


async def open_drafts(pilot: Pilot[None], app: AhaApp) -> DraftsScreen:
    """ctrl+d from the main screen; wait until the editor has focus."""
    await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", timeout=10)
    await pilot.press("ctrl+d")
    await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=10)
    screen = drafts_screen(app)
    await wait_for(pilot, lambda: app.focused is screen.editor, timeout=10)
    return screen


async def type_text(pilot: Pilot[None], text: str) -> None:
    """Press the keys for `text` (newlines as Enter) into whatever has focus."""
    keys = ["enter" if ch == "\n" else ch for ch in text]
    await pilot.press(*keys)


async def wait_saved(pilot: Pilot[None], app: AhaApp, text: str, timeout: float = 20) -> str:
    """Wait until some draft's stored body is `text`; its id."""
    found: list[str] = []

    def stored() -> bool:
        found[:] = [d.id for d in app.store.list_drafts() if d.body == text]
        return bool(found)

    await wait_for(pilot, stored, timeout=timeout)
    return found[0]


async def wait_analysed(pilot: Pilot[None], screen: DraftsScreen, titles: list[str]) -> None:
    """Wait until the outline shows exactly these section titles."""
    await wait_for(pilot, lambda: [s.title for s in screen.sections] == titles, timeout=20)
