"""The model's structure critique of a draft, streamed in as Markdown, with how it was made.

Text arrives through `Markdown.get_stream()` so a long critique is never re-rendered per token.
The status line says which route and model answered (and why, when deep was unavailable),
and how the critique ended.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream


class CritiquePanel(VerticalScroll):
    DEFAULT_CSS = """
    CritiquePanel {
        height: 2fr;
        border-top: solid $border-blurred;
        border-title-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    CritiquePanel:focus-within { border-top: solid $border; }
    CritiquePanel > .status { color: $text-muted; height: auto; }
    CritiquePanel.-failed > .status { color: $error; }
    CritiquePanel > Markdown { margin: 0; padding: 0; background: $surface; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.status = Static("", classes="status", markup=False)
        self.body = Markdown("")
        self._stream: MarkdownStream | None = None
        self.text = ""
        self.heading = ""

    def compose(self) -> ComposeResult:
        yield self.status
        yield self.body

    async def start(self, heading: str) -> None:
        """An empty panel for a new critique; `heading` says route, model and any fallback."""
        await self._stop_stream()
        self.text = ""
        self.remove_class("-failed")
        self.border_title = "Critique · streaming…"
        self.heading = heading
        self.status.update(heading)
        await self.body.update("")

    async def append(self, text: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self.body)
        self.text += text
        await self._stream.write(text)
        self.scroll_end(animate=False)

    async def finish(self, status: str, note: str = "") -> None:
        await self._stop_stream()
        self.set_class(status == "failed", "-failed")
        self.border_title = f"Critique · {status}"
        if note:
            self.status.update(f"{self.heading} · {note}")

    async def show(self, heading: str, content: str, status: str, note: str = "") -> None:
        """A stored critique, as it was left."""
        await self._stop_stream()
        self.text = content
        self.set_class(status == "failed", "-failed")
        self.border_title = f"Critique · {status}"
        self.heading = heading
        self.status.update(heading + (f" · {note}" if note else ""))
        await self.body.update(content)

    async def _stop_stream(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
