"""A brainstorm in the TUI, from the problem statement to the exported plan, with scripted
answers (UI logic: the real model's path is tests/integration/test_brainstorm_model.py)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from app.brainstorm.stages import Stage
from app.config import load_settings
from app.ui.app import AhaApp
from app.ui.brainstorm import BrainstormScreen
from app.ui.dialogs import InputDialog
from storage.brainstorm_models import IdeaStatus
from tests.helpers.scripted_engine import Script, ScriptedEngines
from tests.pilot.helpers import main_screen, wait_for
from widgets.idea_board import IdeaBoard
from widgets.message_view import AssistantMessage, UserMessage
from widgets.prompt_input import PromptInput

SIZE = (120, 40)
PROBLEM = "Find mislabelled images in a 10k-image dataset"


def scripted_app() -> AhaApp:
    """The app as `aha` starts it; `_start` swaps its engines for the script's once mounted."""
    return AhaApp(load_settings())


async def _start(pilot, app: AhaApp, script: Script) -> BrainstormScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: isinstance(app.focused, PromptInput), timeout=10)
    app.chat.engines = ScriptedEngines(app.settings, script)
    await pilot.press("ctrl+b")  # no brainstorm yet: straight to the problem dialog
    await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), timeout=10)
    await pilot.press(*PROBLEM)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, BrainstormScreen), timeout=10)
    screen = app.screen
    assert isinstance(screen, BrainstormScreen)
    await wait_for(pilot, lambda: isinstance(app.focused, IdeaBoard), timeout=10)
    return screen


async def _run_next(pilot, screen: BrainstormScreen, stage: Stage) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("n")
    await wait_for(
        pilot,
        lambda: not screen.streaming and stage in screen.service.completed(screen.session_id),
        timeout=30,
    )


async def test_problem_to_exported_plan_through_every_stage(home: Path) -> None:
    script = Script()
    app = scripted_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _start(pilot, app, script)
        store = app.store
        session_id = screen.session_id
        assert store.get_brainstorm(session_id).problem == PROBLEM  # type: ignore[union-attr]
        assert PROBLEM in str(screen.query_one("#bs-problem").render())

        await _run_next(pilot, screen, Stage.FRAME)
        assert screen.shown_stage is Stage.FRAME
        views = list(screen.conversation.query(AssistantMessage))
        assert len(views) == 1 and "Success metric" in views[0].body.source

        await _run_next(pilot, screen, Stage.DIVERGE)
        assert len(list(screen.conversation.query(AssistantMessage))) == 3  # three samples
        assert len(list(screen.conversation.query(UserMessage))) == 1
        board = screen.query_one(IdeaBoard)
        assert len(board.ideas) == 6 and board.row_count == 6

        await _run_next(pilot, screen, Stage.CLUSTER)
        assert any("Data" in i.tags for i in board.ideas)

        # The board: rate, keep, reorder, drop, merge into the marked idea, tags.
        board.focus()
        board.move_cursor(row=0)
        await pilot.press("plus", "plus", "right_square_bracket", "k")
        first = store.list_ideas(session_id)[0]
        assert (first.impact, first.effort, first.status) == (5, 4, IdeaStatus.KEPT)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert store.get_idea(first.id).effort == 2  # type: ignore[union-attr]
        await pilot.press("J")  # the kept idea moves down one place
        assert [i.id for i in store.list_ideas(session_id)][1] == first.id
        assert board.cursor_row == 1
        await pilot.press("K")
        assert store.list_ideas(session_id)[0].id == first.id
        board.move_cursor(row=5)
        await pilot.press("x")
        assert store.list_ideas(session_id)[5].status is IdeaStatus.DROPPED
        board.move_cursor(row=1)
        await pilot.press("space")  # mark idea 2 as the merge target
        board.move_cursor(row=2)
        await pilot.press("m")
        ideas = store.list_ideas(session_id)
        assert ideas[2].status is IdeaStatus.MERGED and ideas[2].merged_into == ideas[1].id
        board.move_cursor(row=0)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), timeout=10)
        app.screen.query_one(Input).value = "baseline, cheap"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BrainstormScreen), timeout=10)
        assert store.get_idea(first.id).tags == ("baseline", "cheap")  # type: ignore[union-attr]

        await _run_next(pilot, screen, Stage.CRITIQUE)
        await _run_next(pilot, screen, Stage.PLAN)
        assert [c.route for c in script.calls[-2:]] == ["deep", "deep"]
        assert first.text in script.calls[-2].messages[-1]["content"]  # the kept idea

        # Export: the plan goes to a draft and to the file typed in the dialog.
        target = home / "plans" / "plan.md"
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), timeout=10)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists, timeout=10)
        plan = target.read_text(encoding="utf-8")
        assert f"| 1 | {first.text} | 5 | 2 | baseline, cheap |" in plan
        assert "Synthetic-noise benchmark" in plan and "Assumes calibrated" in plan
        drafts = store.list_drafts()
        assert len(drafts) == 1 and drafts[0].body == plan

        # Stage views: 1 shows the frame stage again, from the store.
        await pilot.press("1")
        assert "Success metric" in screen.conversation.query(AssistantMessage).first().body.source


async def test_branch_on_an_idea_opens_the_main_screen(home: Path) -> None:
    script = Script()
    app = scripted_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _start(pilot, app, script)
        session_id = screen.session_id
        await _run_next(pilot, screen, Stage.FRAME)
        await _run_next(pilot, screen, Stage.DIVERGE)
        idea = app.store.list_ideas(session_id)[0]
        await pilot.press("b")
        main = main_screen(app)
        await wait_for(pilot, lambda: not main.streaming and main.session_id == session_id)
        await wait_for(
            pilot,
            lambda: any("Developed" in v.body.source for v in main.query(AssistantMessage)),
            timeout=30,
        )
        prompt = [v for v in main.query(UserMessage)][-1]
        assert idea.text in prompt.text
        stored = app.store.get_message(prompt.message_id or "")
        diverge = app.store.list_steps(session_id)[1]
        sibling_of = app.store.get_message(diverge.prompt_id)
        assert stored is not None and sibling_of is not None
        assert stored.parent_id == sibling_of.parent_id  # a sibling branch of the stage prompt
        # The main screen shows that branch: the frame stage, then the new prompt and answer.
        shown = [v.message_id for v in main.conversation.views]
        assert shown == [m.id for m in app.store.thread(stored.id)] + [
            app.store.children(stored.id)[0].id
        ]
        # ctrl+b on the brainstorm's session goes straight back to its board.
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BrainstormScreen), timeout=10)


async def test_picker_palette_and_rerun_keep_every_run(home: Path) -> None:
    """With a brainstorm stored, ctrl+b on an ordinary session offers the list; the palette's
    "Brainstorm" does the same; r re-runs a stage as a new prompt, the old run stays."""
    from app.ui.brainstorm.picker import BrainstormPicker  # noqa: PLC0415

    script = Script()
    app = scripted_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.focused, PromptInput), timeout=10)
        app.chat.engines = ScriptedEngines(app.settings, script)
        stored = app.store.create_brainstorm("An earlier problem")
        await pilot.press("ctrl+p")
        await pilot.press(*"Brainstorm")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BrainstormPicker), timeout=10)
        await pilot.press("escape")
        await wait_for(pilot, lambda: main_screen(app) is app.screen, timeout=10)

        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: isinstance(app.screen, BrainstormPicker), timeout=10)
        await pilot.press("down", "enter")  # the first earlier brainstorm, below "New"
        await wait_for(pilot, lambda: isinstance(app.screen, BrainstormScreen), timeout=10)
        screen = app.screen
        assert isinstance(screen, BrainstormScreen) and screen.session_id == stored.session_id

        await _run_next(pilot, screen, Stage.FRAME)
        first = app.store.list_steps(stored.session_id)[0]
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: not screen.streaming and len(app.store.list_steps(stored.session_id)) == 2,
            timeout=30,
        )
        steps = app.store.list_steps(stored.session_id)
        assert [s.stage for s in steps] == ["frame", "frame"]
        assert app.store.children(first.prompt_id), "the first run keeps its answer"
        await wait_for(pilot, lambda: not screen.streaming, timeout=30)
        await pilot.press("escape")  # back to the chat
        await wait_for(pilot, lambda: main_screen(app) is app.screen, timeout=10)
