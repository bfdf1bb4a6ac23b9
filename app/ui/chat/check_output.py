"""The output of an answer's last check (T on the answer): the tests that failed and why."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from storage.checks_repo import CheckRecord


class CheckOutputScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    CheckOutputScreen { align: center middle; background: $background 60%; }
    CheckOutputScreen > Vertical {
        width: 90%; height: 80%; border: thick $primary; background: $surface; padding: 0 1;
    }
    CheckOutputScreen .hint { color: $text-muted; height: 1; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close", id="check_output.close")]

    def __init__(self, check: CheckRecord) -> None:
        super().__init__()
        self.check = check

    def compose(self) -> ComposeResult:
        check = self.check
        total = check.passed + check.failed
        seconds = f" · {check.seconds:.1f} s" if check.seconds is not None else ""
        sandbox = "sandboxed" if check.sandboxed else "NOT sandboxed (allowed for this answer)"
        with Vertical():
            yield Static(
                f"tests: {check.status} · {check.passed}/{total} passed{seconds} · round "
                f"{check.round} · {sandbox}",
                markup=False,
            )
            with VerticalScroll():
                yield Static(check.output or "(no output)", markup=False)
            yield Static("Escape closes", classes="hint", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
