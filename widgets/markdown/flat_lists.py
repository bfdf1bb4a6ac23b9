"""Markdown lists drawn by one widget, line for line as Textual's stock list widgets draw them.

A stock list is a widget per list, and per item three more (a row, its bullet and a column)
around a widget per paragraph: the lists of a long answer are most of its widgets, and mounting
and laying out widgets is most of what drawing an answer costs. A list whose items hold only
paragraphs and lists like it (most lists) is drawn here by the list widget alone: each item is
its bullet, then its paragraphs and nested lists drawn in the width left beside the bullet,
with the styles the stock widgets would have (a bullet's colour, a paragraph's text and inline
code), so the lines are the stock ones. Any other list (a code block, a table or a quote in an
item) is left to the stock widgets.

`FlatMarkdown` is the stock `Markdown` with these lists. It draws what becomes lines: an
answer's streaming tail, offstage (`widgets.markdown.live_tail`), and a stored answer's
segments until they settle (`widgets.markdown.engine`). tests/pilot/test_flat_lists.py
compares its drawings with the stock ones, line by line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style as RichStyle
from textual.app import ComposeResult
from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from widgets.textual_compat import (
    MarkdownBulletList,
    MarkdownList,
    MarkdownListItem,
    MarkdownOrderedList,
    MarkdownOrderedListItem,
    MarkdownParagraph,
    blocks_in,
    paragraph_content,
)

# The component class that carries a bullet's style: the stock bullet widget's CSS.
BULLET = "flat-list--bullet"


def bullet_css(name: str) -> str:
    """CSS giving a flat list's bullets the stock bullet widget's colours."""
    return (
        f"{name} > .{BULLET} {{ color: $text-primary; }}\n"
        f"{name}:light > .{BULLET} {{ color: $text-secondary; }}\n"
    )


def is_flat(block: MarkdownBlock) -> bool:
    """Whether a list's items all hold paragraphs and lists like it, and nothing else."""
    if not blocks_in(block):
        return False
    for item in blocks_in(block):
        if not isinstance(item, MarkdownListItem) or not blocks_in(item):
            return False
        for child in blocks_in(item):
            if isinstance(child, MarkdownList):
                if not is_flat(child):
                    return False
            elif type(child) is not MarkdownParagraph:
                return False
    return True


def symbols(block: MarkdownBlock, items: list[MarkdownBlock]) -> list[str]:
    """Each of a list's `items`' bullet, as the stock list widgets write them."""
    if not isinstance(block, MarkdownOrderedList):
        return [item.bullet for item in items if isinstance(item, MarkdownListItem)]
    start = 1
    if items and isinstance(items[0], MarkdownOrderedListItem):
        try:
            start = int(items[0].bullet)
        except ValueError:
            pass
    numbers = [f"{number}. " for number in range(start, start + len(items))]
    size = max(len(number) for number in numbers)
    return [number.rjust(size + 1) for number in numbers]


if TYPE_CHECKING:
    _Widget = MarkdownList  # what the drawing is mixed into, for the type checker
else:
    _Widget = object


class _FlatDrawing(_Widget):
    """What both flat lists share: the drawing (see the module docstring). Not a widget class
    itself, so that Textual takes the stock list class as the flat list's CSS base (it follows
    a widget class's first widget base), and the stock list CSS applies unchanged."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._items: list[MarkdownBlock] = []
        self._flat = False
        self._drawn: tuple[int, list[Strip]] | None = None

    def compose(self) -> ComposeResult:
        self._flat = is_flat(self)
        if not self._flat:
            yield from super().compose()
            return
        blocks = blocks_in(self)
        self._items = list(blocks)
        blocks.clear()

    def notify_style_update(self) -> None:
        self._drawn = None  # a theme change: colours differ
        super().notify_style_update()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self._flat:
            return super().get_content_height(container, viewport, width)
        return len(self._lines(width))

    def render_line(self, y: int) -> Strip:
        if not self._flat:
            return super().render_line(y)
        width = self.size.width
        lines = self._lines(width)
        return lines[y] if y < len(lines) else Strip.blank(width, self._inner())

    def _inner(self) -> RichStyle:
        """The style of the blank space behind text, as the stock widgets pad lines."""
        base, background = self.background_colors
        return Style(background=base + background).rich_style

    def _lines(self, width: int) -> list[Strip]:
        if self._drawn is None or self._drawn[0] != width:
            self._drawn = (width, self._draw(self._items, symbols(self, self._items), width))
        return self._drawn[1]

    def _draw(self, items: list[MarkdownBlock], bullets: list[str], width: int) -> list[Strip]:
        """The lines of a list's `items` at `width`: each item's bullet, and beside it its
        paragraphs and nested lists, one under the other with no gap (stock nested blocks
        have no margins)."""
        bullet_style = self.get_visual_style(BULLET)
        blank_style = bullet_style.rich_style
        inner = self._inner()
        lines: list[Strip] = []
        for item, symbol in zip(items, bullets, strict=True):
            symbol_width = Content(symbol).cell_length
            room = max(1, width - symbol_width)
            column: list[Strip] = []
            for child in blocks_in(item):
                if isinstance(child, MarkdownList):
                    items_below = blocks_in(child)
                    column += self._draw(items_below, symbols(child, items_below), room)
                else:
                    column += [
                        strip.adjust_cell_length(room, inner)
                        for strip in Visual.to_strips(
                            self, paragraph_content(child), room, None, self.visual_style
                        )
                    ]
            mark = Visual.to_strips(self, Content(symbol), symbol_width, 1, bullet_style)[0]
            blank = Strip.blank(symbol_width, blank_style)
            for row, line in enumerate(column):
                lines.append(Strip.join([mark if row == 0 else blank, line]))
        return lines


class FlatBulletList(_FlatDrawing, MarkdownBulletList):
    """A bullet list drawn by one widget when it can be (see the module docstring)."""

    DEFAULT_CSS = bullet_css("FlatBulletList")
    COMPONENT_CLASSES = MarkdownBlock.COMPONENT_CLASSES | {BULLET}


class FlatOrderedList(_FlatDrawing, MarkdownOrderedList):
    """An ordered list drawn by one widget when it can be (see the module docstring)."""

    DEFAULT_CSS = bullet_css("FlatOrderedList")
    COMPONENT_CLASSES = MarkdownBlock.COMPONENT_CLASSES | {BULLET}


class FlatMarkdown(Markdown):
    """The stock `Markdown` widget, with lists drawn by one widget each where they can be.

    It posts no table of contents: an answer has no use for one, and the stock widget posts it
    after every append, up to the app, where handling it held up keys typed while an answer
    streamed."""

    BLOCKS = {
        **Markdown.BLOCKS,
        "bullet_list_open": FlatBulletList,
        "ordered_list_open": FlatOrderedList,
    }

    def __init__(self, markdown: str | None = None) -> None:
        super().__init__(markdown)
        self.disable_messages(Markdown.TableOfContentsUpdated)
