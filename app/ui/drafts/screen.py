"""The drafts screen: the drafts list, a Markdown editor, the live outline and findings.

Nothing typed is lost: the text is saved 2 s after the last keystroke, and while typing goes
on, at the latest 2 s after the oldest unsaved keystroke (so a SIGKILL loses at most 2 s);
also when switching drafts, leaving the screen and quitting. Every save that changed the
text is a version (storage/drafts_repo.py). The outline and the findings are recomputed in a
thread a moment after the last keystroke, so a long draft never slows typing.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Static, TextArea

from app.ui.context import AhaContext
from app.ui.dialogs import ConfirmDialog
from app.ui.drafts.critique import CritiqueController
from app.ui.drafts.files import DraftFiles
from storage.drafts_models import count_words
from widgets.draft_critique import CritiquePanel
from widgets.draft_list import DraftList, clock
from widgets.draft_outline import DraftOutline
from widgets.textual_compat import rewrap_text_area

AUTOSAVE_S = 2.0
ANALYSIS_DELAY_S = 0.2
DISCUSS_INTRO = (
    "Here is my draft{title}. Read it; my question about it follows.\n\n"
    "<draft>\n{body}\n</draft>\n\n"
)


class DraftsScreen(Screen[None]):
    CSS_PATH = Path(__file__).parent / "drafts.tcss"
    BINDINGS = [
        # priority: a quick "ctrl+n, text" must type into the new draft, not the old one.
        Binding("ctrl+n", "new_draft", "New", id="drafts.new", priority=True),
        Binding("ctrl+r", "critique", "Critique", id="drafts.critique"),
        Binding("ctrl+t", "apply_outline", "Apply outline", id="drafts.apply_outline"),
        Binding("escape", "cancel_critique", "Stop critique", id="drafts.cancel_critique"),
        Binding("ctrl+g", "versions", "Versions", id="drafts.versions"),
        Binding("ctrl+s", "export", "Export", id="drafts.export"),
        Binding("f2", "external_editor", "$EDITOR", id="drafts.external_editor"),
        Binding("ctrl+l", "discuss", "Discuss", id="drafts.discuss"),
        Binding("ctrl+o", "toggle_list", "List", id="drafts.toggle_list", show=False),
    ]

    def __init__(self, ctx: AhaContext, draft_id: str | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.store = ctx.store
        self.draft_id: str | None = draft_id
        self.saved_text = ""
        self.saved_at: str | None = None
        self._dirty_since: float | None = None
        self._autosave_timer: Timer | None = None
        self._analysis_timer: Timer | None = None
        self._analysis_generation = 0
        self._shown_generation = 0  # the analysis whose results are on screen
        self._leaving = False  # unmounting: the widgets may already be gone
        self.words = 0  # counted with the outline, off the UI thread
        self.sections: list[Any] = []
        self.findings: list[Any] = []
        # The shown critique's text: its numbered problems join the findings, located afresh
        # in each analysed text (app/writing/critique.py, model_findings).
        self.critique_text = ""
        self.critique = CritiqueController(self)
        self.files = DraftFiles(self)
        # Kept here, not queried: on the way out the text is saved after the widgets are gone.
        self._editor = TextArea(
            "",
            id="draft-editor",
            language="markdown",
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder="# Title\n\nStart writing: it is saved as you go.",
        )

    @property
    def editor(self) -> TextArea:
        return self._editor

    @property
    def draft_list(self) -> DraftList:
        return self.query_one(DraftList)

    @property
    def outline(self) -> DraftOutline:
        return self.query_one(DraftOutline)

    @property
    def critique_panel(self) -> CritiquePanel:
        return self.query_one(CritiquePanel)

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Horizontal(id="drafts-body"):
            yield DraftList(id="draft-list")
            with Vertical(id="draft-main"):
                yield self._editor
                yield Static("", id="draft-status", markup=False)
            with Vertical(id="draft-side"):
                yield DraftOutline(id="draft-outline")
                yield CritiquePanel(id="critique")
        yield Footer()

    async def on_mount(self) -> None:
        self.critique_panel.display = False
        if self.draft_id is None:
            drafts = self.store.list_drafts()
            self.draft_id = drafts[0].id if drafts else None
        await self.open_draft(self.draft_id, save_first=False)

    # Opening and listing ----------------------------------------------------------------------

    def refresh_list(self) -> None:
        self.draft_list.show_drafts(self.store.list_drafts(), self.draft_id)

    async def open_draft(self, draft_id: str | None, save_first: bool = True) -> None:
        """Show a draft (None: a new, empty one that is stored at its first save)."""
        if save_first:
            self.save_now()
        if self.critique.critiquing and draft_id != self.draft_id:
            # The critique belongs to the draft being left: it stops, its text is kept.
            self.critique.cancel()
        draft = self.store.get_draft(draft_id) if draft_id else None
        if draft_id is not None and draft is None:
            self.notify("That draft no longer exists.", severity="warning")
        self.draft_id = draft.id if draft else None
        self.ctx.last_draft_id = self.draft_id
        body = draft.body if draft else ""
        self.saved_text = body
        self.saved_at = draft.updated_at if draft else None
        self._dirty_since = None
        self._stop_timer("_autosave_timer")
        self.editor.load_text(body)
        self.editor.move_cursor((0, 0))
        self.refresh_list()
        self.sub_title = (draft.title if draft and draft.title else "new draft") + " · drafts"
        self.update_status()
        self.run_analysis(body)
        await self.critique.show_last()
        self.editor.focus()

    @on(DraftList.DraftSelected)
    async def _draft_selected(self, event: DraftList.DraftSelected) -> None:
        if event.draft_id != self.draft_id:
            await self.open_draft(event.draft_id)
        self.editor.focus()

    async def on_draft_list_action_requested(self, event: DraftList.ActionRequested) -> None:
        if event.action == "new":
            await self.action_new_draft()
        elif event.action == "versions":
            if event.draft_id is not None and event.draft_id != self.draft_id:
                await self.open_draft(event.draft_id)
            self.files.versions()
        elif event.action == "delete" and event.draft_id is not None:
            self._confirm_delete(event.draft_id)

    def _confirm_delete(self, draft_id: str) -> None:
        draft = self.store.get_draft(draft_id)
        if draft is None:
            return
        name = draft.title or "this untitled draft"

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            if draft_id == self.draft_id:
                # Nothing is saved on the way out: the user asked for this text to go.
                self._stop_timer("_autosave_timer")
                self.saved_text = self.editor.text
                self.draft_id = None
            self.store.delete_draft(draft_id)
            self.notify(f"Deleted draft: {name}")
            if self.draft_id is None:
                remaining = self.store.list_drafts()
                await self.open_draft(remaining[0].id if remaining else None, save_first=False)
            else:
                self.refresh_list()

        self.app.push_screen(
            ConfirmDialog(f"Delete {name!r} with all its versions and critiques?"), answered
        )

    async def action_new_draft(self) -> None:
        await self.open_draft(None)

    def action_toggle_list(self) -> None:
        self.draft_list.display = not self.draft_list.display
        self.rewrap_editor()

    def rewrap_editor(self) -> None:
        """Re-wrap the editor's lines once a column beside it has changed width (the
        TextArea re-wraps on its resize event, which can come before its new size is
        final, leaving words cut at the old width until the next key)."""
        self.call_after_refresh(rewrap_text_area, self.editor)

    # Saving -----------------------------------------------------------------------------------

    @on(TextArea.Changed, "#draft-editor")
    def _text_changed(self) -> None:
        text = self.editor.text
        if text == self.saved_text:
            self._dirty_since = None
            self._stop_timer("_autosave_timer")
        else:
            now = time.monotonic()
            self._dirty_since = self._dirty_since or now
            # 2 s after the last keystroke, but never later than 2 s after the oldest unsaved
            # one: steady typing is saved every 2 s, so a crash loses at most that much.
            delay = min(AUTOSAVE_S, self._dirty_since + AUTOSAVE_S - now)
            self._stop_timer("_autosave_timer")
            if delay <= 0.01:  # (Textual's timers cannot take a zero interval)
                self.save_now()
            else:
                self._autosave_timer = self.set_timer(delay, self._autosave)
        self.update_status()
        self._stop_timer("_analysis_timer")
        self._analysis_timer = self.set_timer(ANALYSIS_DELAY_S, self._analyse_now)

    def _autosave(self) -> None:
        self._autosave_timer = None
        self.save_now()

    def save_now(self, note: str = "autosave") -> bool:
        """Store the editor's text if it changed; True when a new version was written."""
        self._stop_timer("_autosave_timer")
        text = self.editor.text
        if text == self.saved_text:
            self._dirty_since = None
            return False
        if self.draft_id is None:
            draft = self.store.create_draft(body=text)
            self.draft_id = draft.id
            self.ctx.last_draft_id = draft.id
            changed = True
        else:
            changed = self.store.save_draft(self.draft_id, text, note=note) is not None
        self.saved_text = text
        self._dirty_since = None
        self.saved_at = datetime.now().astimezone().isoformat()
        saved = self.store.get_draft(self.draft_id)
        if saved is not None:
            self.sub_title = (saved.title or "new draft") + " · drafts"
        if not self._leaving:
            self.refresh_list()
            self.update_status()
        return changed

    def show_saved_text(self, body: str) -> None:
        """Show text that is already stored (a restore, an applied outline, $EDITOR's result)
        with the cursor on the same line as before, where that line still exists."""
        row = self.editor.cursor_location[0]
        self.saved_text = body
        self.saved_at = datetime.now().astimezone().isoformat()
        self._dirty_since = None
        self._stop_timer("_autosave_timer")
        self.editor.load_text(body)
        self.editor.move_cursor((min(row, self.editor.document.line_count - 1), 0), center=True)
        self.refresh_list()
        self.update_status()
        self.run_analysis(body)

    def update_status(self) -> None:
        text = self.editor.text
        if text != self.saved_text:
            state = "unsaved"
        elif self.saved_at:
            state = f"saved {clock(self.saved_at)}"
        else:
            state = "empty draft · saved as you type"
        row, column = self.editor.cursor_location
        # Position and count first: a narrow status line cuts the state's words, not "Ln 1,".
        self.query_one("#draft-status", Static).update(
            f"Ln {row + 1}, Col {column + 1} · {self.words} words · {state}"
        )

    @on(TextArea.SelectionChanged, "#draft-editor")
    def _cursor_moved(self) -> None:
        self.update_status()

    def on_screen_suspend(self) -> None:
        self.save_now()

    def on_unmount(self) -> None:
        # Leaving the screen or quitting aha: the store is still open here (the app closes
        # it after every screen has gone).
        self._leaving = True
        self.save_now()

    def _stop_timer(self, name: str) -> None:
        timer: Timer | None = getattr(self, name)
        if timer is not None:
            timer.stop()
            setattr(self, name, None)

    # Outline and findings ---------------------------------------------------------------------

    def _analyse_now(self) -> None:
        self._analysis_timer = None
        self.run_analysis(self.editor.text)

    def run_analysis(self, text: str) -> None:
        self._analysis_generation += 1
        self._analyse(text, self.critique_text, self._analysis_generation)

    def show_critique_findings(self, critique: str) -> None:
        """The findings list gains (or loses) the model's problems from `critique`."""
        from app.critique import problems

        if critique == self.critique_text:
            return
        # Analysed again only when the model's findings change (a critique with no numbered
        # problems adds none): a draft opening with such a critique is analysed once.
        had = bool(problems(self.critique_text))
        self.critique_text = critique
        if had or problems(critique):
            self.run_analysis(self.editor.text)

    @property
    def analysis_settled(self) -> bool:
        """The outline and findings on screen are those of the newest analysis asked for."""
        return self._shown_generation == self._analysis_generation

    @work(thread=True, exclusive=True, group="draft-analysis", exit_on_error=False)
    def _analyse(self, text: str, critique: str, generation: int) -> None:
        from app.writing.checks import check
        from app.writing.critique import model_findings
        from app.writing.outline import parse_outline
        from app.writing.severity import apply

        # The config's severities apply here too (a draft in the database has no folder for
        # a project file to sit in).
        findings = apply(check(text), self.ctx.settings.drafts.severity)
        findings += model_findings(critique, text) if critique else []
        sections, words = parse_outline(text), count_words(text)
        self.app.call_from_thread(self._show_analysis, sections, findings, words, generation)

    def _show_analysis(
        self, sections: list[Any], findings: list[Any], words: int, generation: int
    ) -> None:
        if generation != self._analysis_generation or self._leaving:
            return  # a newer text is being analysed, or the screen is going
        self._shown_generation = generation
        self.sections, self.findings, self.words = sections, findings, words
        self.outline.show(sections, findings, words)
        self.update_status()

    @on(DraftOutline.JumpTo)
    def _jump(self, event: DraftOutline.JumpTo) -> None:
        line = max(0, min(event.line - 1, self.editor.document.line_count - 1))
        self.editor.move_cursor((line, 0), center=True)
        self.editor.focus()

    # Keys -------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        critique = self.critique.check_action(action)
        if critique is not None:
            return critique
        return True

    async def action_critique(self) -> None:
        await self.critique.start()

    def action_cancel_critique(self) -> None:
        self.critique.cancel()

    async def action_apply_outline(self) -> None:
        await self.critique.apply_outline()

    def action_versions(self) -> None:
        self.files.versions()

    def action_export(self) -> None:
        self.files.export()

    def action_external_editor(self) -> None:
        self.files.external_editor()

    async def action_discuss(self) -> None:
        """A new conversation whose first prompt carries the draft's text as context: the
        prompt box is filled in and the cursor waits after it for the question."""
        self.save_now()
        body = self.editor.text
        if not body.strip():
            self.notify("Write something first: the conversation needs the draft's text.")
            return
        draft = self.store.get_draft(self.draft_id) if self.draft_id else None
        title = f" “{draft.title}”" if draft and draft.title else ""
        prompt = DISCUSS_INTRO.format(title=title, body=body.strip("\n"))
        if not await self.ctx.nav.discuss(prompt):
            self.notify("An answer is streaming: try again when it has finished.")

    # The side column --------------------------------------------------------------------------

    def show_critique_panel(self, shown: bool) -> None:
        self.critique_panel.display = shown
        self.query_one("#draft-side").set_class(shown, "-critique")
        self.rewrap_editor()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()
