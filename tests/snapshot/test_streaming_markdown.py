"""A streamed answer, once complete, looks exactly as Textual's stock Markdown widget shows it.

Both are rendered in the same headless app to SVG at several scroll positions and compared
byte for byte: the answer view cuts the text into segments and swaps settled ones for the lines
they rendered, and neither may show in the result.
"""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from widgets.streaming_markdown import SettledSegment, StreamingMarkdown


def section(n: int) -> str:
    return f"""## Part {n}: the plan

Paragraph {n} has **bold**, *emphasis*, `inline code` and a [link](https://example.org/{n}),
and is long enough to wrap in a terminal that is only eighty columns wide, like this one.

- a bullet about part {n}
  - a nested bullet
    - nested deeper, with `code`
  - back one level
- a last bullet

3. an ordered list that starts at three
4. and goes on

| Column | Value | Note |
|--------|------:|------|
| alpha | {n} | first |
| beta | {n * 10} | a longer note in the second row |

```python
def part_{n}(x: int) -> int:
    return x * {n}
```

> A quote for part {n}, with *style*.

---

### A smaller heading

Closing words for part {n}.

"""


ANSWER = "# A long answer\n\n" + "".join(section(n) for n in range(1, 7))


class Shown(App[None]):
    """The same app for both: only the widget inside differs."""

    def __init__(self, streamed: bool) -> None:
        super().__init__()
        self.streamed = streamed

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield StreamingMarkdown() if self.streamed else Markdown(ANSWER)


async def screens(streamed: bool, theme: str) -> tuple[list[str], Shown]:
    app = Shown(streamed)
    shots: list[str] = []
    async with app.run_test(size=(80, 30)) as pilot:
        app.theme = theme
        await pilot.pause()
        if streamed:
            view = app.query_one(StreamingMarkdown)
            stream = view.stream()
            for start in range(0, len(ANSWER), 4):
                await stream.write(ANSWER[start : start + 4])
            await stream.stop()
            assert view.source == ANSWER
        scroll = app.query_one(VerticalScroll)
        for _ in range(3):  # layouts settle segments into lines; let them finish
            await pilot.pause()
        if streamed:
            assert view.segment_count > 3, "the answer should have been cut into segments"
            assert app.query(SettledSegment), "settled segments should show as rendered lines"
        for y in (0, 35, 90, 160, 10_000):
            scroll.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause()
            await pilot.pause()
            shots.append(app.export_screenshot())
    return shots, app


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_completed_stream_renders_as_stock(theme: str) -> None:
    streamed, _ = await screens(True, theme)
    stock, _ = await screens(False, theme)
    assert len(streamed) == len(stock) == 5
    for position, (mine, theirs) in enumerate(zip(streamed, stock, strict=True)):
        assert mine == theirs, f"scroll position {position} differs from the stock widget"
