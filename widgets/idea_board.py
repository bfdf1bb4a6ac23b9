"""The idea board: one row per idea card with its status, ratings and tags. Keys ask the screen
to change an idea (the screen stores it and redraws the board); the widget never writes."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from app.brainstorm.board import merge_target
from storage.brainstorm_models import Idea, IdeaStatus

GLYPHS = {
    IdeaStatus.NEW: "·",
    IdeaStatus.KEPT: "✓",
    IdeaStatus.MERGED: "⇢",
    IdeaStatus.DROPPED: "✗",
}
STYLES = {
    IdeaStatus.NEW: "",
    IdeaStatus.KEPT: "bold",
    IdeaStatus.MERGED: "dim italic",
    IdeaStatus.DROPPED: "dim strike",
}
IDEA_WIDTH = 34
TAGS_WIDTH = 12


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class IdeaBoard(DataTable[Text]):
    DEFAULT_CSS = """
    IdeaBoard {
        height: 1fr;
        background: $surface;
    }
    """

    BINDINGS = [
        # One footer entry per pair: "+/- Impact", "]/[ Effort".
        Binding("plus,equals_sign", "rate(1, 0)", "Impact", key_display="+/-",
                id="ideas.impact_up"),
        Binding("minus", "rate(-1, 0)", "Impact-", show=False, id="ideas.impact_down"),
        Binding("right_square_bracket", "rate(0, 1)", "Effort", key_display="]/[",
                id="ideas.effort_up"),
        Binding("left_square_bracket", "rate(0, -1)", "Effort-", show=False,
                id="ideas.effort_down"),
        Binding("k", "status('kept')", "Keep", id="ideas.keep"),
        Binding("x", "status('dropped')", "Drop", id="ideas.drop"),
        Binding("u", "status('new')", "Undo", id="ideas.renew", show=False),
        Binding("space", "mark", "Mark", id="ideas.mark", show=False),
        Binding("m", "merge", "Merge", id="ideas.merge"),
        Binding("K,alt+up", "move(-1)", "Up", id="ideas.move_up", show=False),
        Binding("J,alt+down", "move(1)", "Down", id="ideas.move_down", show=False),
        Binding("b", "branch", "Branch", id="ideas.branch", show=False),
        Binding("t", "tags", "Tags", id="ideas.tags", show=False),
    ]  # fmt: skip

    class Rate(Message):
        def __init__(self, idea_id: str, impact_step: int, effort_step: int) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.impact_step = impact_step
            self.effort_step = effort_step

    class SetStatus(Message):
        def __init__(self, idea_id: str, status: IdeaStatus) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.status = status

    class Merge(Message):
        def __init__(self, idea_id: str, into_id: str) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.into_id = into_id

    class Move(Message):
        def __init__(self, idea_id: str, step: int) -> None:
            super().__init__()
            self.idea_id = idea_id
            self.step = step

    class Branch(Message):
        """Develop this idea in a branch of the conversation."""

        def __init__(self, idea_id: str) -> None:
            super().__init__()
            self.idea_id = idea_id

    class Highlighted(Message):
        """The cursor is on another idea (None: the board is empty)."""

        def __init__(self, idea: Idea | None) -> None:
            super().__init__()
            self.idea = idea

    class EditTags(Message):
        def __init__(self, idea_id: str) -> None:
            super().__init__()
            self.idea_id = idea_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.ideas: list[Idea] = []
        self.marked_id: str | None = None

    def on_mount(self) -> None:
        self.add_column("", key="status", width=2)
        self.add_column("Idea", key="idea", width=IDEA_WIDTH)
        self.add_column("I", key="impact", width=1)
        self.add_column("E", key="effort", width=1)
        self.add_column("Tags", key="tags", width=TAGS_WIDTH)

    def show_ideas(self, ideas: Sequence[Idea], select: str | None = None) -> None:
        """Redraw all cards, keeping the cursor on `select` (or on the same row)."""
        row = self.cursor_row
        self.ideas = list(ideas)
        if self.marked_id not in {i.id for i in self.ideas}:
            self.marked_id = None
        self.clear()
        for idea in self.ideas:
            style = STYLES[idea.status]
            mark = "◆" if idea.id == self.marked_id else GLYPHS[idea.status]
            self.add_row(
                Text(mark, style=style),
                Text(_short(idea.text, IDEA_WIDTH), style=style),
                Text("" if idea.impact is None else str(idea.impact), style=style),
                Text("" if idea.effort is None else str(idea.effort), style=style),
                Text(_short(", ".join(idea.tags), TAGS_WIDTH), style=style),
                key=idea.id,
            )
        ids = [i.id for i in self.ideas]
        if select in ids:
            row = ids.index(select)
        if self.ideas:
            self.move_cursor(row=min(row, len(self.ideas) - 1), animate=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.current))

    @property
    def current(self) -> Idea | None:
        if not self.ideas or not 0 <= self.cursor_row < len(self.ideas):
            return None
        return self.ideas[self.cursor_row]

    def action_rate(self, impact_step: int, effort_step: int) -> None:
        if (idea := self.current) is not None:
            self.post_message(self.Rate(idea.id, impact_step, effort_step))

    def action_status(self, status: str) -> None:
        if (idea := self.current) is None:
            return
        wanted = IdeaStatus(status)
        # Pressing k on a kept idea (or x on a dropped one) puts it back to new.
        new = IdeaStatus.NEW if idea.status is wanted else wanted
        self.post_message(self.SetStatus(idea.id, new))

    def action_mark(self) -> None:
        if (idea := self.current) is not None:
            self.marked_id = None if self.marked_id == idea.id else idea.id
            self.show_ideas(self.ideas, select=idea.id)

    def action_merge(self) -> None:
        if (idea := self.current) is None:
            return
        target = merge_target(self.ideas, self.cursor_row, self.marked_id)
        if target is None:
            self.notify("Nothing to merge into: mark an idea with space first.")
            return
        self.post_message(self.Merge(idea.id, target.id))

    def action_move(self, step: int) -> None:
        if (idea := self.current) is not None:
            self.post_message(self.Move(idea.id, step))

    def action_branch(self) -> None:
        if (idea := self.current) is not None:
            self.post_message(self.Branch(idea.id))

    def action_tags(self) -> None:
        if (idea := self.current) is not None:
            self.post_message(self.EditTags(idea.id))
