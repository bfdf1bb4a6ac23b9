"""`make bench` streaming section: long answers and long sessions, beside same-run baselines.

Each figure comes from a fresh interpreter running a headless 120x40 app, the variants taking
turns so a burst of background load lands on all of them:

- aha's answer view (widgets/markdown/engine.py) fed through its stream;
- Textual's own `Markdown.get_stream()`, which aha used before;
- a Rich Markdown renderable re-rendered in full per token (what Elia does), shown per token.

Tokens are 4-character slices of a generated Markdown answer (headings, nested lists, tables,
code), written as fast as each widget takes them. Throughput is tokens over the time until the
whole answer is on screen; the worst stall is the longest a 5 ms timer was kept waiting, i.e.
the longest the event loop could not answer a key. While aha and stock stream 7,000 tokens and
LONG_SIZE tokens, a key is posted to a TextArea every 100 ms (a fast typist) and the time until
a frame shows it is taken.

At LONG_SIZE tokens only aha and stock run. The per-token re-render grows quadratically, so it
stops after RERENDER_CAP_S; its rate is then
the rate over the tokens it got through, which flatters it (the rest would be slower still).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

SIZES = (500, 2_000, 7_000)
# A longer answer, aha and stock only (the per-token re-render would take minutes): stock's
# cost per token grows with the answer, aha's does not.
LONG_SIZE = 15_000
GOAL_SIZE = 7_000  # where aha should absorb an answer at least twice as fast as stock
RERENDER_CAP_S = 60.0
KEY_EVERY_S = 0.1  # a fast typist's pace
SESSION_MESSAGES = 1_000


def answer_text(chars: int) -> str:
    """A long Markdown answer of at least `chars` characters, the same every run."""
    parts: list[str] = []
    total, i = 0, 0
    while total < chars:
        i += 1
        part = f"""## Step {i}: what to try next

Step {i} explains **why** the change helps, with `inline code`, some *emphasis* and a
sentence long enough to wrap across lines in a narrow terminal window, as answers do.

- the first point about step {i}
  - a nested detail with `code_{i}`
  - another nested detail, a little longer than the first one
- a second point that is long enough to wrap onto the next line when the window is narrow
1. measure before
2. change one thing
3. measure after

| Setting | Value | Why |
|---------|-------|-----|
| alpha | {i} | the first row |
| beta | {i * 2} | the second row |

```python
def step_{i}(values: list[int]) -> int:
    # scale and sum, step {i}
    return sum(v * {i} for v in values)
```

"""
        parts.append(part)
        total += len(part)
    return "".join(parts)


def tokens(count: int) -> list[str]:
    text = answer_text(count * 4)
    return [text[k : k + 4] for k in range(0, count * 4, 4)]


# The child: one variant, one size ----------------------------------------------------------


class StallMonitor:
    """A 5 ms timer: how late it fires is how long the event loop was busy."""

    PERIOD = 0.005

    def __init__(self) -> None:
        self.worst = 0.0
        self.over_50ms = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(self.PERIOD)
            now = time.perf_counter()
            late = now - last - self.PERIOD
            self.worst = max(self.worst, late)
            self.over_50ms += late > 0.05
            last = now

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def stream_child(kind: str, count: int) -> dict[str, Any]:
    from rich.markdown import Markdown as RichMarkdown
    from textual import events
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown, Static, TextArea

    from widgets.markdown.engine import StreamingMarkdown

    class Bench(App[None]):
        # The scroll keeps room for its scrollbar, as aha's conversation does.
        CSS = "VerticalScroll { height: 1fr; scrollbar-gutter: stable; } TextArea { height: 3; }"

        def compose(self) -> ComposeResult:
            with VerticalScroll():
                if kind == "aha":
                    yield StreamingMarkdown()
                elif kind == "stock":
                    yield Markdown()
                else:
                    yield Static()
            yield TextArea()

    app = Bench()
    words = tokens(count)
    result: dict[str, Any] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        scroll = app.query_one(VerticalScroll)
        scroll.anchor()
        box = app.query_one(TextArea)
        box.focus()
        await pilot.pause()
        typed: list[float] = []
        keys = KeyProbe(app, box, typed, events)
        monitor = StallMonitor()
        monitor.start()
        done = 0
        start = time.perf_counter()
        if kind == "rerender":
            static = app.query_one(Static)
            text = ""
            for word in words:
                text += word
                static.update(RichMarkdown(text))
                app.screen._on_timer_update()  # lay out and paint this token's render now
                await asyncio.sleep(0)
                done += 1
                if time.perf_counter() - start > RERENDER_CAP_S:
                    break
        else:
            if kind == "aha":
                writer: Any = app.query_one(StreamingMarkdown).stream()
            else:
                writer = Markdown.get_stream(app.query_one(Markdown))
            if count >= 7_000:
                keys.start()
            for word in words:
                await writer.write(word)
                done += 1
            await writer.stop()
            await pilot.pause()
            source = (
                app.query_one(StreamingMarkdown) if kind == "aha" else app.query_one(Markdown)
            ).source
            assert source == "".join(words), "the widget lost text"
        elapsed = time.perf_counter() - start
        keys.stop()
        monitor.stop()
        result = {
            "tokens": done,
            "seconds": elapsed,
            "tok_s": done / elapsed,
            "worst_stall_ms": monitor.worst * 1000,
            "stalls_over_50ms": monitor.over_50ms,
            "key_ms": [t * 1000 for t in typed],
        }
    return result


class KeyProbe:
    """Posts a key to the TextArea every KEY_EVERY_S and times it until a frame shows it."""

    def __init__(self, app: Any, box: Any, typed: list[float], events: Any) -> None:
        self.app, self.box, self.typed, self.events = app, box, typed, events
        self._task: asyncio.Task[None] | None = None
        self._pending: tuple[int, float] | None = None
        display = app._display  # every frame the screen sends to the terminal passes here

        def shown(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if self._pending is not None and len(box.text) >= self._pending[0]:
                self.typed.append(time.perf_counter() - self._pending[1])
                self._pending = None

        app._display = shown

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(KEY_EVERY_S)
            if self._pending is None:
                self._pending = (len(self.box.text) + 1, time.perf_counter())
                self.app.post_message(self.events.Key("x", "x"))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def session_child(kind: str) -> dict[str, Any]:
    """Open a 1,000-message session: aha's Conversation against mounting every message."""
    from textual.app import App, ComposeResult

    from storage import Message, MessageStatus
    from widgets.conversation import Conversation

    body = (
        "Here is **the short version**, with `code` and a list:\n\n"
        "- measure first\n- change one thing\n- measure again\n\n"
        "That is usually enough to see whether the change helped.\n"
    )
    messages = [
        Message(
            id=f"m{i:04d}",
            session_id="s",
            parent_id=f"m{i - 1:04d}" if i else None,
            role="user" if i % 2 == 0 else "assistant",
            content=f"Question {i}: how do I measure this?" if i % 2 == 0 else body,
            status=MessageStatus.COMPLETE,
            created_at="2026-01-01T00:00:00Z",
            updated_at="2026-01-01T00:00:00Z",
            route=None if i % 2 == 0 else "fast",
            model=None if i % 2 == 0 else "bench",
        )
        for i in range(SESSION_MESSAGES)
    ]

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield Conversation()

    app = Bench()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        conversation = app.query_one(Conversation)
        start = time.perf_counter()
        if kind == "aha":
            await conversation.show_thread(messages)
        else:
            await conversation.mount_all([conversation.view_for(m) for m in messages])
            conversation.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        elapsed = time.perf_counter() - start
        mounted = len(conversation.views)
        widgets = sum(1 for _ in app.screen.walk_children())
    return {"seconds": elapsed, "mounted": mounted, "widgets": widgets}


# The parent: run the children and print the table ------------------------------------------


def _child(*args: str) -> dict[str, Any]:
    from scripts.bench import last_json, run_child

    _, out, _ = run_child([sys.executable, "-m", "scripts.bench_streaming", *args], "stream")
    return last_json(out)


def streaming_bench() -> None:
    from scripts.bench import median, ratio, table

    rows: list[list[str]] = []
    keys: dict[str, list[float]] = {"aha": [], "stock": []}
    for count in SIZES:
        figures = {
            kind: _child("stream", kind, str(count)) for kind in ("aha", "stock", "rerender")
        }
        a, s, r = figures["aha"], figures["stock"], figures["rerender"]
        capped = "" if r["tokens"] == count else f" (stopped at {r['tokens']:,})"
        rows.append(
            [
                f"{count:,} tokens",
                f"aha {a['tok_s']:,.0f} tok/s",
                f"stock get_stream {s['tok_s']:,.0f} tok/s",
                f"re-render {r['tok_s']:,.0f} tok/s{capped}",
                f"aha/stock {a['tok_s'] / s['tok_s']:.2f}x"
                + (" (goal >= 2)" if count == GOAL_SIZE else ""),
            ]
        )
        rows.append(
            [
                "  worst stall",
                f"aha {a['worst_stall_ms']:.0f} ms",
                f"stock {s['worst_stall_ms']:.0f} ms",
                f"re-render {r['worst_stall_ms']:.0f} ms",
                "goal < 50 ms for aha",
            ]
        )
        rows.append(
            [
                "  stalls over 50 ms",
                f"aha {a['stalls_over_50ms']}",
                f"stock {s['stalls_over_50ms']}",
                f"re-render {r['stalls_over_50ms']}",
            ]
        )
        for kind in keys:
            keys[kind] += figures[kind]["key_ms"]
    a, s = (_child("stream", kind, str(LONG_SIZE)) for kind in ("aha", "stock"))
    keys["aha"] += a["key_ms"]
    keys["stock"] += s["key_ms"]
    rows.append(
        [
            f"{LONG_SIZE:,} tokens",
            f"aha {a['tok_s']:,.0f} tok/s",
            f"stock get_stream {s['tok_s']:,.0f} tok/s",
            f"worst stall aha {a['worst_stall_ms']:.0f} ms, stock {s['worst_stall_ms']:.0f} ms",
            f"aha/stock {a['tok_s'] / s['tok_s']:.2f}x",
        ]
    )
    for kind, label in (("aha", "aha"), ("stock", "stock get_stream")):
        values = keys[kind]
        if values:
            rows.append(
                [
                    f"key to screen while {label} streams",
                    f"median {median(values):.0f} ms",
                    f"worst {max(values):.0f} ms",
                    f"{sum(v > 50 for v in values)} of {len(values)} keys over 50 ms",
                ]
            )
    aha, every = _child("session", "aha"), _child("session", "all")
    rows.append(
        [
            f"open a {SESSION_MESSAGES:,}-message session",
            f"aha {aha['seconds'] * 1000:,.0f} ms",
            f"mount every message {every['seconds'] * 1000:,.0f} ms",
            ratio(aha["seconds"], every["seconds"]),
        ]
    )
    rows.append(
        [
            "  messages mounted",
            f"aha {aha['mounted']} ({aha['widgets']:,} widgets)",
            f"every message {every['mounted']} ({every['widgets']:,} widgets)",
        ]
    )
    table("6. streaming and long sessions, headless 120x40 (one fresh process per figure)", rows)


def main() -> int:
    kind, what = sys.argv[2], sys.argv[1]
    if what == "stream":
        figures = asyncio.run(stream_child(kind, int(sys.argv[3])))
    else:
        figures = asyncio.run(session_child(kind))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
