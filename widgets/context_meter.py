"""One line under the prompt box: the tokens the next prompt will take against its window."""

from __future__ import annotations

from textual.widgets import Static

LEVELS = ("ok", "warn", "over")


class ContextMeter(Static):
    """Muted while there is room, warning colour past three quarters, error colour over."""

    DEFAULT_CSS = """
    ContextMeter {
        height: 1;
        margin: 0 2;
        color: $text-muted;
        text-align: right;
    }
    ContextMeter.-warn { color: $warning; }
    ContextMeter.-over { color: $error; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("", id=id, markup=False)
        self.level = "ok"

    def show(self, line: str, level: str) -> None:
        self.level = level
        for name in LEVELS:
            self.set_class(name == level and name != "ok", f"-{name}")
        self.update(line)
