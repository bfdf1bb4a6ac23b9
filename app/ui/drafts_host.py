"""For type checkers only: what the drafts screen's mixins may use of their host screen."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import TextArea

from storage import Store
from widgets.draft_critique import CritiquePanel
from widgets.draft_list import DraftList
from widgets.draft_outline import DraftOutline


class DraftsHost(Screen[None]):
    draft_id: str | None
    saved_text: str
    sections: list[Any]
    findings: list[Any]

    @property
    def store(self) -> Store: ...
    @property
    def editor(self) -> TextArea: ...
    @property
    def draft_list(self) -> DraftList: ...
    @property
    def outline(self) -> DraftOutline: ...
    @property
    def critique_panel(self) -> CritiquePanel: ...

    def save_now(self, note: str = "autosave") -> bool: ...
    async def open_draft(self, draft_id: str | None, save_first: bool = True) -> None: ...
    def refresh_list(self) -> None: ...
    def update_status(self) -> None: ...
    def show_saved_text(self, body: str) -> None: ...
    def run_analysis(self, text: str) -> None: ...
