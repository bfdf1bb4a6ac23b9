"""The stock answer view: Textual's own `Markdown` fed through `Markdown.get_stream()`.

What the answer view falls back to when the fast engine cannot run (a Textual it was not
written against: `widgets.textual_compat`) or is turned off (`[ui] fast_markdown = false`).
It shows exactly what the fast engine shows, and slows down as a long answer grows (every
frame lays out every block of it).
"""

from __future__ import annotations

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream


class StockAnswerMarkdown(Markdown):
    """An answer's Markdown on the stock path; `stream()` gives its writer."""

    def __init__(self, markdown: str = "") -> None:
        super().__init__(markdown)
        # An answer has no use for a table of contents; the stock widget posts one after
        # every append, up to the app.
        self.disable_messages(Markdown.TableOfContentsUpdated)

    def stream(self) -> MarkdownStream:
        return Markdown.get_stream(self)
