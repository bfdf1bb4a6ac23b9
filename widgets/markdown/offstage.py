"""Widgets the screen never lays out or draws, laid out and drawn into lines on demand.

A streaming answer's open tail changes many times a second. On screen, every change makes the
screen lay out and draw the tail's blocks again (a stock list item is four widgets, a table cell
one), which on slow cores is most of what a long answer costs. Here the tail's stock `Markdown`
lives in an `Offstage` container (`display: none`): it is mounted and styled like any widget,
with its real ancestors (so colours and CSS rules come out as they would on screen), but the
screen skips it. `draw` lays it out and draws it with a private copy of the screen's own
compositing (Textual's `Compositor`, through `widgets.textual_compat`), and a leaf widget shows
the lines.

The one thing a widget asks its screen while it draws is where it is (`Widget.region`, from which
its size follows). While `draw` runs, and only then, the screen answers that from the private
layout for the widgets it placed; it runs synchronously, so nothing else sees it.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from widgets.textual_compat import draw_alone


class Offstage(Widget):
    """Holds widgets that are drawn into lines rather than shown (see the module docstring)."""

    DEFAULT_CSS = "Offstage { display: none; height: auto; }"


class Drawing:
    """What `draw` made: the lines, and where each widget was placed (for cutting lines)."""

    def __init__(self, strips: list[Strip], placed: Mapping[Widget, Region], width: int) -> None:
        self.strips = strips
        self.width = width
        self._placed = placed

    def top(self, widget: Widget) -> int | None:
        """The line `widget` starts on, or None when it was not drawn."""
        region = self._placed.get(widget)
        return None if region is None else region.y

    def bottom(self, widget: Widget) -> int | None:
        """The line below `widget` (its margin not included), or None when it was not drawn."""
        region = self._placed.get(widget)
        return None if region is None else region.bottom


# The private layout is given this much room below: a streamed answer's blocks are all
# `height: auto`, so where each goes does not depend on the height the widget is given, and
# one pass lays them out (asking the widget's box model for its height first would lay them
# out twice). The widget's height is then where its last block ends, margin included.
ROOM = 1_000_000


def draw(widget: Widget, width: int) -> Drawing | None:
    """`widget` (inside an `Offstage`) laid out `width` cells wide at its natural height and
    drawn, as the screen would draw it there; None before it is mounted or when it is empty."""
    if not widget.is_mounted or width <= 0:
        return None
    strips, placed = draw_alone(widget, width, ROOM)
    return Drawing(strips, placed, width)
