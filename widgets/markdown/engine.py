"""An answer's Markdown that stays fast however long it grows.

Textual's `Markdown.get_stream()` keeps one widget for the whole answer: every frame lays out
every block of it, so a long answer slows down and stalls the event loop (the user's typing
stutters). Here the answer is shown as lines that stock `Markdown` widgets drew:

- while an answer streams, its live tail (`widgets.markdown.live_tail`): the blocks not yet
  drawn and the open one, drawn offstage in rounds of a few, and the lines every complete block
  drew.
  Each block is laid out and drawn about once, and the screen lays out a few leaf widgets,
  however long the answer;
- settled segments: the text up to a cut (see `widgets.markdown.segments`), shown as the lines
  its blocks drew (`SettledSegment`, one leaf widget that consecutive segments share). When an
  answer ends, its streamed text becomes such segments.

A stored answer (text given whole) is parsed into stock widgets (flat lists aside) on screen,
and each settled segment is swapped for the lines it drew once the screen has laid it out; its
last part stays a live stock widget. A new width or theme draws the segments from their text again.

Everything is drawn by Textual's own widgets and compositing (except lists of paragraphs and
lists, which one widget draws line for line as the stock ones do: `widgets.markdown.flat_lists`)
and cut only where the gap between blocks comes out the same, so an answer looks exactly as the
stock widget shows it; tests/snapshot/test_streaming_markdown.py compares the two screen by
screen.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Markdown

from widgets.markdown.flat_lists import FlatMarkdown
from widgets.markdown.input_first import let_input_through
from widgets.markdown.live_tail import LiveTail
from widgets.markdown.segments import defines_references, parser, settled_cut, split_settled
from widgets.markdown.settled_lines import SettledSegment
from widgets.markdown.stream import CollectorPause, SegmentStream
from widgets.textual_compat import render_strips


@dataclass
class Segment:
    """Settled text, shown by a stock Markdown until it has been laid out once, then by the
    lines it drew."""

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
    StreamingMarkdown > Markdown, StreamingMarkdown > Offstage > Markdown {
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
        self._segments = [Segment(text, FlatMarkdown(text)) for text in parts[:-1]]
        self._tail_text = parts[-1]
        self._tail = Markdown(self._tail_text)  # the last part of a stored answer, on screen
        self._live: LiveTail | None = None  # while an answer streams
        self._lock = asyncio.Lock()  # the text and the live tail
        # Swapping a segment's widgets: apart from the live tail's lock, so that segments
        # settle into lines between the steps of a streaming answer.
        self._settling = asyncio.Lock()

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
        async with self._lock, self._settling:
            await self._end_live()
            parts = split_settled(markdown) if markdown else [""]
            old = list(dict.fromkeys(segment.widget for segment in self._segments))
            self._segments = [Segment(text, FlatMarkdown(text)) for text in parts[:-1]]
            self._tail_text = parts[-1]
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

    async def absorb(self, text: str, *, draw: bool = True) -> None:
        """Add `text` at the end: the live tail takes it and, unless `draw` is false (more
        text follows at once), draws what it has not drawn."""
        if not text:
            return
        async with self._lock:
            live = self._live or await self._go_live()
            self._tail_text += text
            await live.take(self._tail_text)
            if draw:
                await let_input_through(self)  # a key pressed meanwhile goes first
                await live.draw(self._tail_text, self.content_size.width)

    async def finish(self) -> None:
        """The answer is complete: its tail, parsed whole where the incremental blocks differ
        from a whole parse, settles as lines (or, where it cannot be drawn here, goes on screen
        as a stored answer's last part does)."""
        async with self._lock:
            live = self._live
            if live is None:
                return
            width = self.content_size.width
            # A link reference defined late reaches back into lines drawn before it: then the
            # answer is shown from its whole text, as a stored answer is.
            references = defines_references(self.source, self._parser)
            strips = None if references else await live.finish(self._tail_text, width)
            kept = False
            if strips is not None and self._tail_text:
                # Below the settled lines above when there are some; else the frozen lines'
                # leaf takes them all. Either way in the frame its own lines go.
                shown = self._settled_lines(-1, width)
                kept = shown is None
                if shown is not None:
                    shown.extend(strips)
                else:
                    shown = live.frozen
                    shown.show(strips, width)
                live.frozen.display = kept
                live.lines.display = False
                # One segment, cut into parts only if it is ever drawn again from its text.
                self._segments.append(Segment(self._tail_text, shown))
                self._tail_text = ""
                CollectorPause.checkpoint()
            await self._end_live(keep_frozen=kept)
        if references and self._segments:
            await self.update(self.source)

    # The streaming tail --------------------------------------------------------------------

    async def _go_live(self) -> LiveTail:
        """Streaming starts: the tail moves offstage, shown as lines (text already on screen,
        as when a cut-off answer continues, moves with it)."""
        live = LiveTail()
        await live.mount(self, before=self._tail)
        self._tail.display = False
        self._live = live
        return live

    async def _end_live(self, keep_frozen: bool = False) -> None:
        """Back to a stored answer's shape: what is left of the tail on screen, no offstage."""
        live, self._live = self._live, None
        if live is None:
            return
        await self._tail.update(self._tail_text)
        gone = [live.lines, live.offstage] + ([] if keep_frozen else [live.frozen])
        self._tail.display = True
        for widget in gone:
            widget.display = False
        await self.remove_children(gone)

    async def _restart_live(self) -> None:
        """The live tail's lines hold for one width and theme: the text before its last safe
        cut becomes segments drawn again from their text (as a stored answer's are), and a new
        live tail takes the rest."""
        old = self._live
        if old is None:
            return
        cut = settled_cut(self._tail_text, 1, self._parser) or 0
        parts = split_settled(self._tail_text[:cut]) if cut else []
        fresh = [Segment(part, FlatMarkdown(part)) for part in parts]
        for segment in fresh:
            segment.widget.display = False
        if fresh:
            await self.mount_all([s.widget for s in fresh], before=old.frozen)
        live = LiveTail()
        await live.mount(self, before=self._tail)
        self._live, self._tail_text = live, self._tail_text[cut:]
        self._segments += fresh
        await live.take(self._tail_text)
        await live.draw(self._tail_text, self.content_size.width)
        for segment in fresh:
            segment.widget.display = True
        for widget in old.widgets:
            widget.display = False
        await self.remove_children(old.widgets)

    # Settled segments become lines --------------------------------------------------------

    async def _settle_renders(self, _screen: Screen[object]) -> None:
        """After a layout: a settled segment on screen, laid out at the current width, is
        swapped for the lines it drew, so no layout ever walks its blocks again. One per
        layout: the swap makes another layout, which brings the next (a long stored answer
        would otherwise hold the event loop for all of its segments at once)."""
        width = self.content_size.width
        if not width or self._settling.locked():
            return
        async with self._settling:
            await self._settle_one(width)

    async def _settle_one(self, width: int) -> None:
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
        """Segment `index`'s lines, when lines drawn at `width` can join them below."""
        if not -len(self._segments) <= index < len(self._segments):
            return None
        widget = self._segments[index].widget
        if isinstance(widget, SettledSegment) and widget.rendered_width == width:
            return widget if widget.is_mounted else None
        return None

    async def _rebuild(self, *_: object) -> None:
        """Lines hold for one width and one theme: draw the text again, then settle again."""
        async with self._settling:
            await self._draw_segments_again()
        if self._live is not None:
            async with self._lock:
                await self._restart_live()

    async def _draw_segments_again(self) -> None:
        """Each segment shown by lines gets stock widgets again, for parts of about a stored
        answer's size (a streamed answer settles as one long segment), in order, above the
        lines; then the lines go."""
        segments: list[Segment] = []
        fresh: list[Markdown] = []
        old: list[SettledSegment] = []
        for segment in self._segments:
            widget = segment.widget
            if not isinstance(widget, SettledSegment):
                segments.append(segment)
                continue
            for part in split_settled(segment.text):
                markdown = FlatMarkdown(part)
                markdown.display = False
                await self.mount(markdown, before=widget)
                segments.append(Segment(part, markdown))
                fresh.append(markdown)
            if widget not in old:
                old.append(widget)
        self._segments = segments
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
        width, live = self.content_size.width, self._live
        drawn = live.lines.rendered_width if live is not None else 0
        if drawn not in (0, width) or any(
            isinstance(s.widget, SettledSegment) and s.widget.rendered_width != width
            for s in self._segments
        ):
            await self._rebuild()
        elif live is not None and not drawn:
            async with self._lock:  # laid out for the first time: draw what came meanwhile
                if self._live is live:
                    await live.draw(self._tail_text, width)
