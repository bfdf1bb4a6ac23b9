"""A prompt typed on a full disk (a real tmpfs filled to the last byte) is never lost: it stays
in the prompt box, the conversation shows no message that was not stored, and a notification
says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.config import load_settings
from app.ui.app import AhaApp
from tests.helpers.tools import fill_disk, require_mount, tmpfs
from tests.pilot.helpers import main_screen, wait_for
from widgets.message_view import UserMessage
from widgets.prompt_input import PromptInput

PROMPT = "notes on a full disk"


class NotedApp(AhaApp):
    """The app, keeping every notification it shows (text and severity)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.noted: list[tuple[str, str]] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.noted.append((str(message), str(kwargs.get("severity", "information"))))
        super().notify(message, *args, **kwargs)


async def test_a_prompt_typed_on_a_full_disk_stays_in_the_prompt_box(
    home: Path, tmp_path: Path
) -> None:
    require_mount()
    with tmpfs(tmp_path / "small", 1024) as mount:
        database = mount / "aha.db"
        app = NotedApp(load_settings(), database_path=database)
        async with app.run_test(size=(100, 30)) as pilot:
            box = main_screen(app).query_one(PromptInput)
            await wait_for(pilot, lambda: app.focused is box, timeout=10)
            fill_disk(mount)
            await pilot.press(*PROMPT)
            await pilot.press("enter")
            await wait_for(pilot, lambda: any("Not saved" in m for m, _ in app.noted), 30)
            await wait_for(pilot, lambda: box.text == PROMPT, 10)
            assert not main_screen(app).conversation.query(UserMessage)
            [(message, severity)] = [n for n in app.noted if "Not saved" in n[0]]
            assert "full" in message and severity == "error"
