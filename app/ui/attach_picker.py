"""The `@` picker: files under the current directory, recent attachments, drafts and
brainstorms, fuzzy-matched as you type; Enter attaches the highlighted one."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from app.attach_sources import Source, sources
from app.sanitize import one_line
from storage import Store

SHOWN = 60
"""Matches listed at most; the best come first, so more would only be scrolled past."""
MARKS = {"file": "  ", "recent": "↺ ", "draft": "✎ ", "brainstorm": "✦ "}
KIND_NAMES = {"file": "", "recent": "recent", "draft": "draft", "brainstorm": "brainstorm"}


class AttachPicker(ModalScreen[Source | None]):
    """Returns the chosen source, or None (Escape)."""

    DEFAULT_CSS = """
    AttachPicker {
        align: center top;
        background: $background 60%;
    }
    AttachPicker > Vertical {
        width: 90%;
        max-width: 100;
        height: 70%;
        margin-top: 2;
        border: thick $primary;
        background: $surface;
    }
    AttachPicker Input { margin: 0 0 1 0; }
    AttachPicker OptionList { height: 1fr; border: none; }
    AttachPicker .hint { color: $text-muted; height: 1; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="attach.close"),
        Binding("down", "focus_results", "Results", id="attach.results", show=False),
    ]

    def __init__(self, store: Store, root: Path) -> None:
        super().__init__()
        self.store = store
        self.root = root
        self.offered: list[Source] = []
        self.shown: list[Source] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(placeholder="Attach a file, a recent attachment, a draft or a brainstorm…")
            yield OptionList()
            yield Label(
                f"under {one_line(str(self.root), 60)} · ↓ results · Enter attach · Esc close",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.load_sources()

    @work(thread=True, exclusive=True, group="attach-sources", exit_on_error=False)
    def load_sources(self) -> None:
        """Listing a big folder takes a moment: off the event loop, then shown."""
        offered = sources(self.store, self.root)
        self.app.call_from_thread(self._loaded, offered)

    def _loaded(self, offered: list[Source]) -> None:
        self.offered = offered
        self._show(self.query_one(Input).value)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        if query.strip():
            matcher = Matcher(query.strip())
            scored = [(matcher.match(s.label), i, s) for i, s in enumerate(self.offered)]
            # Best match first; on a tie, the order sources() gave (recent before files).
            ranked = sorted((t for t in scored if t[0] > 0), key=lambda t: (-t[0], t[1]))
            self.shown = [s for _, _, s in ranked[:SHOWN]]
        else:
            self.shown = self.offered[:SHOWN]
        for index, source in enumerate(self.shown):
            line = Text(MARKS.get(source.kind, "  "))
            line.append(one_line(source.label, 90))
            if KIND_NAMES.get(source.kind):
                line.append(f"  {KIND_NAMES[source.kind]}", style="dim")
            results.add_option(Option(line, id=str(index)))
        if not self.shown:
            empty = "no matches" if query.strip() else "nothing to attach here"
            results.add_option(Option(Text(empty, style="dim"), disabled=True))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        results = self.query_one(OptionList)
        index = results.highlighted if results.highlighted is not None else 0
        if self.shown:
            self.dismiss(self.shown[min(index, len(self.shown) - 1)])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.shown[int(event.option.id)])

    def action_focus_results(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            results.focus()
            results.highlighted = 0

    def action_close(self) -> None:
        self.dismiss(None)
