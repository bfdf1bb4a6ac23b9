"""Critique by the model, a mixin of the drafts screen: ask, stream, store, apply its outline.

The critique goes to the deep route; when deep is not configured or does not answer, the fast
route critiques instead and the panel says so (as a conversation's route badge does). The row
is written (status 'streaming') before the model is asked and flushed every 0.5 s, so a crash
keeps the partial critique; it is tied to the version it judged, saved first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from textual import work

from app.backend.engine import Engine, closing_stream
from app.backend.events import Content, Done, Failed, StreamEvent
from app.backend.retry import RouteFailed
from app.sanitize import StreamSanitizer
from storage.drafts_models import Critique
from widgets.draft_list import moment

if TYPE_CHECKING:
    from app.chat import ChatService
    from app.ui.drafts_host import DraftsHost as _Base
else:
    _Base = object

CRITIQUE_ROUTE, FALLBACK_ROUTE = "deep", "fast"
FLUSH_S = 0.5


async def critique_engine(chat: ChatService) -> tuple[str, Engine | None, str]:
    """(route, engine or None when nothing can answer, a note on why it is not deep)."""
    deep = await chat.availability(CRITIQUE_ROUTE)
    if deep.ok:
        return CRITIQUE_ROUTE, chat.engines.get(CRITIQUE_ROUTE), ""
    fast = await chat.availability(FALLBACK_ROUTE)
    if fast.ok:
        note = f"{CRITIQUE_ROUTE} route unavailable ({deep.detail}): critiqued by {FALLBACK_ROUTE}"
        return FALLBACK_ROUTE, chat.engines.get(FALLBACK_ROUTE), note
    return CRITIQUE_ROUTE, None, f"{CRITIQUE_ROUTE} route unavailable: {deep.detail}"


def heading(route: str, model: str, note: str = "") -> str:
    return " · ".join(part for part in (route, model, note) if part)


class CritiqueActions(_Base):
    def init_critique(self) -> None:
        self.critiquing = False
        self.critique_id: str | None = None
        self.proposed: list[tuple[int, str]] | None = None

    def critique_check(self, action: str) -> bool | None:
        """Which critique keys apply now (None: not a critique key)."""
        if action == "cancel_critique":
            return self.critiquing
        if action == "apply_outline":
            # Offered (and in the footer) whenever no critique is streaming: with nothing to
            # apply, the key says why, rather than doing nothing visible.
            return not self.critiquing
        if action == "critique":
            return not self.critiquing
        return None

    def _set_proposed(self, content: str) -> None:
        from app.writing.critique import proposed_outline

        self.proposed = proposed_outline(content) if content.strip() else None
        self.refresh_bindings()

    async def show_last_critique(self) -> None:
        """A draft opens with its newest critique beside it, if it has one."""
        critiques = self.store.list_critiques(self.draft_id) if self.draft_id else []
        panel = self.critique_panel
        if not critiques:
            self.critique_id, self.proposed = None, None
            panel.display = False
            self.query_one("#draft-side").set_class(False, "-critique")
            self.rewrap_editor()
            self.refresh_bindings()
            return
        await self._show_stored(critiques[0])

    async def _show_stored(self, critique: Critique) -> None:
        version = self.store.get_version(critique.version_id) if critique.version_id else None
        judged = f"judged the version saved {moment(version.created_at)}" if version else ""
        route = critique.route
        if route != CRITIQUE_ROUTE:
            route = f"{route} ({CRITIQUE_ROUTE} was unavailable)"
        self.critique_id = critique.id
        self._show_panel()
        await self.critique_panel.show(
            heading(route, critique.model, judged),
            critique.content,
            critique.status,
            critique.error or "",
        )
        self._set_proposed(critique.content)

    def _show_panel(self) -> None:
        self.critique_panel.display = True
        self.query_one("#draft-side").set_class(True, "-critique")
        self.rewrap_editor()

    async def action_critique(self) -> None:
        if self.critiquing:
            self.notify("A critique is already streaming: Escape stops it.", severity="warning")
            return
        text = self.editor.text
        if not text.strip():
            self.notify("Write something first: there is nothing to critique.", severity="warning")
            return
        self.save_now()
        draft = self.store.get_draft(self.draft_id) if self.draft_id else None
        if draft is None:
            return
        self.critiquing = True
        self.proposed = None
        self.refresh_bindings()
        self._show_panel()
        await self.critique_panel.start("choosing a route…")
        self.run_critique(draft.id, draft.current_version_id, text)

    def action_cancel_critique(self) -> None:
        self.workers.cancel_group(self, "critique")

    @work(exclusive=True, group="critique", exit_on_error=False)
    async def run_critique(self, draft_id: str, version_id: str | None, text: str) -> None:
        from app.writing.critique import critique_messages

        panel = self.critique_panel
        chat: ChatService = self.app.chat  # type: ignore[attr-defined]
        content: list[str] = []
        status, error = "failed", None
        critique: Critique | None = None
        flusher: asyncio.Task[None] | None = None
        try:
            route, engine, note = await critique_engine(chat)
            if engine is None:
                error = note
                critique = self.store.add_critique(draft_id, version_id, route=route, model="")
                await panel.start(heading(route, "", ""))
                return
            critique = self.store.add_critique(
                draft_id, version_id, route=route, model=engine.model_label
            )
            self.critique_id = critique.id
            await panel.start(heading(route, engine.model_label, note))
            flusher = asyncio.create_task(self._flush(critique.id, content))
            messages = critique_messages(text)
            async for event in self._stream(chat, engine, route, messages):
                if isinstance(event, tuple):  # (route, model, note): fell back mid-way
                    self.store.update_critique(critique.id, content="", status="streaming")
                    await panel.start(heading(*event))
                elif isinstance(event, Content):
                    content.append(event.text)
                    await panel.append(event.text)
                elif isinstance(event, Failed):
                    error = event.message
                    return
                elif isinstance(event, Done):
                    break
            if "".join(content).strip():
                status = "done"
            else:
                error = f"{route} route: the model returned an empty critique"
        except asyncio.CancelledError:
            status = "cancelled"
            raise
        finally:
            if flusher is not None:
                flusher.cancel()
            if critique is not None:
                self.store.update_critique(
                    critique.id, content="".join(content), status=status, error=error
                )
            self.critiquing = False
            if self.is_attached and self.draft_id == draft_id:
                await panel.finish(status, error or "")
                self._set_proposed("".join(content) if status == "done" else "")
                if status == "done" and self.proposed is None:
                    self.notify("The critique proposes no outline to apply.", timeout=4)
                elif self.proposed:
                    self.notify("ctrl+t applies the proposed outline as a new version.")
            elif self.is_attached:
                self.refresh_bindings()

    async def _stream(
        self, chat: ChatService, engine: Engine, route: str, messages: Sequence[Any]
    ) -> AsyncIterator[StreamEvent | tuple[str, str, str]]:
        """The engine's events, sanitised; a deep route that fails before any text falls back
        to fast once (a tuple event says so)."""
        clean = StreamSanitizer()
        shown = False
        async with closing_stream(engine.stream(messages)) as events:
            async for event in events:
                if isinstance(event, RouteFailed) and not shown and event.can_fall_back:
                    if route != FALLBACK_ROUTE and (await chat.availability(FALLBACK_ROUTE)).ok:
                        fast = chat.engines.get(FALLBACK_ROUTE)
                        note = f"{route} route failed ({event.reason}): critiqued by fast"
                        yield (FALLBACK_ROUTE, fast.model_label, note)
                        async for retry in self._stream(chat, fast, FALLBACK_ROUTE, messages):
                            yield retry
                        return
                if isinstance(event, Content):
                    text = clean.feed(event.text)
                    if text:
                        shown = True
                        yield Content(text)
                elif isinstance(event, Done):
                    tail = clean.flush()
                    if tail:
                        yield Content(tail)
                    yield event
                elif isinstance(event, Failed):
                    yield event
                    return

    async def _flush(self, critique_id: str, content: list[str]) -> None:
        """Keep the stored critique at most FLUSH_S behind the screen."""
        stored = 0
        while True:
            await asyncio.sleep(FLUSH_S)
            if len(content) != stored:
                stored = len(content)
                self.store.update_critique(
                    critique_id, content="".join(content), status="streaming"
                )

    async def action_apply_outline(self) -> None:
        """Reorder, rename and add sections as the critique proposes, keeping each section's
        text; stored as a new version (the old text stays one step back in Versions)."""
        from app.writing.critique import apply_outline

        if not self.proposed or self.draft_id is None:
            reason = (
                "The last critique proposes no outline (no numbered list of sections)"
                if self.critique_id is not None
                else "No critique yet"
            )
            self.notify(f"{reason}: ctrl+r asks for one that does.", severity="warning")
            return
        self.save_now()
        before = self.editor.text
        after = apply_outline(before, self.proposed)
        if after == before:
            self.notify("The draft already follows the proposed outline.")
            return
        self.store.save_draft(self.draft_id, after, note="applied critique outline")
        self.show_saved_text(after)
        self.notify("Applied the critique's outline as a new version (ctrl+g compares).")
