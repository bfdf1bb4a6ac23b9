"""Settled text as the lines it rendered, and the checks that make those lines exact.

A streamed answer's settled segments stop being widgets: each is kept as the lines Textual's
own compositing (its `Compositor`, run on that part alone: `widgets.textual_compat`) drew
for it, in a leaf widget that no layout walks again, and consecutive segments share one such
leaf (see `widgets.markdown.engine`).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from widgets.markdown.segments import Block, top_blocks
from widgets.textual_compat import (
    MarkdownBlockQuote,
    MarkdownBulletList,
    MarkdownHeader,
    MarkdownHorizontalRule,
    MarkdownOrderedList,
    MarkdownParagraph,
    MarkdownTable,
)


class SettledSegment(Widget):
    """A settled segment, as the lines its stock widgets rendered: one leaf widget that is
    never laid out again, however many blocks it shows."""

    DEFAULT_CSS = "SettledSegment { width: 1fr; height: auto; }"

    def __init__(self, strips: list[Strip], width: int) -> None:
        super().__init__()
        self.strips = strips
        self.rendered_width = width

    def extend(self, strips: list[Strip]) -> None:
        """Show `strips` below the lines already here: the next segment joins this widget
        rather than adding one, so a layout walks one widget however long the answer."""
        self.strips.extend(strips)
        self.refresh(layout=True)

    def show(self, strips: list[Strip], width: int) -> None:
        """Show `strips` instead of the lines here (the streaming tail's latest drawing)."""
        resized = len(strips) != len(self.strips)
        self.strips, self.rendered_width = strips, width
        self.refresh(layout=resized)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.strips)

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = [strip.crop(crop.x, crop.right) for strip in self.strips[crop.y : crop.bottom]]
        blank = Strip.blank(crop.width)
        return lines + [blank] * (crop.height - len(lines))

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        text = "\n".join(strip.text.rstrip() for strip in self.strips)
        return selection.extract(text), "\n"


# Textual's block widgets for each top-level token (subclasses, such as flat lists, count as
# their stock class); any other token counts as a mismatch.
BLOCK_CLASSES: dict[str, tuple[type[MarkdownBlock], ...]] = {
    "paragraph_open": (MarkdownParagraph,),
    "heading_open": (MarkdownHeader,),
    "bullet_list_open": (MarkdownBulletList,),
    "ordered_list_open": (MarkdownOrderedList,),
    "table_open": (MarkdownTable,),
    "fence": (MarkdownFence,),
    "code_block": (MarkdownFence,),
    "blockquote_open": (MarkdownBlockQuote,),
    "hr": (MarkdownHorizontalRule,),
}


def blocks_match(blocks: list[MarkdownBlock], text: str, md: MarkdownIt) -> bool:
    """Whether the tail's blocks, built by incremental appends, are the blocks a whole parse
    of `text` makes (the same kinds starting on the same lines): then they render as it does."""
    found, has_references = top_blocks(text, md)
    return not has_references and blocks_agree(blocks, found)


def blocks_agree(blocks: list[MarkdownBlock], found: list[Block]) -> bool:
    """Whether `blocks` are the `found` blocks of a whole parse: kinds and starting lines."""
    if len(found) != len(blocks):
        return False
    for block, want in zip(blocks, found, strict=True):
        if not isinstance(block, BLOCK_CLASSES.get(want.kind, ())):
            return False
        if block.source_range[0] != want.line:
            return False
    return True
