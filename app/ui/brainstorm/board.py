"""The idea board's requests on the brainstorm screen: every change goes to the store, then
the board is redrawn from it. A controller the brainstorm screen owns; its handlers call it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from app.brainstorm.board import bump, parse_tags
from app.ui.dialogs import InputDialog
from storage.brainstorm_repo import BrainstormError
from widgets.idea_board import IdeaBoard

if TYPE_CHECKING:
    from app.ui.brainstorm.screen import BrainstormScreen


class BoardController:
    def __init__(self, screen: BrainstormScreen) -> None:
        self.screen = screen
        self.store = screen.ctx.store
        self.service = screen.ctx.brainstorms

    def refresh(self, select: str | None = None) -> None:
        board = self.screen.query_one(IdeaBoard)
        board.show_ideas(self.store.list_ideas(self.screen.session_id), select=select)
        live = sum(i.status.value in ("new", "kept") for i in board.ideas)
        kept = sum(i.status.value == "kept" for i in board.ideas)
        board.border_title = f"Ideas · {live} live · {kept} kept · {len(board.ideas)} in all"

    def highlighted(self, event: IdeaBoard.Highlighted) -> None:
        """The idea under the cursor in full below the board: text, detail, where it stands."""
        idea = event.idea
        if idea is None:
            return
        lines = [idea.text]
        if idea.detail:
            lines.append(idea.detail)
        facts = [str(idea.status)]
        if idea.merged_into:
            target = self.store.get_idea(idea.merged_into)
            facts.append(f"into: {target.text if target else '?'}")
        if idea.tags:
            facts.append("tags: " + ", ".join(idea.tags))
        lines.append(" · ".join(facts))
        self.screen.query_one("#bs-detail", Static).update("\n".join(lines))

    def _board_change(self, change: object, select: str) -> None:
        """Apply a store change; a refused one (merge into a dropped idea...) is one line."""
        try:
            if callable(change):
                change()
        except BrainstormError as exc:
            self.screen.notify(str(exc), severity="warning")
        self.refresh(select=select)

    def rate(self, event: IdeaBoard.Rate) -> None:
        idea = self.store.get_idea(event.idea_id)
        if idea is None:
            return
        impact = bump(idea.impact, event.impact_step) if event.impact_step else idea.impact
        effort = bump(idea.effort, event.effort_step) if event.effort_step else idea.effort
        self._board_change(lambda: self.store.rate_idea(idea.id, impact, effort), idea.id)

    def set_status(self, event: IdeaBoard.SetStatus) -> None:
        self._board_change(
            lambda: self.store.set_idea_status(event.idea_id, event.status), event.idea_id
        )

    def merge(self, event: IdeaBoard.Merge) -> None:
        self._board_change(
            lambda: self.store.merge_idea(event.idea_id, event.into_id), event.into_id
        )
        target = self.store.get_idea(event.into_id)
        if target is not None:
            self.screen.notify(f"Merged into: {target.text}")

    def move(self, event: IdeaBoard.Move) -> None:
        self._board_change(lambda: self.store.move_idea(event.idea_id, event.step), event.idea_id)

    def edit_tags(self, event: IdeaBoard.EditTags) -> None:
        idea = self.store.get_idea(event.idea_id)
        if idea is None:
            return

        def save(text: str | None) -> None:
            if text is not None:
                self._board_change(
                    lambda: self.store.set_idea_tags(idea.id, parse_tags(text)), idea.id
                )

        self.screen.app.push_screen(
            InputDialog("Tags (comma separated)", ", ".join(idea.tags), "data, cheap"), save
        )

    async def branch(self, event: IdeaBoard.Branch) -> None:
        """Develop one idea in the main conversation: a new prompt, a sibling branch of the
        stage prompt that produced it, answered there at once."""
        if self.screen.streaming:
            self.screen.notify("A stage is running: Escape cancels it.", severity="warning")
            return
        idea = self.store.get_idea(event.idea_id)
        if idea is None:
            return
        parent, text = self.service.branch_prompt(idea)
        nav = self.screen.ctx.nav
        if nav.chat_busy():
            self.screen.notify("The main screen is busy; try again when its answer ends.")
            return
        session_id = self.screen.session_id
        self.screen.dismiss()
        # Run by the App, not by this screen's handler: the screen is on its way out.
        self.screen.app.call_later(nav.send_prompt, session_id, text, parent)
