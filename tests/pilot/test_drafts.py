"""The drafts screen as a writer uses it: type, autosave, outline and findings, jump, list."""

from __future__ import annotations

from pathlib import Path

from app.config import load_settings
from app.ui.app import AhaApp
from app.ui.chat import MainScreen
from app.ui.dialogs import ConfirmDialog
from app.ui.drafts import DraftsScreen
from tests.pilot.drafts_helpers import (
    drafts_screen,
    open_drafts,
    type_text,
    wait_analysed,
    wait_saved,
)
from tests.pilot.helpers import answer_ids, wait_for, wait_for_new_answer
from widgets.draft_list import DraftList
from widgets.draft_outline import FindingsList, OutlineList
from widgets.prompt_input import PromptInput

POST = (
    "# Why caches lie\n\n"
    "Caches speed things up until they return stale data.\n\n"
    "## The problem\n\n"
    "A cache keeps a copy. The copy ages while the source changes.\n\n"
    "## The fix\n\n"
    "Expire entries, or invalidate them when the source changes.\n"
)


async def test_typing_autosaves_and_shows_outline(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        # Markdown highlighting: tree-sitter and its Markdown grammar are installed.
        assert screen.editor.is_syntax_aware and screen.editor.language == "markdown"
        await type_text(pilot, POST)
        # Stored by the autosave alone: no key asked for it.
        draft_id = await wait_saved(pilot, app, POST)
        draft = app.store.get_draft(draft_id)
        assert draft is not None and draft.title == "Why caches lie"
        assert [v.note for v in app.store.list_versions(draft_id)][-1:] != []
        await wait_for(pilot, lambda: "saved" in str(screen.query_one("#draft-status").render()))
        await wait_analysed(pilot, screen, ["Why caches lie", "The problem", "The fix"])
        outline = screen.query_one(OutlineList)
        labels = [str(outline.get_option_at_index(i).prompt) for i in range(outline.option_count)]
        assert "The problem" in labels[1] and labels[1].endswith("w")
        # The problem's words: "A cache keeps a copy. The copy ages while the source changes."
        assert labels[1].split()[-1] == f"{screen.sections[1].words}w"
        # The list shows the draft with its title and words.
        listed = screen.query_one(DraftList)
        assert listed.option_count == 1
        assert "Why caches lie" in str(listed.get_option_at_index(0).prompt)
        # One count everywhere (headings included): the outline, the status line, the list
        # (before, the outline summed the sections' bodies and said 9 words fewer).
        words = app.store.get_draft(draft_id).words  # type: ignore[union-attr]
        assert words == 37
        assert f"· {words} words" in str(outline.border_title)
        assert f"{words} words" in str(screen.query_one("#draft-status").render())
        assert f"{words} words" in str(listed.get_option_at_index(0).prompt)


async def test_choosing_an_outline_entry_moves_the_cursor(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        screen.editor.insert(POST)
        await wait_analysed(pilot, screen, ["Why caches lie", "The problem", "The fix"])
        outline = screen.query_one(OutlineList)
        outline.focus()
        outline.highlighted = 2
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is screen.editor, timeout=5)
        assert screen.editor.cursor_location == (screen.sections[2].line - 1, 0)
        assert screen.editor.document.get_line(screen.editor.cursor_location[0]) == "## The fix"


async def test_findings_show_and_jump_to_their_line(home: Path) -> None:
    """A post without a title heading and with an empty section has findings; choosing one
    puts the cursor on its line."""
    text = "Intro without a title.\n\n## Empty\n\n## Body\n\nSome words in the body.\n"
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        screen.editor.insert(text)
        await wait_for(pilot, lambda: bool(screen.findings), timeout=20)
        findings = screen.query_one(FindingsList)
        assert findings.option_count == len(screen.findings)
        first = str(findings.get_option_at_index(0).prompt)
        assert f"L{screen.findings[0].line}" in first and screen.findings[0].message in first
        target = max(range(len(screen.findings)), key=lambda i: screen.findings[i].line)
        findings.focus()
        findings.highlighted = target
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is screen.editor, timeout=5)
        assert screen.editor.cursor_location[0] == screen.findings[target].line - 1


async def test_leaving_the_screen_saves_at_once(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_drafts(pilot, app)
        await type_text(pilot, "# Left quickly\n\nTyped and gone")
        await pilot.press("ctrl+d")  # back to the conversation, well within 2 s
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), timeout=5)
        drafts = app.store.list_drafts()
        assert [d.body for d in drafts] == ["# Left quickly\n\nTyped and gone"]
        # ctrl+d comes back to the same draft.
        screen = await open_drafts(pilot, app)
        assert screen.draft_id == drafts[0].id
        assert screen.editor.text == drafts[0].body


async def test_quitting_saves(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_drafts(pilot, app)
        await type_text(pilot, "# Quit at once\n\nlast words")
        await pilot.press("ctrl+q")
    from storage import Store

    store = Store.open(home / "aha.db")
    try:
        assert [d.body for d in store.list_drafts()] == ["# Quit at once\n\nlast words"]
    finally:
        store.close()


async def test_new_switch_and_delete_drafts(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        await type_text(pilot, "# First")
        await pilot.press("ctrl+n")  # saves the first, then an empty editor
        await wait_for(pilot, lambda: screen.editor.text == "", timeout=5)
        await type_text(pilot, "# Second")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(app.store.list_drafts()) == 2, timeout=5)
        titles = [d.title for d in app.store.list_drafts()]
        assert titles == ["Second", "First"]
        # Pick "First" in the list: the editor shows it.
        listed = screen.query_one(DraftList)
        listed.focus()
        listed.highlighted = 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.editor.text == "# First", timeout=5)
        # d on the list asks first; n keeps the draft, then y deletes it.
        listed.focus()
        listed.highlighted = 0
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=5)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=5)
        assert len(app.store.list_drafts()) == 2
        listed.focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=5)
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.store.list_drafts()) == 1, timeout=5)
        assert [d.title for d in app.store.list_drafts()] == ["First"]
        assert listed.option_count == 1


async def test_initial_draft_opens_the_drafts_screen(home: Path) -> None:
    from storage import Store

    store = Store.open(home / "aha.db")
    try:
        draft = store.create_draft(body="# Opened from the CLI\n\nText.\n")
    finally:
        store.close()
    app = AhaApp(load_settings(), initial_draft=draft.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=10)
        screen = drafts_screen(app)
        await wait_for(pilot, lambda: screen.editor.text == draft.body, timeout=5)
        assert screen.draft_id == draft.id


async def test_discuss_opens_a_conversation_with_the_draft_as_context(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        screen.editor.insert(POST)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), timeout=5)
        box = app.screen.query_one(PromptInput)
        await wait_for(pilot, lambda: app.focused is box, timeout=5)
        assert "Why caches lie" in box.text and "Expire entries" in box.text
        assert box.cursor_location == box.document.end
        main = app.screen
        assert isinstance(main, MainScreen)
        assert main.session_id is None  # a new session, stored when the prompt is sent
        assert [d.body for d in app.store.list_drafts()] == [POST]
        before = answer_ids(app)
        await pilot.press(*"Is the title right?")
        await pilot.press("enter")
        await wait_for_new_answer(pilot, app, before)
        assert main.session_id is not None
        first = app.store.messages(main.session_id)[0]
        assert first.role == "user" and POST.strip() in first.content
        assert first.content.endswith("Is the title right?")


def found(app: AhaApp, kind: type, title: str) -> bool:
    """The palette has searched: its first (highlighted) command is `title`."""
    results = app.screen.query(kind)
    if not results or not results.first().option_count:
        return False
    first = results.first()
    return first.highlighted == 0 and str(first.get_option_at_index(0).prompt).startswith(title)


async def test_command_palette_opens_drafts_and_runs_draft_commands(home: Path) -> None:
    from textual.command import CommandList, CommandPalette

    from app.ui.drafts.files import VersionsScreen

    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), timeout=10)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), timeout=5)
        await type_text(pilot, "Drafts")
        await wait_for(pilot, lambda: found(app, CommandList, "Drafts"), timeout=10)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DraftsScreen), timeout=5)
        screen = drafts_screen(app)
        screen.editor.insert(POST)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), timeout=5)
        await type_text(pilot, "Draft versions")
        await wait_for(pilot, lambda: found(app, CommandList, "Draft versions"), timeout=10)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen), timeout=5)
        assert [v.body for v in app.store.list_versions(screen.draft_id or "")] == [POST]


async def test_ctrl_t_is_in_the_footer_and_says_why_it_cannot_apply(home: Path) -> None:
    """Before, Ctrl+T was hidden from the footer and did nothing visible without a proposed
    outline; now it is offered and explains itself."""
    notes: list[str] = []

    class NotedApp(AhaApp):
        def notify(self, message: str, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            notes.append(str(message))
            super().notify(message, *args, **kwargs)  # type: ignore[arg-type]

    app = NotedApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        await type_text(pilot, POST)
        await wait_saved(pilot, app, POST)
        assert "apply_outline" in {b.binding.action for b in screen.active_bindings.values()}
        assert screen.check_action("apply_outline", ()) is True
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: any("No critique yet" in n for n in notes), timeout=5)
