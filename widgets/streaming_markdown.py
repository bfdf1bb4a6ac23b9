"""An answer's Markdown that stays fast however long it grows.

Textual's `Markdown.get_stream()` keeps one widget for the whole answer: every frame lays out
every block of it, so a long answer slows down and stalls the event loop (the user's typing
stutters). Here the answer is a column of stock `Markdown` widgets instead:

- settled segments: the text up to a cut (see `widgets.markdown_segments`), parsed whole once
  and never touched again;
- one open tail that takes new text through the stock incremental `Markdown.append`; once it
  holds enough complete blocks, the text before a cut becomes a settled segment and a fresh tail
  takes the rest. The incremental append can leave a block as it first guessed it, so settled
  text is parsed afresh, and when the answer ends the tail is parsed whole.

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
import gc
from dataclasses import dataclass

from textual import events
from textual._compositor import Compositor
from textual.app import ComposeResult
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Markdown

from widgets.markdown_segments import parser, settled_cut, split_settled

# A tail settles once it holds this many complete blocks: fewer means cheaper tail updates,
# more means fewer segments.
SEGMENT_BLOCKS = 6
# One step of text per frame at most: what arrives meanwhile waits, so that no single update
# (parsing, mounting, laying out new blocks) holds the event loop for long.
FRAME_S = 1 / 60
STEP_CHARS = 1200


class CollectorPause:
    """Keeps full garbage collections short while answers stream.

    A long answer allocates steadily (blocks, lines, widgets replaced), so Python's full
    collections come often and each walks the whole heap: hundreds of milliseconds with the
    event loop stopped, the longest stalls of a long answer. While any answer streams, what
    lives is frozen (`gc.freeze`) at the start and again at each settled segment, so a full
    collection only walks what was made since. Garbage among frozen objects waits until the
    last stream ends and everything is unfrozen (Textual pauses the collector during smooth
    scrolling for the same reason).
    """

    active = 0

    @classmethod
    def begin(cls) -> None:
        cls.active += 1
        gc.freeze()

    @classmethod
    def checkpoint(cls) -> None:
        if cls.active:
            gc.freeze()

    @classmethod
    def end(cls) -> None:
        cls.active = max(0, cls.active - 1)
        if not cls.active:
            gc.unfreeze()


class SettledSegment(Widget):
    """A settled segment, as the lines its stock widgets rendered: one leaf widget that is
    never laid out again, however many blocks it shows."""

    DEFAULT_CSS = "SettledSegment { width: 1fr; height: auto; }"

    def __init__(self, strips: list[Strip], width: int) -> None:
        super().__init__()
        self.strips = strips
        self.rendered_width = width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.strips)

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = [strip.crop(crop.x, crop.right) for strip in self.strips[crop.y : crop.bottom]]
        blank = Strip.blank(crop.width)
        return lines + [blank] * (crop.height - len(lines))

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        text = "\n".join(strip.text.rstrip() for strip in self.strips)
        return selection.extract(text), "\n"


def render_strips(widget: Widget) -> list[Strip] | None:
    """What `widget` and everything in it shows, line by line, at its current size: the same
    compositing the screen does, run on this widget alone."""
    size = widget.outer_size
    if not size.area:
        return None
    compositor = Compositor()
    compositor.reflow(widget, size)
    return compositor.render_strips(size)


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
            old = [segment.widget for segment in self._segments]
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
        """Add `text` at the end; settle the tail when it holds enough complete blocks."""
        if not text:
            return
        async with self._lock:
            self._tail_text += text
            cut = settled_cut(self._tail_text, SEGMENT_BLOCKS, self._parser)
            if cut is None:
                await self._feed_tail(len(self._tail_text))
                return
            await self._settle(cut)

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
        """The answer is complete: parse the tail whole, as the stock widget would."""
        async with self._lock:
            self._fed = len(self._tail_text)
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
        for segment in self._segments:
            widget = segment.widget
            if not isinstance(widget, Markdown) or widget.outer_size.width != width:
                continue
            if not widget.is_mounted or widget.region.height == 0:
                continue
            strips = render_strips(widget)
            if strips is None:
                continue
            settled = SettledSegment(strips, width)
            segment.widget = settled
            await self._replace(widget, settled)
            CollectorPause.checkpoint()
            return

    async def _rebuild(self, *_: object) -> None:
        """Lines hold for one width and one theme: render the text again, then settle again."""
        for segment in self._segments:
            widget = segment.widget
            if isinstance(widget, SettledSegment):
                fresh = Markdown(segment.text)
                segment.widget = fresh
                await self._replace(widget, fresh)

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


class SegmentStream:
    """Like Textual's MarkdownStream, `write` never waits for rendering; unlike it, what piles
    up while the widget is busy is taken a bounded step per frame, so no update blocks the
    event loop for long however far behind the screen is."""

    def __init__(self, view: StreamingMarkdown) -> None:
        self.view = view
        self._pending: list[str] = []
        self._new = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def start(self) -> None:
        if self._task is None:
            CollectorPause.begin()
            self._task = asyncio.create_task(self._run())

    async def write(self, fragment: str) -> None:
        if self._closing:
            raise RuntimeError("Can't write to the stream after it has stopped.")
        if fragment:
            self._pending.append(fragment)
            self._new.set()
            await asyncio.sleep(0)

    async def _run(self) -> None:
        while True:
            await self._new.wait()
            if not self._pending:
                if self._closing:
                    return
                self._new.clear()
                continue
            text = "".join(self._pending)
            self._pending.clear()
            step, rest = text[:STEP_CHARS], text[STEP_CHARS:]
            if rest:
                self._pending.append(rest)  # first in line: writes made meanwhile follow it
            elif not self._closing:
                self._new.clear()
            await self.view.absorb(step)
            await asyncio.sleep(FRAME_S)

    async def stop(self) -> None:
        """Show everything written so far, exactly as a whole parse shows it, then stop."""
        self._closing = True
        self._new.set()
        if self._task is not None:
            try:
                await self._task
                await self.view.finish()
            finally:
                self._task = None
                CollectorPause.end()
