"""A newcomer's rough edges, fixed: the session on screen comes back after a restart, R says
why the other route cannot answer (and adds nothing), Escape closes the keys panel, a new
brainstorm's empty column does not say "Ask anything"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import HelpPanel

from app.config import load_settings
from app.ui.app import AhaApp
from storage import MessageStatus, RouteRecord, Store
from tests.pilot.helpers import main_screen, wait_for
from widgets.message_view import AssistantMessage

SIZE = (120, 40)


class NotedApp(AhaApp):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.noted: list[str] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.noted.append(str(message))
        super().notify(message, *args, **kwargs)


def seed(home: Path, titles: list[str]) -> list[str]:
    store = Store.open(home / "aha.db")
    ids = []
    try:
        for title in titles:
            session = store.create_session()
            user = store.add_user_message(session.id, None, title)
            answer = store.start_assistant(session.id, user.id, RouteRecord("fast", "smol"))
            store.finish_assistant(answer.id, MessageStatus.COMPLETE, f"About {title}.")
            ids.append(session.id)
    finally:
        store.close()
    return ids


async def test_a_restart_reopens_the_session_on_screen_at_quit(home: Path) -> None:
    """Before, the most recently changed session came back, not the one being read."""
    older, _newer = seed(home, ["Older talk", "Newer talk"])
    first = AhaApp(load_settings())
    async with first.run_test(size=SIZE) as pilot:
        await main_screen(first).open_session(older)
        await pilot.press("ctrl+q")
    second = AhaApp(load_settings())
    async with second.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: main_screen(second).session_id == older, timeout=10)


async def test_other_route_says_why_not_and_adds_no_message(home: Path) -> None:
    """No deep route answers (the pilot home points it at a closed port): R is one line."""
    (session,) = seed(home, ["A question"])
    app = NotedApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(pilot, lambda: bool(screen.conversation.query(AssistantMessage)), 10)
        before = len(app.store.messages(session))
        screen.conversation.query(AssistantMessage).last().focus()
        await pilot.press("R")
        await wait_for(pilot, lambda: any("Cannot answer on the deep" in n for n in app.noted), 10)
        assert len(app.store.messages(session)) == before
        assert not screen.streaming


async def test_escape_closes_the_keys_panel(home: Path) -> None:
    seed(home, ["A question"])
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(pilot, lambda: app.focused is screen.prompt_box, timeout=10)
        app.action_show_help_panel()
        await wait_for(pilot, lambda: bool(screen.query(HelpPanel)), timeout=5)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.query(HelpPanel), timeout=5)
        assert app.focused is screen.prompt_box  # no message was selected behind it
