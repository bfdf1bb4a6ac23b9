"""The one door to Textual's private parts.

aha's streaming Markdown engine (`widgets.markdown`) draws answers offstage with Textual's own
compositing and block widgets, which Textual does not expose publicly; a few other widgets need
one private call each. Every such name is used here and nowhere else (tests/unit/
test_textual_compat.py checks the rest of the code), so a Textual upgrade breaks one module,
and `fast_markdown_supported` says whether the Textual installed is the one this was written
against. When it is not, the answer view uses the stock `Markdown.get_stream()` path and the
calls below fall back to public ones (slower or coarser, never wrong).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from textual.geometry import Region, Size
from textual.message_pump import MessagePump
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Markdown, TextArea
from textual.widgets.markdown import MarkdownBlock

# The Textual release the private names below were read from (pyproject.toml pins it).
TESTED_TEXTUAL = "8.2.8"

try:
    from textual._compositor import Compositor
    from textual.widgets._markdown import (
        MarkdownBlockQuote,
        MarkdownBulletList,
        MarkdownHeader,
        MarkdownHorizontalRule,
        MarkdownList,
        MarkdownListItem,
        MarkdownOrderedList,
        MarkdownOrderedListItem,
        MarkdownParagraph,
        MarkdownTable,
    )

    PRIVATE_IMPORTS = True
except ImportError:  # a Textual that moved them: the stock path only
    PRIVATE_IMPORTS = False

if TYPE_CHECKING:
    from textual._arrange import DockArrangeResult as ArrangeResult
    from textual.content import Content

__all__ = [
    "TESTED_TEXTUAL",
    "ArrangeResult",
    "MarkdownBlockQuote",
    "MarkdownBulletList",
    "MarkdownHeader",
    "MarkdownHorizontalRule",
    "MarkdownList",
    "MarkdownListItem",
    "MarkdownOrderedList",
    "MarkdownOrderedListItem",
    "MarkdownParagraph",
    "MarkdownTable",
    "blocks_in",
    "drop_parsed_head",
    "draw_alone",
    "fast_markdown_supported",
    "paragraph_content",
    "queued_messages",
    "refresh_scroll",
    "render_strips",
    "rewrap_text_area",
    "textual_version",
]

# What the fast engine touches, by owner: checked once, so that a Textual of the same number
# with a changed shape (a patched build) falls back too.
_WIDGET_NAMES = ("_size_updated", "_size", "_container_size")
_COMPOSITOR_NAMES = ("_full_map", "_visible_widgets", "_layers", "_layers_visible", "_cuts")
_MARKDOWN_NAMES = ("_markdown", "_last_parsed_line", "_table_of_contents")


def textual_version() -> str:
    try:
        return version("textual")
    except PackageNotFoundError:
        return "unknown"


@cache
def fast_markdown_supported() -> str | None:
    """None when the fast engine can run on this Textual; else why not, in a few words."""
    found = textual_version()
    if found != TESTED_TEXTUAL:
        return f"Textual {found} (fast Markdown is written against {TESTED_TEXTUAL})"
    if not PRIVATE_IMPORTS:
        return "Textual's compositor or Markdown blocks moved"
    compositor = Compositor()
    markdown = Markdown("")
    missing = [
        name
        for owner, names in (
            (markdown, _WIDGET_NAMES),
            (compositor, _COMPOSITOR_NAMES),
            (markdown, _MARKDOWN_NAMES),
        )
        for name in names
        if not hasattr(owner, name)
    ]
    if not hasattr(Widget, "_refresh_scroll"):
        missing.append("_refresh_scroll")
    if missing:
        return "Textual's internals changed: " + ", ".join(missing)
    return None


# Drawing a widget apart from the screen -------------------------------------------------------


def render_strips(widget: Widget) -> list[Strip] | None:
    """What `widget` and everything in it shows, line by line, at its current size: the same
    compositing the screen does, run on this widget alone."""
    size = widget.outer_size
    if not size.area:
        return None
    compositor = Compositor()
    compositor.reflow(widget, size)
    strips: list[Strip] = compositor.render_strips(size)
    return strips


@contextmanager
def _placed_by(widget: Widget, compositor: Any) -> Iterator[None]:
    """While a private layout draws: the screen says where the widgets it placed are (a
    widget asks its screen for its region while it draws), and nothing else changes."""
    screen = widget.screen
    find_widget = screen.find_widget

    def find(target: Widget) -> Any:
        geometry = compositor._full_map.get(target)
        return geometry if geometry is not None else find_widget(target)

    screen.find_widget = find  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        del screen.find_widget


def draw_alone(
    widget: Widget, width: int, room: int
) -> tuple[list[Strip], Mapping[Widget, Region]]:
    """`widget` laid out `width` cells wide with `room` rows below (its blocks are all
    `height: auto`, so one pass places them), given its natural height, and drawn: the lines,
    and where each widget went. Runs synchronously, so nothing else sees the screen's answer
    to `find_widget` change."""
    compositor = Compositor()
    with _placed_by(widget, compositor):
        compositor.reflow(widget, Size(width, room))
        placed = compositor._full_map
        bottoms = [
            geometry.region.bottom + child.styles.margin.bottom
            for child in widget.children
            if (geometry := placed.get(child)) is not None
        ]
        height = max(bottoms, default=0) + widget.styles.gutter.bottom
        if height <= 0:
            return [], {}
        size = Size(width, height)
        region = size.region
        placed[widget] = placed[widget]._replace(
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
        # What the screen does after its own layout: each widget learns its size. Unchanged
        # sizes are skipped: the call would drop the widget's cached layout.
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
        strips: list[Strip] = compositor.render_strips(size)
        regions = {placed_widget: geometry.region for placed_widget, geometry in placed.items()}
    return strips, regions


# Markdown's insides -----------------------------------------------------------------------------


def blocks_in(block: MarkdownBlock) -> list[MarkdownBlock]:
    """The blocks a Markdown block holds before they are mounted (a list's items, an item's
    paragraphs): the list itself, so a caller may take them."""
    blocks: list[MarkdownBlock] = block._blocks
    return blocks


def paragraph_content(block: MarkdownBlock) -> Content:
    """A paragraph's text with its inline styles."""
    content: Content = block._content
    return content


def drop_parsed_head(markdown: Markdown, chars: int, lines: int) -> None:
    """`markdown` has shed its first blocks (`chars` of its text, `lines` lines): it now holds
    what follows, as if given just that text, so its incremental append goes on from there."""
    markdown._markdown = markdown._markdown[chars:]
    markdown._last_parsed_line -= lines
    markdown._table_of_contents = None


# Smaller calls, each with a public fallback ------------------------------------------------------


def queued_messages(pump: MessagePump | None) -> tuple[object, ...]:
    """Messages waiting for `pump`, the one it has taken out early included (Textual has no
    public way to peek): empty where its queue is not shaped as expected."""
    if pump is None:
        return ()
    queued = getattr(getattr(pump, "_message_queue", None), "values", ())
    pending = getattr(pump, "_pending_message", None)
    try:
        return (pending, *queued)
    except TypeError:
        return ()


def refresh_scroll(widget: Widget) -> None:
    """Have the screen place `widget`'s content at its new scroll offset in the next update
    (set outside a screen update, as a layout pass does)."""
    private = getattr(widget, "_refresh_scroll", None)
    if callable(private):
        private()
    else:
        widget.refresh(layout=True)


def rewrap_text_area(area: TextArea) -> None:
    """Wrap `area`'s lines again at its current width."""
    private = getattr(area, "_rewrap_and_refresh_virtual_size", None)
    if callable(private):
        private()
    else:  # the public way round: the soft-wrap watcher wraps again
        wrap = area.soft_wrap
        area.soft_wrap = not wrap
        area.soft_wrap = wrap
