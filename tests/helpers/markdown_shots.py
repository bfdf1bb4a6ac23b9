"""Screenshots of a Markdown widget (stock, or aha's streamed answer view) at several scroll
positions, so a test can compare how a streamed answer ends with how stock shows it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Markdown

from widgets.markdown.engine import StreamingMarkdown


class ScrollApp(App[None]):
    """The widget alone in a vertical scroll: the same app for every variant compared. The
    scroll keeps room for its scrollbar, as aha's conversation does, so a long answer is not
    drawn again two columns narrower when it first overflows (tests that resize on purpose
    do so explicitly)."""

    CSS = "VerticalScroll { scrollbar-gutter: stable; }"

    def __init__(self, widget: StreamingMarkdown | Markdown) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.widget


async def screenshots(
    widget: StreamingMarkdown | Markdown,
    chunks: Iterable[str] = (),
    *,
    size: tuple[int, int],
    positions: Sequence[int],
    theme: str | None = None,
    check: Callable[[ScrollApp], None] | None = None,
    resize_to: tuple[int, int] | None = None,
    midway: Callable[[Pilot[None]], Awaitable[object]] | None = None,
) -> list[str]:
    """Stream `chunks` into `widget` (a StreamingMarkdown; `midway` runs when half of them
    are in, to resize or change the theme), let the layouts settle, run `check` on the app,
    optionally resize, then take a screenshot at each scroll position."""
    app = ScrollApp(widget)
    shots: list[str] = []
    async with app.run_test(size=size) as pilot:
        if theme is not None:
            app.theme = theme
        await pilot.pause()
        if isinstance(widget, StreamingMarkdown):
            stream = widget.stream()
            chunks = list(chunks)
            for index, chunk in enumerate(chunks):
                if midway is not None and index == len(chunks) // 2:
                    await pilot.pause()
                    await midway(pilot)
                await stream.write(chunk)
            await stream.stop()
        for _ in range(8 if midway else 3):  # layouts settle segments into lines
            await pilot.pause()
        if check is not None:
            check(app)
        if resize_to is not None:
            await pilot.resize_terminal(*resize_to)
            for _ in range(6):  # the lines are drawn again at the new width, then settle
                await pilot.pause()
        scroll = app.query_one(VerticalScroll)
        for y in positions:
            scroll.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause()
            await pilot.pause()
            shots.append(app.export_screenshot())
    return shots


def pieces(text: str, size: int) -> list[str]:
    """`text` in pieces of `size` characters, as a stream sends them."""
    return [text[start : start + size] for start in range(0, len(text), size)]
