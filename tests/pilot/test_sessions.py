"""Session management in the TUI: filter as you type, rename, archive, delete (with a
confirmation), export. Seeded data only: no model runs here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from app.ui.dialogs import ConfirmDialog, InputDialog
from storage import MessageStatus, RouteRecord, Store
from tests.pilot.helpers import main_screen, wait_for
from widgets.session_list import SessionList

SIZE = (120, 40)


def seed(home: Path, titles: list[str]) -> list[str]:
    store = Store.open(home / "aha.db")
    ids = []
    for title in titles:
        session = store.create_session()
        user = store.add_user_message(session.id, None, title)
        answer = store.start_assistant(session.id, user.id, RouteRecord("fast", "smol"))
        store.finish_assistant(answer.id, MessageStatus.COMPLETE, f"An answer about {title}.")
        ids.append(session.id)
    store.close()
    return ids


def listed(app: AhaApp) -> list[str]:
    sessions = main_screen(app).query_one(SessionList)
    return [str(sessions.get_option_at_index(i).prompt) for i in range(sessions.option_count)]


@pytest.fixture
def app(home: Path) -> AhaApp:
    seed(home, ["Lighthouse lamps", "Bread baking", "Transformer ablations"])
    return AhaApp(load_settings())


async def test_filter_as_you_type(app: AhaApp) -> None:
    """Typing in the sidebar's filter narrows the list to matching titles, newest first."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert listed(app) == ["Transformer ablations", "Bread baking", "Lighthouse lamps"]
        main_screen(app).query_one("#session-filter").focus()
        await pilot.press(*"BREAD")
        await wait_for(pilot, lambda: listed(app) == ["Bread baking"], timeout=5)


async def test_enter_in_the_filter_opens_the_first_match(app: AhaApp) -> None:
    """Before, Enter after typing a filter opened nothing (only Down, then Enter, did)."""
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await pilot.pause()
        screen.query_one("#session-filter").focus()
        await pilot.press(*"bread")
        await wait_for(pilot, lambda: listed(app) == ["Bread baking"], timeout=5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.sub_title == "Bread baking", timeout=5)


async def test_ctrl_o_reaches_the_session_list_from_the_prompt(app: AhaApp) -> None:
    """The list is one key away (Ctrl+O, shown in the footer), not behind every message."""
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        sessions = screen.query_one(SessionList)
        await wait_for(pilot, lambda: app.focused is screen.prompt_box, timeout=5)
        await pilot.press("ctrl+o")
        assert app.focused is sessions and sessions.highlighted is not None
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: screen.sub_title == "Bread baking", timeout=5)
        await pilot.press("ctrl+o", "ctrl+o")  # again from the prompt box, then hide
        assert sessions.parent is not None and not sessions.parent.display
        assert app.focused is screen.prompt_box


async def test_rename_archive_and_delete(app: AhaApp, home: Path) -> None:
    """r renames through a dialog, a archives (A shows archived), d deletes after a yes."""
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        sessions = screen.query_one(SessionList)
        sessions.focus()
        sessions.highlighted = 1  # "Bread baking"
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), timeout=5)
        app.screen.query_one("#dialog-input").value = "Sourdough notes"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Sourdough notes" in listed(app), timeout=5)

        sessions.highlighted = listed(app).index("Sourdough notes")
        await pilot.press("a")
        await wait_for(pilot, lambda: "Sourdough notes" not in listed(app), timeout=5)
        await pilot.press("A")
        await wait_for(pilot, lambda: "⌂ Sourdough notes" in listed(app), timeout=5)

        sessions.highlighted = listed(app).index("Lighthouse lamps")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=5)
        await pilot.press("escape")  # the safe answer: nothing is deleted
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog), timeout=5)
        assert "Lighthouse lamps" in listed(app)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=5)
        await pilot.press("y")
        await wait_for(pilot, lambda: "Lighthouse lamps" not in listed(app), timeout=5)

    store = Store.open(home / "aha.db")
    titles = {s.title: s for s in store.list_sessions(include_archived=True)}
    assert set(titles) == {"Transformer ablations", "Sourdough notes"}
    assert titles["Sourdough notes"].archived
    assert store.search("lighthouse") == []  # its messages went with it


async def test_export_from_the_tui(app: AhaApp, tmp_path: Path) -> None:
    """ctrl+s asks for a file name and writes the open session (.json: the whole tree)."""
    target = tmp_path / "out" / "session.json"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), timeout=5)
        app.screen.query_one("#dialog-input").value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists, timeout=5)
    document = json.loads(target.read_text())
    assert document["session"]["title"] == "Transformer ablations"
    assert [m["role"] for m in document["messages"]] == ["user", "assistant"]
