"""Full-text search over every conversation: hits as you type, Enter opens one."""

from __future__ import annotations

import re
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from app.sanitize import one_line
from app.ui.context import AhaContext
from storage.search_repo import MARK_CLOSE, MARK_OPEN, SearchHit

# Waiting this long after the last keystroke keeps typing smooth on a large database.
DEBOUNCE_S = 0.12
_MARK = re.compile(f"{MARK_OPEN}([^{MARK_OPEN}{MARK_CLOSE}]*){MARK_CLOSE}")


def snippet_text(snippet: str, highlight_style: str) -> Text:
    """Show the snippet's marked hits highlighted."""
    text = Text()
    position = 0
    for match in _MARK.finditer(snippet):
        text.append(snippet[position : match.start()])
        text.append(match.group(1), style=highlight_style)
        position = match.end()
    text.append(snippet[position:])
    return text


def local_date(stamp: str) -> str:
    """The stored UTC timestamp as a local calendar date."""
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().date().isoformat()
    except ValueError:
        return stamp[:10]


class SearchScreen(ModalScreen[SearchHit | None]):
    """Returns the chosen message hit, or None; a draft hit opens the drafts screen."""

    DEFAULT_CSS = """
    SearchScreen {
        align: center top;
        background: $background 60%;
    }
    SearchScreen > Vertical {
        width: 90%;
        max-width: 120;
        height: 80%;
        margin-top: 2;
        border: thick $primary;
        background: $surface;
    }
    SearchScreen Input { margin: 0 0 1 0; }
    SearchScreen OptionList { height: 1fr; border: none; }
    SearchScreen .hint { color: $text-muted; height: 1; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="search.close"),
        Binding("down", "focus_results", "Results", id="search.results", show=False),
    ]

    def __init__(self, ctx: AhaContext, query: str = "") -> None:
        super().__init__()
        self.ctx = ctx
        self.initial_query = query
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(
                self.initial_query, placeholder="Search prompts, answers and drafts…", id="q"
            )
            yield OptionList(id="hits")
            yield Label("type to search · ↓ results · Enter open · Esc close", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#q", Input).focus()
        if self.initial_query:
            self.run_search(self.initial_query)

    @on(Input.Changed, "#q")
    def _changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    @work(exclusive=True, group="search", exit_on_error=False)
    async def run_search(self, query: str) -> None:
        import asyncio

        await asyncio.sleep(DEBOUNCE_S)  # a newer keystroke cancels this worker first
        self.hits = self.ctx.store.search(query, limit=50)
        self._show(query)

    def _show(self, query: str) -> None:
        results = self.query_one("#hits", OptionList)
        results.clear_options()
        style = f"bold {self.app.theme_variables.get('accent', 'yellow')}"
        for index, hit in enumerate(self.hits):
            line = Text()
            if hit.kind == "draft":
                line.append("✎ ", style="bold")
            line.append(one_line(hit.session_title) or "untitled", style="bold")
            line.append(f" · {hit.role} · {local_date(hit.created_at)}\n", style="dim")
            line.append_text(snippet_text(one_line(hit.snippet), style))
            results.add_option(Option(line, id=str(index)))
        if not self.hits and query.strip():
            results.add_option(Option(Text("no matches", style="dim"), disabled=True))

    @on(Input.Submitted, "#q")
    def _submitted(self) -> None:
        if self.hits:
            self._open(self.hits[0])

    @on(OptionList.OptionSelected, "#hits")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._open(self.hits[int(event.option.id)])

    def _open(self, hit: SearchHit) -> None:
        """A message hit goes back to the caller; a draft hit opens the drafts screen on it."""
        if hit.kind != "draft":
            self.dismiss(hit)
            return
        self.dismiss(None)
        self.ctx.nav.open_draft(hit.draft_id)

    def action_focus_results(self) -> None:
        results = self.query_one("#hits", OptionList)
        if results.option_count:
            results.focus()
            results.highlighted = 0

    def action_close(self) -> None:
        self.dismiss(None)
