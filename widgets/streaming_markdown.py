"""An answer's Markdown that stays fast however long it grows.

Textual's `Markdown.get_stream()` keeps one widget for the whole answer: every frame lays out
every block of it, so a long answer slows down and stalls the event loop (the user's typing
stutters). Here the answer is a column of stock `Markdown` widgets instead:

- settled segments: the text up to a cut (see `widgets.markdown_segments`), parsed whole once
  and never touched again;
- one open tail that takes new text through the stock incremental `Markdown.append`; once it
  holds enough complete blocks and has been laid out, the lines its blocks before a cut show
  become a settled segment and those blocks leave the tail, which keeps the rest (nothing is
  parsed or built twice). Where the incremental append left blocks other than a whole parse
  makes (kinds or starting lines differ), the settled text is built afresh instead, and when
  the answer ends the tail is parsed whole only then.

Each segment renders exactly what the same blocks render inside one widget (the cuts are only
where the gap between blocks comes out the same), so a finished answer looks as the stock widget
shows it; tests/snapshot/test_streaming_markdown.py compares the two screen by screen.

Once a settled segment has been laid out, it is swapped for the lines it rendered (the screen's
own compositing, Textual's private `Compositor`, run on that segment alone): one leaf widget with
a fixed height. Every layout
then walks the tail's few blocks and one widget per segment, so its cost stops growing with the
answer. A new width or theme renders the segments from their text again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock

from widgets.markdown_segments import parser, settled_cut, split_settled
from widgets.segment_stream import CollectorPause, SegmentStream
from widgets.settled_lines import SettledSegment, blocks_match, head_strips, render_strips

# The first cut waits for this many complete blocks: a cut costs about what a step does
# (drawing the lines, mounting them, removing the blocks), so a short answer is never cut and
# fills one stock widget. Later cuts come at SEGMENT_BLOCKS, keeping the tail (what every layout
# walks) small.
FIRST_SEGMENT_BLOCKS = 20
SEGMENT_BLOCKS = 6


@dataclass
class Segment:
    """Settled text, shown by a stock Markdown until it has been laid out once, then by the
    lines it rendered."""

    text: str
    widget: Markdown | SettledSegment


class StreamingMarkdown(Widget):
    """Markdown that takes streamed text fast; `source` is the whole text."""

    # The same box as Textual's Markdown, so the segments inside sit where its blocks would.
    DEFAULT_CSS = """
    StreamingMarkdown {
        height: auto;
        padding: 0 2 0 2;
        layout: vertical;
        color: $foreground;
        overflow-y: hidden;
    }
    StreamingMarkdown > Markdown {
        padding: 0;
        margin: 0;
    }
    """

    def __init__(
        self,
        markdown: str = "",
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._parser = parser()
        parts = split_settled(markdown) if markdown else [""]
        self._segments = [Segment(text, Markdown(text)) for text in parts[:-1]]
        self._tail_text = parts[-1]
        self._fed = len(self._tail_text)  # how much of _tail_text the tail widget has
        self._tail = Markdown(self._tail_text)
        self._lock = asyncio.Lock()

    # The text -----------------------------------------------------------------------------

    @property
    def source(self) -> str:
        return "".join(segment.text for segment in self._segments) + self._tail_text

    @property
    def segment_count(self) -> int:
        """Settled segments plus the tail (what a test checks the cutting by)."""
        return len(self._segments) + 1

    def compose(self) -> ComposeResult:
        for segment in self._segments:
            yield segment.widget
        yield self._tail

    def on_mount(self) -> None:
        self.screen.screen_layout_refresh_signal.subscribe(self, self._settle_renders)
        self.app.theme_changed_signal.subscribe(self, self._rebuild)

    async def update(self, markdown: str) -> None:
        """Show `markdown` instead of everything shown so far."""
        async with self._lock:
            parts = split_settled(markdown) if markdown else [""]
            old = list(dict.fromkeys(segment.widget for segment in self._segments))
            self._segments = [Segment(text, Markdown(text)) for text in parts[:-1]]
            self._tail_text = parts[-1]
            self._fed = len(self._tail_text)
            # No batch_update around awaits anywhere here: if this widget is removed while a
            # mount is awaited, the batch would never end and the screen would stop updating.
            await self.remove_children(old)
            if self._segments:
                await self.mount_all([s.widget for s in self._segments], before=self._tail)
            await self._tail.update(self._tail_text)

    def stream(self) -> SegmentStream:
        """A writer that takes fragments as fast as they come and shows them a step a frame."""
        writer = SegmentStream(self)
        writer.start()
        return writer

    async def absorb(self, text: str) -> None:
        """Add `text` at the end (the tail takes it); after the next layout, the tail's
        complete blocks become a settled segment (see `_settle_renders`)."""
        if not text:
            return
        async with self._lock:
            self._tail_text += text
            await self._feed_tail(len(self._tail_text))

    async def _feed_tail(self, upto: int) -> None:
        if upto > self._fed:
            await self._tail.append(self._tail_text[self._fed : upto])
            self._fed = upto

    async def _settle(self, cut: int) -> None:
        """The text before `cut` becomes a settled segment; a new tail takes the rest.

        The segment is parsed afresh from its own text rather than kept from the tail: the
        stock incremental append can leave a block as it first guessed it (a list numbered
        or a table read as a paragraph differently from a whole parse)."""
        old = self._tail
        settled, rest = self._tail_text[:cut], self._tail_text[cut:]
        # The new tail is filled through `append`, not given the text up front: after an
        # `update` Textual's Markdown takes its last line, not its last block, as where the
        # next append starts, and would replace that block with what follows it.
        segment, tail = Markdown(settled), Markdown()
        segment.display = tail.display = False  # built out of sight, swapped in at once
        await self.mount(segment, before=old)
        await self.mount(tail, after=old)
        await tail.append(rest)
        if not self.is_attached:
            return
        segment.display = tail.display = True
        old.display = False
        await old.remove()
        self._segments.append(Segment(settled, segment))
        self._tail, self._tail_text, self._fed = tail, rest, len(rest)

    async def finish(self) -> None:
        """The answer is complete: unless the tail's blocks are already what a whole parse
        makes, parse the tail whole, as the stock widget would."""
        async with self._lock:
            await self._feed_tail(len(self._tail_text))
            blocks = [child for child in self._tail.children if isinstance(child, MarkdownBlock)]
            if not blocks_match(blocks, self._tail_text, self._parser):
                await self._tail.update(self._tail_text)

    # Settled segments become lines --------------------------------------------------------

    async def _settle_renders(self, _screen: Screen[object]) -> None:
        """After a layout: a settled segment laid out at the current width is swapped for
        the lines it rendered, so no layout ever walks its blocks again. One per layout: the
        swap makes another layout, which brings the next (a long stored answer would
        otherwise hold the event loop for all of its segments at once)."""
        width = self.content_size.width
        if not width or self._lock.locked():
            return
        async with self._lock:
            if await self._cut_tail(width):
                return
        for index, segment in enumerate(self._segments):
            widget = segment.widget
            if not isinstance(widget, Markdown) or widget.outer_size.width != width:
                continue
            if not widget.is_mounted or widget.region.height == 0:
                continue
            strips = render_strips(widget)
            if strips is None:
                continue
            above = self._settled_lines(index - 1, width) if index else None
            if above is not None:
                above.extend(strips)
                widget.display = False
                segment.widget = above
                await widget.remove()
            else:
                settled = SettledSegment(strips, width)
                segment.widget = settled
                await self._replace(widget, settled)
            CollectorPause.checkpoint()
            return

    def _settled_lines(self, index: int, width: int) -> SettledSegment | None:
        """Segment `index`'s lines, when lines rendered at `width` can join them below."""
        if not -len(self._segments) <= index < len(self._segments):
            return None
        widget = self._segments[index].widget
        if isinstance(widget, SettledSegment) and widget.rendered_width == width:
            return widget if widget.is_mounted else None
        return None

    async def _cut_tail(self, width: int) -> bool:
        """Settle the tail's complete blocks in place: the lines they show now become a
        settled segment and the blocks leave the tail, which keeps the rest. Nothing is parsed
        or built again, so a cut costs what the open blocks cost, not what the answer does.
        When the tail's blocks are not what a whole parse makes, the settled text is built
        afresh instead (`_settle`)."""
        tail = self._tail
        if self._fed != len(self._tail_text) or not tail.is_mounted:
            return False
        if tail.outer_size.width != width:
            return False
        least = SEGMENT_BLOCKS if self._segments else FIRST_SEGMENT_BLOCKS
        cut = settled_cut(self._tail_text, least, self._parser)
        if cut is None:
            return False
        settled = self._tail_text[:cut]
        lines = settled.count("\n")
        blocks = [child for child in tail.children if isinstance(child, MarkdownBlock)]
        head = [block for block in blocks if block.source_range[0] < lines]
        rest = blocks[len(head) :]
        if not rest or not blocks_match(head, settled, self._parser):
            await self._settle(cut)
            return True
        strips = head_strips(tail, rest[0], width)
        if strips is None:
            return False  # not laid out at this width yet: the next layout will be
        segment = self._settled_lines(-1, width)
        if segment is not None:
            segment.extend(strips)  # the lines above the tail take these lines too
        else:
            segment = SettledSegment(strips, width)
            segment.display = False
            await self.mount(segment, before=tail)
            if not self.is_attached:
                return True
            segment.display = True
        for block in head:
            block.display = False
        # The tail now holds the rest only, as if it had been given just that text.
        tail._markdown = tail._markdown[cut:]
        tail._last_parsed_line -= lines
        tail._table_of_contents = None
        for block in rest:
            start, end = block.source_range
            block.source_range = (start - lines, end - lines)
        self._segments.append(Segment(settled, segment))
        self._tail_text = self._tail_text[cut:]
        self._fed = len(self._tail_text)
        await tail.remove_children(head)
        CollectorPause.checkpoint()
        return True

    async def _rebuild(self, *_: object) -> None:
        """Lines hold for one width and one theme: render the text again, then settle again."""
        fresh: list[Markdown] = []
        old: list[SettledSegment] = []
        for segment in self._segments:
            widget = segment.widget
            if isinstance(widget, SettledSegment):
                # Segments that share lines each get their own Markdown, in order, above them.
                markdown = Markdown(segment.text)
                markdown.display = False
                await self.mount(markdown, before=widget)
                segment.widget = markdown
                fresh.append(markdown)
                if widget not in old:
                    old.append(widget)
        if not old or not self.is_attached:
            return
        for markdown in fresh:
            markdown.display = True
        for widget in old:
            widget.display = False
        await self.remove_children(old)

    async def _replace(self, old: Widget, new: Widget) -> None:
        """Put `new` where `old` is, in one frame: mounted out of sight, then swapped."""
        new.display = False
        await self.mount(new, before=old)
        if self.is_attached:
            new.display, old.display = True, False
            await old.remove()

    async def on_resize(self, _event: events.Resize) -> None:
        width = self.content_size.width
        if any(
            isinstance(s.widget, SettledSegment) and s.widget.rendered_width != width
            for s in self._segments
        ):
            await self._rebuild()
