"""The end of an answer while it streams: one open block, drawn offstage, and the lines that
every block before it drew.

New text goes to a stock `Markdown` (lists drawn by one widget each: `widgets.markdown.flat_lists`)
through its own incremental `append`. That widget lives offstage (see `widgets.markdown.offstage`):
styled in place but never laid out by the screen, it is drawn into lines, and a leaf widget
shows them. As soon as a block is followed by another, it is complete (only the last block of a
text can still change as text arrives): the lines it drew are frozen into a second leaf, and the
block leaves the widget. Drawing goes in rounds of a few blocks (DRAW_WIDGETS), so each block is
laid out and drawn about once and no round holds the event loop for long, however long the
answer or however much text a step brought.

The frozen lines end where the last frozen block does; the gap below it is drawn with the open
block, as the larger of the two blocks' margins, as inside one widget (the open block can still
change kind, and so margin, as a paragraph does when it turns out to be a heading).

Exactness: frozen blocks must be what a whole parse makes. The stock incremental append can
leave a block as it first guessed it (a list numbered or a table read as a paragraph differently
from a whole parse); when the blocks before the open one are not what a whole parse of their
text makes (kinds or starting lines differ), the widget is rebuilt from its text in one append,
which is a whole parse. A link reference definition (`[x]: url`) reaches across blocks, so once
one appears nothing more freezes, and the answer is shown from its whole text when it ends (as
it is when even a whole parse makes blocks that do not match, such as raw HTML).
"""

from __future__ import annotations

from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from widgets.markdown.flat_lists import FlatMarkdown
from widgets.markdown.input_first import let_input_through
from widgets.markdown.offstage import Drawing, Offstage, draw
from widgets.markdown.segments import line_offset, parser, top_blocks
from widgets.markdown.settled_lines import SettledSegment, blocks_agree, blocks_match
from widgets.markdown.stream import CollectorPause
from widgets.textual_compat import drop_parsed_head

# Widgets laid out and drawn in one round (a flat list is one, a stock list item four, a table
# cell one): blocks past this wait for the next round, so a round's work is bounded by it, not
# by how much text a step brought. Two blocks at least, so that each round freezes one.
DRAW_WIDGETS = 16


def _round_size(blocks: list[MarkdownBlock]) -> int:
    """How many of `blocks` to draw in one round (see DRAW_WIDGETS)."""
    widgets = 0
    for count, block in enumerate(blocks):
        widgets += 1 + sum(1 for _ in block.walk_children())
        if widgets > DRAW_WIDGETS and count >= 2:
            return count
    return len(blocks)


def blocks_of(markdown: Markdown) -> list[MarkdownBlock]:
    """The blocks `markdown` shows (frozen ones may linger, hidden, until pruned)."""
    return [
        child for child in markdown.children if isinstance(child, MarkdownBlock) and child.display
    ]


class LiveTail:
    """The streaming end of an answer (see the module docstring). `given` is how much of the
    answer's tail text it has; `text` is passed in by its owner, which keeps the text."""

    def __init__(self) -> None:
        self.offstage = Offstage()
        self.markdown: Markdown = FlatMarkdown()
        self.frozen = SettledSegment([], 0)
        self.lines = SettledSegment([], 0)
        self.given = 0
        self._start = 0  # where the offstage widget's text starts in the tail text
        self._froze = False
        self._margin_below = 0  # the last frozen block's bottom margin
        self._gap_row: Strip | None = None  # a blank row of the gap below it
        self._rebuilt_at: int | None = None
        self.unfreezable = False  # link references, or blocks no whole parse agrees with
        self._parser = parser()

    async def mount(self, host: Widget, before: Widget) -> None:
        await host.mount_all([self.frozen, self.lines], before=before)
        await host.mount(self.offstage)
        await self.offstage.mount(self.markdown)

    @property
    def widgets(self) -> list[Widget]:
        return [self.frozen, self.lines, self.offstage]

    async def take(self, text: str) -> None:
        """Give the offstage widget what it has not had of `text` (the whole tail text)."""
        if len(text) > self.given:
            await self.markdown.append(text[self.given :])
            self.given = len(text)

    async def draw(self, text: str, width: int) -> None:
        """Draw what the offstage widget holds at `width`, a few blocks at a time; blocks
        before the open one freeze."""
        while True:
            blocks = blocks_of(self.markdown)
            # Blocks past the first few wait, hidden from the layout, for the next round: one
            # round's work stays small however much text a step brought.
            later = [] if self.unfreezable else blocks[_round_size(blocks) :]
            for block in later:
                block.display = False
            try:
                drawing = draw(self.markdown, width)
            finally:
                for block in later:
                    block.display = True
            if drawing is None:
                return  # not laid out yet: the first resize draws it
            if self.frozen.rendered_width != width:
                self.frozen.show(self.frozen.strips, width)
            drawn = blocks[: len(blocks) - len(later)]
            # With blocks waiting, every block drawn is complete; else the last is still open.
            head, after = (drawn, later[:1]) if later else (drawn[:-1], drawn[-1:])
            if head and after and not self.unfreezable:
                shown = await self._freeze(text, head, after[0], drawing)
            else:
                shown = self._shown(drawing)
            self.lines.show(shown, width)
            if not later:
                return
            await let_input_through(self.markdown)  # a key pressed meanwhile goes first

    def _shown(self, drawing: Drawing) -> list[Strip]:
        """A drawing's rows as they show below the frozen lines: the gap between the last
        frozen block and the first block here is the larger of the two blocks' margins, as
        inside one widget (the first block may have changed kind, and margin, since)."""
        if not self._froze:
            return drawing.strips
        blocks = blocks_of(self.markdown)
        top = (drawing.top(blocks[0]) if blocks else None) or 0
        row = self._gap_row if self._gap_row is not None else drawing.strips[0] if top else None
        lead = [row] * max(self._margin_below, top) if row is not None else []
        return lead + drawing.strips[top:]

    async def _freeze(
        self, text: str, head: list[MarkdownBlock], after: MarkdownBlock, drawing: Drawing
    ) -> list[Strip]:
        """The `head` blocks, complete since `after` follows them: their lines join the frozen
        lines and they leave. Returns what the tail shows now."""
        own = text[self._start :]
        lines = after.source_range[0]
        cut = line_offset(own, lines)
        head_text = own[:cut]
        found, references = top_blocks(head_text, self._parser)
        if references:
            self.unfreezable = True  # a link reference definition
            return self._shown(drawing)
        bottom = drawing.bottom(head[-1])
        if bottom is None or not blocks_agree(head, found):
            if self._rebuilt_at == self._start + cut:
                self.unfreezable = True  # even a whole parse disagrees: stop trying
                return self._shown(drawing)
            self._rebuilt_at = self._start + cut
            return self._shown(await self._rebuild(text, drawing))
        shown = self._shown(drawing)
        # The frozen lines end where the last frozen block does; the gap below it is drawn
        # with the block after it, whose margin may still change (it may be the open one).
        rows = len(shown) - (len(drawing.strips) - bottom)
        self.frozen.extend(shown[:rows])
        self._margin_below = head[-1].styles.margin.bottom
        top = drawing.top(after)  # None when `after` waits, hidden, for the next round
        gap = bottom < len(drawing.strips) and (top is None or top > bottom)
        self._gap_row = drawing.strips[bottom] if gap else None
        markdown = self.markdown
        for block in head:
            block.display = False  # out of every layout now; pruned in the background
        markdown.remove_children(head)
        # The widget now holds what follows, as if it had been given just that text.
        drop_parsed_head(markdown, cut, lines)
        for block in blocks_of(markdown):
            start, end = block.source_range
            block.source_range = (start - lines, end - lines)
        self._start += cut
        self._froze = True
        CollectorPause.checkpoint()
        return shown[rows:]

    async def _rebuild(self, text: str, drawing: Drawing) -> Drawing:
        """The incremental blocks differ from a whole parse: parse the widget's text whole (a
        single append parses all it is given) and draw it again."""
        fresh = FlatMarkdown()
        await self.offstage.mount(fresh)
        await fresh.append(text[self._start : self.given])
        await self.markdown.remove()
        self.markdown = fresh
        redrawn = draw(fresh, drawing.width)
        return redrawn if redrawn is not None else drawing

    async def finish(self, text: str, width: int) -> list[Strip] | None:
        """All of the answer's tail text as lines at `width`, exactly as a whole parse shows
        them; None when that cannot be drawn here (not laid out yet, or nothing could freeze)."""
        await self.take(text)
        if self.unfreezable or width <= 0:
            return None
        own = text[self._start :]
        if not blocks_match(blocks_of(self.markdown), own, self._parser):
            await self.markdown.update(own)
        drawing = draw(self.markdown, width)
        if drawing is None or self.frozen.rendered_width not in (width, 0):
            return None
        return self.frozen.strips + self._shown(drawing)
