"""Running a brainstorm stage on its screen: the prompt and every sample's answer stream into
the stage's conversation pane; each finished answer's ideas go to the board at once.

A controller the brainstorm screen owns. The chat service stores and streams the turns exactly
like a typed prompt; this only draws them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.brainstorm.service import BrainstormError, StageRun
from app.brainstorm.stages import SPECS, Stage
from app.chat import Turn
from app.ui.answer_stream import stream_into
from storage import MessageStatus
from widgets.message_view import AssistantMessage

if TYPE_CHECKING:
    from app.ui.brainstorm.screen import BrainstormScreen


class StageRunner:
    def __init__(self, screen: BrainstormScreen) -> None:
        self.screen = screen
        self.store = screen.ctx.store
        self.service = screen.ctx.brainstorms

    def run(self, stage: Stage) -> None:
        if self.screen.streaming:
            self.screen.notify("A stage is running: Escape cancels it.", severity="warning")
            return
        problem = self.service.problem_with(self.screen.session_id, stage)
        if problem is not None:
            self.screen.notify(problem, severity="warning")
            return
        self.screen.set_streaming(True)
        self.screen.run_worker(
            self._run(stage), group="stream", exclusive=True, exit_on_error=False
        )

    async def _run(self, stage: Stage) -> None:
        try:
            run = await self.service.begin_stage(self.screen.session_id, stage)
        except BrainstormError as exc:
            self.screen.notify(str(exc), severity="warning")
            self.screen.set_streaming(False)
            return
        except BaseException:
            self.screen.set_streaming(False)
            raise
        self.screen.shown_stage = stage
        if run.note:
            self.screen.notify(run.note, severity="warning")
        await self.screen.conversation.show_thread([run.prompt])
        self.screen.refresh_stage_bar()
        turn: Turn | None = run.turns[0]
        added = 0
        try:
            while turn is not None:
                await self._stream(run, turn)
                added += len(self.service.finish_turn(run, turn))
                self.screen.refresh_board()
                turn = await self.service.next_sample(run)
        finally:
            self.screen.set_streaming(False)
            self.screen.refresh_stage_bar()
        done = sum(
            t.final is not None and t.final.status is MessageStatus.COMPLETE for t in run.turns
        )
        what = f"{SPECS[stage].title}: {done}/{run.samples} answer(s)"
        if stage is Stage.DIVERGE:
            what += f", {added} new idea(s) on the board"
        elif stage is Stage.CLUSTER:
            what += f", {added} idea(s) tagged"
        elif stage is Stage.CRITIQUE and done:
            from app.critique import problems_by_heading

            final = run.turns[-1].final
            groups = problems_by_heading(final.content if final is not None else "")
            count = sum(len(listed) for _, listed in groups)
            what += f", {count} problem(s) across {len(groups)} idea(s) for the plan"
        self.screen.notify(what)

    async def _stream(self, run: StageRun, turn: Turn) -> None:
        view = AssistantMessage(
            turn.route,
            turn.assistant.model or "",
            turn.decision.reasons,
            turn.decision.score,
            turn.note,
            message_id=turn.assistant.id,
        )
        try:
            # The chat service finishes the row whatever ends this block (Escape included).
            async with self.service.chat.running(turn):
                await self.screen.conversation.add_assistant(view)
                await stream_into(view, self.service.chat, turn)
        finally:
            if view.is_attached:
                await view.finish(turn.final)
