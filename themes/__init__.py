"""aha's colour themes, registered through Textual's Theme API (never hard-coded colours)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import App

AHA_DARK = Theme(
    name="aha-dark",
    primary="#7AA2F7",
    secondary="#BB9AF7",
    accent="#E0AF68",
    foreground="#C0CAF5",
    background="#16161E",
    surface="#1A1B26",
    panel="#24283B",
    success="#9ECE6A",
    warning="#E0AF68",
    error="#F7768E",
    dark=True,
    variables={
        "route-fast": "#73DACA",
        "route-deep": "#BB9AF7",
        "footer-key-foreground": "#7AA2F7",
    },
)

AHA_LIGHT = Theme(
    name="aha-light",
    primary="#2E5CB8",
    secondary="#7847BD",
    accent="#B15C00",
    foreground="#24292F",
    background="#FAFAF7",
    surface="#F2F1EC",
    panel="#E6E4DC",
    success="#2F7D32",
    warning="#B15C00",
    error="#C62828",
    dark=False,
    variables={
        "route-fast": "#00796B",
        "route-deep": "#7847BD",
        "footer-key-foreground": "#2E5CB8",
    },
)

THEMES: tuple[Theme, ...] = (AHA_DARK, AHA_LIGHT)
DEFAULT_THEME = AHA_DARK.name
# Variables aha's CSS uses; every theme (including Textual's built-ins) gets these defaults.
VARIABLE_DEFAULTS = {"route-fast": "#26A69A", "route-deep": "#AB47BC"}


def register_themes(app: App[Any]) -> None:
    for theme in THEMES:
        app.register_theme(theme)
