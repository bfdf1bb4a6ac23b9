"""Versions (diff, restore), export, $EDITOR, answers into drafts and draft search hits."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from app.ui.chat import MainScreen
from app.ui.dialogs import InputDialog
from app.ui.drafts import DraftsScreen
from app.ui.drafts.files import VersionsScreen
from app.ui.drafts.to_draft import NEW_DRAFT, PickDraftDialog
from app.ui.search import SearchScreen
from storage import MessageStatus, Store
from storage.repository import RouteRecord
from tests.pilot.drafts_helpers import drafts_screen, type_text
from tests.pilot.helpers import wait_for
from widgets.draft_versions import DiffView, VersionList
from widgets.message_view import AssistantMessage

FIRST = "# Notes\n\nThe first take.\n"
SECOND = "# Notes\n\nThe second take, longer.\n"


def seed_draft(home: Path, *bodies: str) -> str:
    store = Store.open(home / "aha.db")
    try:
        draft = store.create_draft(body=bodies[0])
        for body in bodies[1:]:
            store.save_draft(draft.id, body)
        return draft.id
    finally:
        store.close()


async def test_versions_diff_and_restore_as_a_new_version(home: Path) -> None:
    draft_id = seed_draft(home, FIRST, SECOND)
    app = AhaApp(load_settings(), initial_draft=draft_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=10)
        screen = drafts_screen(app)
        await wait_for(pilot, lambda: app.focused is screen.editor, timeout=5)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen), timeout=5)
        versions = app.screen.query_one(VersionList)
        assert versions.option_count == 2
        assert "current" in str(versions.get_option_at_index(0).prompt)
        await pilot.press("down")  # the older version: its diff against the current text
        diff = str(app.screen.query_one(DiffView).query_one("#diff").render())
        assert "-The first take." in diff and "+The second take, longer." in diff
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=5)
        await wait_for(pilot, lambda: screen.editor.text == FIRST, timeout=5)
        stored = app.store.list_versions(draft_id)
        assert [v.body for v in stored] == [FIRST, SECOND, FIRST]  # newest first: history grows
        assert stored[0].note.startswith("restored from")
        assert app.store.get_draft(draft_id).body == FIRST  # type: ignore[union-attr]


async def test_export_writes_front_matter_to_the_chosen_path(home: Path, tmp_path: Path) -> None:
    draft_id = seed_draft(home, SECOND)
    target = tmp_path / "out" / "notes.md"
    app = AhaApp(load_settings(), initial_draft=draft_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=10)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), timeout=5)
        field = app.screen.query_one("#dialog-input")
        # One export folder for everything: AHA_HOME/exports here (the documents folder else).
        assert field.value == str(home / "exports" / "notes.md")  # type: ignore[attr-defined]
        field.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, target.exists, timeout=5)
    written = target.read_text()
    assert written.startswith("---\n") and 'title: "Notes"' in written
    assert written.rstrip().endswith("The second take, longer.")


def write_editor(path: Path, script: str) -> Path:
    path.write_text(f"#!{sys.executable}\nimport sys\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


async def test_external_editor_result_is_a_new_version(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = write_editor(
        tmp_path / "fake-editor",
        "p = sys.argv[1]\ntext = open(p).read()\nopen(p, 'w').write(text + '\\nAdded in my editor.\\n')",
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    draft_id = seed_draft(home, FIRST)
    app = AhaApp(load_settings(), initial_draft=draft_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=10)
        screen = drafts_screen(app)
        await pilot.press("f2")
        await wait_for(pilot, lambda: "Added in my editor." in screen.editor.text, timeout=10)
        latest = app.store.list_versions(draft_id)[0]
        assert latest.note == "from $EDITOR"
        assert latest.body == FIRST + "\nAdded in my editor.\n"


async def test_external_editor_failure_and_unset_lose_nothing(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = write_editor(
        tmp_path / "bad-editor", "open(sys.argv[1], 'w').write('junk')\nsys.exit(3)"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    draft_id = seed_draft(home, FIRST)
    app = AhaApp(load_settings(), initial_draft=draft_id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=10)
        screen = drafts_screen(app)
        await pilot.press("f2")
        await wait_for(pilot, lambda: any("$EDITOR" in n.message for n in app._notifications))
        monkeypatch.setenv("EDITOR", str(failing))
        await pilot.press("f2")
        await wait_for(pilot, lambda: any("status 3" in n.message for n in app._notifications))
        assert screen.editor.text == FIRST
        assert [v.body for v in app.store.list_versions(draft_id)] == [FIRST]


def seed_answer(home: Path, answer: str) -> None:
    store = Store.open(home / "aha.db")
    try:
        session = store.create_session()
        user = store.add_user_message(session.id, None, "Outline a post on caching")
        row = store.start_assistant(session.id, user.id, RouteRecord(route="fast", model="m"))
        store.finish_assistant(row.id, MessageStatus.COMPLETE, answer)
    finally:
        store.close()


async def test_answer_goes_to_a_new_then_an_existing_draft(home: Path) -> None:
    seed_answer(home, "## Caching\n\nKeep a copy close to where it is read.")
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), timeout=10)
        await wait_for(pilot, lambda: bool(app.screen.query(AssistantMessage)), timeout=10)
        answer = app.screen.query_one(AssistantMessage)
        answer.focus()
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, PickDraftDialog), timeout=5)
        await pilot.press("enter")  # "+ New draft" is first
        await wait_for(pilot, lambda: len(app.store.list_drafts()) == 1, timeout=5)
        draft = app.store.list_drafts()[0]
        assert draft.body.strip() == "## Caching\n\nKeep a copy close to where it is read."
        # Again, into the existing draft (second entry): appended, as a new version.
        answer.focus()
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, PickDraftDialog), timeout=5)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: len(app.store.list_versions(draft.id)) == 2, timeout=5)
        body = app.store.get_draft(draft.id).body  # type: ignore[union-attr]
        assert body.count("Keep a copy close") == 2
        assert app.store.list_versions(draft.id)[0].note == "from conversation"
        assert len(app.store.list_drafts()) == 1
        # ctrl+d opens the drafts screen on that draft.
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=5)
        assert drafts_screen(app).draft_id == draft.id


async def test_selected_part_of_an_answer_goes_to_the_draft(home: Path) -> None:
    from app.ui.drafts.to_draft import append_to_draft, selected_text_in

    seed_answer(home, "First paragraph here.\n\nSecond paragraph.")
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(AssistantMessage)), timeout=10)
        answer = app.screen.query_one(AssistantMessage)
        assert selected_text_in(answer) == ""
        # Select the first paragraph's text with the mouse, as a user would.
        paragraph = answer.body.children[0]
        region = paragraph.content_region
        await pilot.mouse_down(paragraph, offset=(0, 0))
        await pilot.hover(paragraph, offset=(region.width - 1, 0))
        await pilot.mouse_up(paragraph, offset=(region.width - 1, 0))
        await pilot.pause()
        selected = selected_text_in(answer)
        assert selected and "First paragraph" in selected and "Second" not in selected
        answer.focus()
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, PickDraftDialog), timeout=5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.store.list_drafts()) == 1, timeout=5)
        assert app.store.list_drafts()[0].body.strip() == selected.strip()
        assert append_to_draft  # the function the dialog calls (tested directly below)


def test_append_to_draft_keeps_the_text_before(aha_home: Path) -> None:
    from app.ui.drafts.to_draft import append_to_draft

    store = Store.open(aha_home / "aha.db")
    try:
        draft_id, _ = append_to_draft(store, NEW_DRAFT, "one", "From a chat")
        assert store.get_draft(draft_id).title == "From a chat"  # type: ignore[union-attr]
        append_to_draft(store, draft_id, "two")
        assert store.get_draft(draft_id).body == "one\n\ntwo\n"  # type: ignore[union-attr]
    finally:
        store.close()


async def test_search_opens_a_draft_hit_on_the_drafts_screen(home: Path) -> None:
    draft_id = seed_draft(home, "# Lighthouses\n\nA keeper climbs the zymurgy stairs.\n")
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), timeout=10)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), timeout=5)
        await type_text(pilot, "zymurgy")
        await wait_for(pilot, lambda: bool(app.screen.hits), timeout=5)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=5)
        screen = drafts_screen(app)
        assert screen.draft_id == draft_id
        await wait_for(pilot, lambda: "zymurgy" in screen.editor.text, timeout=5)
