"""Feeding streamed text to a `StreamingMarkdown` a bounded step per frame, and keeping the
garbage collector's full passes short while answers stream."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import TYPE_CHECKING

from widgets.markdown.input_first import let_input_through, watch_input

if TYPE_CHECKING:
    from widgets.markdown.engine import StreamingMarkdown

# One step of text per frame at most: what arrives meanwhile waits, so that no single update
# holds the event loop for long. A step's size follows what the last ones cost: about
# STEP_BUDGET_S of parsing and mounting the new blocks (offstage: widgets.markdown.live_tail),
# so a key typed meanwhile is handled between steps rather than behind one long one; and the next
# step waits until the screen has drawn this one (`SegmentStream._after_next_frame`).
FRAME_S = 1 / 60
STEP_BUDGET_S = 0.015
"""Small enough that a step and the frame drawn after it stay well inside what a typist
notices (drawing is done apart, in bounded rounds: widgets.markdown.live_tail), large enough
that a long answer is absorbed far faster than any model streams; a larger budget let the worst
stall approach a noticeable pause once keys were typed meanwhile (`make bench` streaming)."""
STEP_CHARS = 300  # the first step's size, before the pace is known
STEP_CHARS_RANGE = (150, 1200)
DRAW_EVERY_S = 0.1
"""While text waits (the stream is ahead of the screen), the answer is drawn at most this
often; each step still parses and mounts its text. Drawing is what a step of a long answer
costs most, and a catching-up answer shown ten times a second reads as smoothly as one shown
every frame: a 7,000-token answer absorbs about 25% faster than when drawn every step (about
30 times a second). Once the stream is caught up, every step draws."""


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
        self._step_chars = STEP_CHARS
        self._drawn_at = 0.0

    def start(self) -> None:
        if self._task is None:
            watch_input(self.view)
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
            size = self._step_chars
            step, rest = text[:size], text[size:]
            if rest:
                self._pending.append(rest)  # first in line: writes made meanwhile follow it
            elif not self._closing:
                self._new.clear()
            began = time.perf_counter()
            draw = not rest or began - self._drawn_at >= DRAW_EVERY_S
            await self.view.absorb(step, draw=draw)
            if draw:
                self._drawn_at = time.perf_counter()
            self._pace(len(step), time.perf_counter() - began)
            await self._after_next_frame()

    async def _after_next_frame(self) -> None:
        """Wait until the screen has laid out and drawn this step, then one more loop pass,
        so that the next step never runs right behind a layout: what the user typed
        meanwhile is handled between the two."""
        if not self.view.is_attached:
            await asyncio.sleep(FRAME_S)
            return
        drawn = asyncio.get_running_loop().create_future()
        self.view.call_after_refresh(lambda: drawn.done() or drawn.set_result(None))
        try:
            await asyncio.wait_for(drawn, FRAME_S * 6)
        except TimeoutError:
            pass
        await let_input_through(self.view)

    def _pace(self, chars: int, seconds: float) -> None:
        """The next step's size: what fits STEP_BUDGET_S at the rate this step went (steps
        cut short by a lack of text say nothing about the rate)."""
        if chars < self._step_chars or seconds <= 0:
            return
        fits = chars * STEP_BUDGET_S / seconds
        low, high = STEP_CHARS_RANGE
        self._step_chars = int(min(high, max(low, (self._step_chars + fits) / 2)))

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
