"""The model's critique on the drafts screen: ask, show it as it streams, apply its outline.

A controller the drafts screen owns. The critique is a model job of the core
(app/writing/critique_job.py, on app/jobs.py): it is stored, routed (deep, or fast with the
reason when deep does not answer), sanitised and flushed there; this only draws its events.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from app.backend.events import Content, Failed
from app.jobs import JobRoute
from app.writing.critique import CRITIQUE_ROUTE
from app.writing.critique_job import CritiqueRecord, run_critique
from storage.drafts_models import Critique
from widgets.draft_list import moment

if TYPE_CHECKING:
    from app.ui.drafts.screen import DraftsScreen


def heading(route: str, model: str, note: str = "") -> str:
    return " · ".join(part for part in (route, model, note) if part)


class CritiqueController:
    def __init__(self, screen: DraftsScreen) -> None:
        self.screen = screen
        self.store = screen.ctx.store
        self.critiquing = False
        self.critique_id: str | None = None
        self.proposed: list[tuple[int, str]] | None = None

    def check_action(self, action: str) -> bool | None:
        """Which critique keys apply now (None: not a critique key)."""
        if action == "cancel_critique":
            return self.critiquing
        if action in ("critique", "apply_outline"):
            # Apply is offered (and in the footer) whenever no critique is streaming: with
            # nothing to apply, the key says why, rather than doing nothing visible.
            return not self.critiquing
        return None

    def _set_proposed(self, content: str) -> None:
        from app.writing.critique import proposed_outline

        self.proposed = proposed_outline(content) if content.strip() else None
        self.screen.refresh_bindings()

    async def show_last(self) -> None:
        """A draft opens with its newest critique beside it, if it has one."""
        screen = self.screen
        critiques = self.store.list_critiques(screen.draft_id) if screen.draft_id else []
        if not critiques:
            self.critique_id, self.proposed = None, None
            screen.show_critique_findings("")
            screen.show_critique_panel(False)
            screen.refresh_bindings()
            return
        await self._show_stored(critiques[0])

    async def _show_stored(self, critique: Critique) -> None:
        version = self.store.get_version(critique.version_id) if critique.version_id else None
        judged = f"judged the version saved {moment(version.created_at)}" if version else ""
        route = critique.route
        if route != CRITIQUE_ROUTE:
            route = f"{route} ({CRITIQUE_ROUTE} was unavailable)"
        self.critique_id = critique.id
        self.screen.show_critique_panel(True)
        await self.screen.critique_panel.show(
            heading(route, critique.model, judged),
            critique.content,
            critique.status,
            critique.error or "",
        )
        self._set_proposed(critique.content)
        self.screen.show_critique_findings(critique.content)

    async def start(self) -> None:
        screen = self.screen
        if self.critiquing:
            screen.notify("A critique is already streaming: Escape stops it.", severity="warning")
            return
        text = screen.editor.text
        if not text.strip():
            screen.notify(
                "Write something first: there is nothing to critique.", severity="warning"
            )
            return
        screen.save_now()
        draft = self.store.get_draft(screen.draft_id) if screen.draft_id else None
        if draft is None:
            return
        if draft.current_version_id is not None:
            # The critique is stored with this version: keep its text as judged.
            self.store.seal_version(draft.current_version_id)
        self.critiquing = True
        self.proposed = None
        screen.refresh_bindings()
        screen.show_critique_panel(True)
        await screen.critique_panel.start("choosing a route…")
        screen.run_worker(
            self._run(draft.id, draft.current_version_id, text),
            group="critique",
            exclusive=True,
            exit_on_error=False,
        )

    def cancel(self) -> None:
        self.screen.workers.cancel_group(self.screen, "critique")

    async def _run(self, draft_id: str, version_id: str | None, text: str) -> None:
        screen = self.screen
        panel = screen.critique_panel
        record = CritiqueRecord(self.store, draft_id, version_id)
        content: list[str] = []
        status, error = "failed", ""
        try:
            async for event in run_critique(screen.ctx.chat, record, text):
                if isinstance(event, JobRoute):
                    self.critique_id = record.critique_id
                    content.clear()
                    await panel.start(heading(event.route, event.model, event.note))
                elif isinstance(event, Content):
                    content.append(event.text)
                    await panel.append(event.text)
                elif isinstance(event, Failed):
                    error = event.message
            if not error:
                status = "done"
        except asyncio.CancelledError:
            status = "cancelled"
            raise
        finally:
            self.critiquing = False
            if screen.is_attached and screen.draft_id == draft_id:
                await panel.finish(status, error)
                self._set_proposed("".join(content) if status == "done" else "")
                screen.show_critique_findings("".join(content))
                if status == "done" and self.proposed is None:
                    screen.notify("The critique proposes no outline to apply.", timeout=4)
                elif self.proposed:
                    screen.notify("ctrl+t applies the proposed outline as a new version.")
            elif screen.is_attached:
                screen.refresh_bindings()

    async def apply_outline(self) -> None:
        """Reorder, rename and add sections as the critique proposes, keeping each section's
        text; stored as a new version (the old text stays one step back in Versions)."""
        from app.writing.critique import apply_outline

        screen = self.screen
        if not self.proposed or screen.draft_id is None:
            reason = (
                "The last critique proposes no outline (no numbered list of sections)"
                if self.critique_id is not None
                else "No critique yet"
            )
            screen.notify(f"{reason}: ctrl+r asks for one that does.", severity="warning")
            return
        screen.save_now()
        before = screen.editor.text
        after = apply_outline(before, self.proposed)
        if after == before:
            screen.notify("The draft already follows the proposed outline.")
            return
        self.store.save_draft(screen.draft_id, after, note="applied critique outline")
        screen.show_saved_text(after)
        screen.notify("Applied the critique's outline as a new version (ctrl+g compares).")
