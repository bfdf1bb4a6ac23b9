"""The brainstorm screen: the problem pinned on top, the stage bar, the stage's conversation
(prompt and answers, streaming) on the left, the idea board on the right.

Keys: n runs the next stage, r re-runs the stage shown, 1-5 show a stage's latest run, e
exports the plan (a draft and a Markdown file), p edits the problem, Escape cancels a running
stage or goes back to the chat.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from app import paths
from app.brainstorm.stages import ORDER, SPECS, Stage
from app.ui.brainstorm.board import BoardController
from app.ui.brainstorm.stages import StageRunner
from app.ui.context import AhaContext
from app.ui.dialogs import InputDialog
from storage.brainstorm_repo import BrainstormError
from widgets.conversation import Conversation
from widgets.idea_board import IdeaBoard
from widgets.stage_bar import StageBar

# The stage answers' column before the first stage has run (not the chat's "Ask anything").
EMPTY_STAGES = "Each stage's answer appears here: n runs the next stage, 1-5 pick one."
EMPTY_BOARD = "n runs the next stage (1-5 show one). Ideas from Diverge land on this board."


def default_plan_path(session_id: str) -> Path:
    return paths.exports_dir() / f"aha-plan-{session_id[:8]}.md"


class BrainstormScreen(Screen[None]):
    CSS_PATH = Path(__file__).parent / "brainstorm.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel stage", id="brainstorm.cancel"),
        Binding("escape", "close", "Back", id="brainstorm.close"),
        Binding("n", "next_stage", "Next stage", id="brainstorm.next"),
        Binding("r", "rerun", "Re-run", id="brainstorm.rerun"),
        Binding("e", "export", "Export plan", id="brainstorm.export"),
        Binding("p", "edit_problem", "Problem", id="brainstorm.problem"),
        *(
            Binding(str(n), f"show_stage('{stage}')", SPECS[stage].title, show=False,
                    id=f"brainstorm.show_{stage}")
            for n, stage in enumerate(ORDER, 1)
        ),
    ]  # fmt: skip

    def __init__(self, ctx: AhaContext, session_id: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.store = ctx.store
        self.service = ctx.brainstorms
        self.stages = StageRunner(self)
        self.board = BoardController(self)
        self.session_id = session_id
        self.streaming = False
        self.shown_stage = Stage.FRAME

    @property
    def conversation(self) -> Conversation:
        return self.query_one("#bs-conversation", Conversation)

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield Static("", id="bs-problem", markup=False)
        yield StageBar(id="bs-stages")
        with Horizontal(id="bs-body"):
            yield Conversation(id="bs-conversation", empty_hint=EMPTY_STAGES)
            with Vertical(id="bs-side"):
                yield IdeaBoard(id="bs-board")
                yield Static(EMPTY_BOARD, id="bs-detail", markup=False)
        yield Footer()

    async def on_mount(self) -> None:
        brainstorm = self.service.get(self.session_id)
        self.sub_title = brainstorm.title
        self.query_one("#bs-problem", Static).update(f"Problem: {brainstorm.problem}")
        self.shown_stage = Stage(brainstorm.stage)
        self.refresh_board()
        await self.show_stage(self.shown_stage)
        self.query_one(IdeaBoard).focus()

    # Stages ---------------------------------------------------------------------------------

    def refresh_stage_bar(self) -> None:
        done = {str(s) for s in self.service.completed(self.session_id)}
        titles = [(str(s), SPECS[s].title) for s in ORDER]
        self.query_one(StageBar).show(titles, done, str(self.shown_stage))

    async def show_stage(self, stage: Stage) -> None:
        """The stage's latest run in the conversation pane (prompt, then every answer)."""
        self.shown_stage = stage
        steps = [s for s in self.store.list_steps(self.session_id) if s.stage == stage]
        messages = []
        if steps:
            prompt = self.store.get_message(steps[-1].prompt_id)
            if prompt is not None:
                messages = [prompt, *self.store.children(prompt.id)]
        await self.conversation.show_thread(messages)
        self.refresh_stage_bar()

    async def action_show_stage(self, stage: str) -> None:
        if not self.streaming:
            await self.show_stage(Stage(stage))

    def action_next_stage(self) -> None:
        stage = self.service.to_run(self.session_id)
        if stage is None:
            self.notify("The plan is done: e exports it, r re-runs the stage shown.")
            return
        self.stages.run(stage)

    def action_rerun(self) -> None:
        self.stages.run(self.shown_stage)

    # Escape, export, problem ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.streaming
        if action == "close":
            return not self.streaming
        return True

    def set_streaming(self, streaming: bool) -> None:
        self.streaming = streaming
        self.refresh_bindings()

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "stream")

    def action_close(self) -> None:
        self.dismiss()

    def action_export(self) -> None:
        def export(path: str | None) -> None:
            if not path:
                return
            try:
                draft = self.service.export_draft(self.session_id)
                written = self.service.export_file(self.session_id, Path(path))
            except (OSError, BrainstormError) as exc:
                self.notify(f"Export failed: {exc}", severity="error")
                return
            self.notify(f"Plan saved as the draft {draft.title!r} and written to {written}")

        self.app.push_screen(
            InputDialog(
                "Export the plan to this Markdown file (and as a draft):",
                str(default_plan_path(self.session_id)),
            ),
            export,
        )

    def action_edit_problem(self) -> None:
        def save(text: str | None) -> None:
            if text is None:
                return
            try:
                self.store.set_problem(self.session_id, text)
            except BrainstormError as exc:
                self.notify(str(exc), severity="warning")
                return
            self.query_one("#bs-problem", Static).update(f"Problem: {text.strip()}")

        problem = self.service.get(self.session_id).problem
        self.app.push_screen(InputDialog("Problem statement", problem), save)

    # The idea board's requests: handed to the board controller -------------------------------

    def refresh_board(self, select: str | None = None) -> None:
        self.board.refresh(select)

    def on_idea_board_highlighted(self, event: IdeaBoard.Highlighted) -> None:
        self.board.highlighted(event)

    def on_idea_board_rate(self, event: IdeaBoard.Rate) -> None:
        self.board.rate(event)

    def on_idea_board_set_status(self, event: IdeaBoard.SetStatus) -> None:
        self.board.set_status(event)

    def on_idea_board_merge(self, event: IdeaBoard.Merge) -> None:
        self.board.merge(event)

    def on_idea_board_move(self, event: IdeaBoard.Move) -> None:
        self.board.move(event)

    def on_idea_board_edit_tags(self, event: IdeaBoard.EditTags) -> None:
        self.board.edit_tags(event)

    async def on_idea_board_branch(self, event: IdeaBoard.Branch) -> None:
        await self.board.branch(event)
