"""Running a brainstorm stage on its screen: the prompt and every sample's answer stream into
the stage's conversation pane; each finished answer's ideas go to the board at once.

A mixin of BrainstormScreen. The chat service stores and streams the turns exactly like a
typed prompt; this only draws them and keeps the tree consistent when Escape cancels.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from app.brainstorm.service import BrainstormError, StageRun
from app.brainstorm.stages import SPECS, Stage
from app.chat import Turn
from app.ui.answer_stream import stream_into
from storage import MessageStatus
from widgets.message_view import AssistantMessage

if TYPE_CHECKING:
    from app.ui.brainstorm_screen import BrainstormScreen as _Base
else:
    _Base = object


class StageRunner(_Base):
    def run_stage(self, stage: Stage) -> None:
        if self.streaming:
            self.notify("A stage is running: Escape cancels it.", severity="warning")
            return
        problem = self.service.problem_with(self.session_id, stage)
        if problem is not None:
            self.notify(problem, severity="warning")
            return
        self._set_streaming(True)
        self.run_worker(self._run(stage), group="stream", exclusive=True, exit_on_error=False)

    async def _run(self, stage: Stage) -> None:
        try:
            run = await self.service.begin_stage(self.session_id, stage)
        except BrainstormError as exc:
            self.notify(str(exc), severity="warning")
            self._set_streaming(False)
            return
        except BaseException:
            self._set_streaming(False)
            raise
        self.shown_stage = stage
        if run.note:
            self.notify(run.note, severity="warning")
        await self.conversation.show_thread([run.prompt])
        self.refresh_stage_bar()
        turn: Turn | None = run.turns[0]
        added = 0
        try:
            while turn is not None:
                await self._stream(run, turn)
                added += len(self.service.finish_turn(run, turn))
                self.refresh_board()
                turn = await self.service.next_sample(run)
        finally:
            self._set_streaming(False)
            self.refresh_stage_bar()
        done = sum(
            t.final is not None and t.final.status is MessageStatus.COMPLETE for t in run.turns
        )
        what = f"{SPECS[stage].title}: {done}/{run.samples} answer(s)"
        if stage is Stage.DIVERGE:
            what += f", {added} new idea(s) on the board"
        elif stage is Stage.CLUSTER:
            what += f", {added} idea(s) tagged"
        self.notify(what)

    async def _stream(self, run: StageRun, turn: Turn) -> None:
        view = AssistantMessage(
            turn.route,
            turn.assistant.model or "",
            turn.decision.reasons,
            turn.decision.score,
            turn.note,
            message_id=turn.assistant.id,
        )
        await self.conversation.add_assistant(view)
        try:
            await stream_into(view, self.service.chat, turn)
        except asyncio.CancelledError:
            if turn.final is None:
                turn.final = self.store.finish_assistant(
                    turn.assistant.id, MessageStatus.CANCELLED, ""
                )
            raise
        finally:
            await view.finish(turn.final)
