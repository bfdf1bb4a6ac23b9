"""`[keymap]`: binding ids to the user's keys. A remapped key works in the TUI and the old one
no longer does; an unknown id or a key Textual would never send is one line naming the file
and the line, before the TUI starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from app.ui.attach_picker import AttachPicker
from app.ui.keymap import binding_ids, key_problem
from tests.pilot.helpers import main_screen, wait_for
from widgets.prompt_input import PromptInput

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def test_every_binding_has_an_id_and_keys_are_checked() -> None:
    ids = binding_ids()
    assert {"prompt.attach", "session.new", "drafts.critique", "message.edit"} <= set(ids)
    assert ids["prompt.attach"] == "ctrl+t"
    for good in ("ctrl+a", "f9", "shift+enter", "question_mark", "@", "ctrl+shift+x"):
        assert key_problem(good) is None, good
    assert "no key named 'entr'" in (key_problem("entr") or "")
    assert "not a modifier" in (key_problem("cmd+a") or "")


async def test_a_remapped_key_opens_the_picker(home: Path) -> None:
    (home / "config.toml").write_text('[keymap]\n"prompt.attach" = "f9"\n')
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        box = main_screen(app).query_one(PromptInput)
        await wait_for(pilot, lambda: app.focused is box, timeout=10)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not isinstance(app.screen, AttachPicker)  # the old key is free again
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker), timeout=10)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('"prompt.atach" = "f9"', "keymap.prompt.atach: no binding has the id 'prompt.atach'"),
        ('"prompt.attach" = "ctrl+entr"', "Textual has no key named 'entr'"),
    ],
)
def test_a_bad_keymap_is_one_line_naming_the_line(home: Path, table: str, expected: str) -> None:
    config = home / "config.toml"
    config.write_text(f'[ui]\ntheme = "aha-dark"\n\n[keymap]\n{table}\n')
    env = {**os.environ, "AHA_HOME": str(home), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "app"], env=env, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(f"aha: config error: {config}, line 5: ")
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1


async def test_the_keys_list_shows_each_binding_with_its_id(home: Path) -> None:
    from textual.widgets import DataTable

    from app.ui.keys_screen import KeysScreen

    (home / "config.toml").write_text('[keymap]\n"prompt.attach" = "f9"\n')
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, PromptInput), timeout=10)
        app.action_show_keymap()
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen), timeout=5)
        await wait_for(
            pilot, lambda: any(t.row_count for t in app.screen.query(DataTable)), timeout=5
        )
        table = app.screen.query_one(DataTable)
        rows = {table.get_row_at(i)[2]: table.get_row_at(i)[0] for i in range(table.row_count)}
        assert rows["prompt.attach"] == "f9" and rows["session.new"] == "ctrl+n"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, KeysScreen), timeout=5)
