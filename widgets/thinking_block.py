"""The model's thinking: a collapsible block whose title counts the seconds.

Streaming cost, and why it is built this way: a single `Static` updated with the whole text per
token re-wraps everything each time, O(n²) over a long chain of thought. Here finished
paragraphs become `Static`s of their own, rendered once and never touched again; only the open
paragraph at the end is re-rendered, and tokens are batched for `FLUSH_S` before that happens.
Each flush costs the length of one paragraph, so the total stays linear. A paragraph with no
blank line for `MAX_TAIL` characters is closed at its last line break (or space) so a model
that never writes blank lines cannot bring the quadratic cost back. Unlike Textual's `Log`
(which appends cheaply but never wraps lines), every piece wraps to the width and re-wraps on
resize. The text is plain, not Markdown: it is scratch work, and parsing it would only cost time.
"""

from __future__ import annotations

from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Collapsible, Static

FLUSH_S = 0.08
MAX_TAIL = 2000


class ThinkingBlock(Collapsible):
    """Thoughts streamed in with `append`; the owner sets the title (`Thinking… 3.2 s`)."""

    DEFAULT_CSS = """
    ThinkingBlock {
        margin: 0;
        padding: 0 0 0 1;
        background: transparent;
        border-top: none;
    }
    ThinkingBlock Contents { padding: 0 0 0 2; }
    ThinkingBlock .thoughts { height: auto; }
    ThinkingBlock .thought { color: $text-muted; height: auto; }
    ThinkingBlock .thought.-paragraph { margin-bottom: 1; }
    """

    def __init__(self, text: str = "", title: str = "Thinking…", collapsed: bool = False) -> None:
        self._tail = Static("", classes="thought", markup=False)
        self._body = Vertical(self._tail, classes="thoughts")
        super().__init__(self._body, title=title, collapsed=collapsed)
        self._parts: list[str] = [text] if text else []
        self._pending: list[str] = [text] if text else []
        self._tail_text = ""
        self._timer: Timer | None = None

    @property
    def text(self) -> str:
        """Everything appended so far (shown or about to be)."""
        return "".join(self._parts)

    def on_mount(self) -> None:
        if self._pending:
            self.flush()

    def append(self, text: str) -> None:
        """Add thoughts; they appear within `FLUSH_S`, together with any that follow."""
        if not text:
            return
        self._parts.append(text)
        self._pending.append(text)
        if self._timer is None and self.is_mounted:
            self._timer = self.set_timer(FLUSH_S, self.flush)

    def flush(self) -> None:
        """Show what is pending now: close finished paragraphs, re-render the open one."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self._pending:
            return
        text = self._tail_text + "".join(self._pending)
        self._pending.clear()
        cut, paragraph = text.rfind("\n\n"), True
        if cut < 0 and len(text) > MAX_TAIL:
            cut, paragraph = max(text.rfind("\n"), text.rfind(" ")), False
        if cut > 0:
            done, text = text[:cut].rstrip("\n"), text[cut:].lstrip("\n" if paragraph else "")
            classes = "thought -paragraph" if paragraph else "thought"
            self._body.mount(Static(done, classes=classes, markup=False), before=self._tail)
        self._tail_text = text
        self._tail.update(text)
