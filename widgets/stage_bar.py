"""The brainstorm's stages in a row: done ones ticked, the one shown highlighted."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static


class StageBar(Static):
    DEFAULT_CSS = """
    StageBar {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    """

    def show(self, titles: Sequence[tuple[str, str]], done: set[str], current: str) -> None:
        """`titles`: (stage, title) in order; `done`: stages with an answer; `current`: shown."""
        text = Text()
        for number, (stage, title) in enumerate(titles, 1):
            if number > 1:
                text.append(" › ", style="dim")
            label = f"{number} {'✓' if stage in done else ' '}{title}"
            if stage == current:
                text.append(f" {label} ", style="bold reverse")
            else:
                text.append(f" {label} ", style="" if stage in done else "dim")
        self.update(text)
