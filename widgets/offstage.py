"""Widgets the screen never lays out or draws, laid out and drawn into lines on demand.

A streaming answer's open tail changes many times a second. On screen, every change makes the
screen lay out and draw the tail's blocks again (a stock list item is four widgets, a table cell
one), which on slow cores is most of what a long answer costs. Here the tail's stock `Markdown`
lives in an `Offstage` container (`display: none`): it is mounted and styled like any widget,
with its real ancestors (so colours and CSS rules come out as they would on screen), but the
screen skips it. `draw` lays it out and draws it with a private copy of the screen's own
compositing (Textual's `Compositor`), and a leaf widget shows the lines.

The one thing a widget asks its screen while it draws is where it is (`Widget.region`, from which
its size follows). While `draw` runs, and only then, the screen answers that from the private
layout for the widgets it placed (`_placed`); it runs synchronously, so nothing else sees it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from textual._compositor import Compositor, MapGeometry
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class Offstage(Widget):
    """Holds widgets that are drawn into lines rather than shown (see the module docstring)."""

    DEFAULT_CSS = "Offstage { display: none; height: auto; }"


class Drawing:
    """What `draw` made: the lines, and where each widget was placed (for cutting lines)."""

    def __init__(self, strips: list[Strip], placed: dict[Widget, MapGeometry], width: int) -> None:
        self.strips = strips
        self.width = width
        self._placed = placed

    def top(self, widget: Widget) -> int | None:
        """The line `widget` starts on, or None when it was not drawn."""
        geometry = self._placed.get(widget)
        return None if geometry is None else geometry.region.y

    def bottom(self, widget: Widget) -> int | None:
        """The line below `widget` (its margin not included), or None when it was not drawn."""
        geometry = self._placed.get(widget)
        return None if geometry is None else geometry.region.bottom


@contextmanager
def _placed(widget: Widget, compositor: Compositor) -> Iterator[None]:
    """Let the screen say where widgets the private layout placed are (and nothing else)."""
    screen = widget.screen
    find_widget = screen.find_widget

    def find(target: Widget) -> MapGeometry:
        geometry = compositor._full_map.get(target)
        return geometry if geometry is not None else find_widget(target)

    screen.find_widget = find  # type: ignore[method-assign]
    try:
        yield
    finally:
        del screen.find_widget


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
    compositor = Compositor()
    with _placed(widget, compositor):
        compositor.reflow(widget, Size(width, ROOM))
        placed = compositor._full_map
        bottoms = [
            geometry.region.bottom + child.styles.margin.bottom
            for child in widget.children
            if (geometry := placed.get(child)) is not None
        ]
        height = max(bottoms, default=0) + widget.styles.gutter.bottom
        if height <= 0:
            return Drawing([], {}, width)
        # The widget itself takes its natural height, as the screen would give it.
        size = Size(width, height)
        region = size.region
        root = placed[widget]
        placed[widget] = root._replace(
            region=region,
            clip=region,
            container_size=region.shrink(widget.styles.gutter).size,
            virtual_region=region,
        )
        compositor.size = size
        compositor._visible_widgets = None
        compositor._layers = None
        compositor._layers_visible = None
        compositor._cuts = None
        # What the screen does after its own layout: each widget learns its size.
        # Unchanged sizes are skipped: the call would drop the widget's cached layout.
        for widget_placed, geometry in placed.items():
            size_now = geometry.region.size
            if (
                widget_placed._size != size_now
                or widget_placed.virtual_size != geometry.virtual_size
                or widget_placed._container_size != geometry.container_size
            ):
                widget_placed._size_updated(
                    size_now, geometry.virtual_size, geometry.container_size
                )
        strips = compositor.render_strips(size)
    return Drawing(strips, dict(placed), width)
