"""The badge on every answer: route, model and the router's reason in a few words."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from app.sanitize import one_line


class RouteBadge(Static):
    DEFAULT_CSS = """
    RouteBadge {
        height: auto;
        color: $text-muted;
    }
    """

    def __init__(
        self,
        route: str,
        model: str,
        reasons: tuple[str, ...] = (),
        score: float | None = None,
        note: str | None = None,
    ) -> None:
        super().__init__(classes=f"-{route}")
        self.route = route
        self.model = model
        self.reasons = reasons
        self.score = score
        self.note = note

    def reroute(self, route: str, model: str, note: str | None) -> None:
        """Another route took over the answer (deep failed before any text arrived)."""
        self.set_class(False, f"-{self.route}")
        self.route, self.model, self.note = route, model, note
        self.set_class(True, f"-{route}")
        self.refresh()

    def render(self) -> Text:
        variables = self.app.theme_variables
        route_colour = variables.get(f"route-{self.route}", variables.get("primary", ""))
        text = Text()
        text.append(f" {self.route} ", style=f"bold reverse {route_colour}")
        text.append(f" {one_line(self.model, 200)}")
        if self.score is not None:
            text.append(f" · p(deep) {self.score:.2f}")
        if self.reasons:
            text.append(" · " + ", ".join(self.reasons[:2]))
        if self.note:
            text.append(f" · {one_line(self.note)}", style=variables.get("warning", "yellow"))
        return text
