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

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            if self.how == "streamed":
                yield StreamingMarkdown()
            elif self.how == "stored":  # a finished answer loaded from the database
                yield StreamingMarkdown(ANSWER)
            else:
                yield Markdown(ANSWER)


async def screens(
    how: str, theme: str, size: tuple[int, int] = (80, 30), resize_to: tuple[int, int] | None = None
) -> tuple[list[str], Shown]:
    streamed = how == "streamed"
    app = Shown(how)
    shots: list[str] = []
    async with app.run_test(size=size) as pilot:
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
        if how != "stock":
            view = app.query_one(StreamingMarkdown)
            assert view.segment_count >= 3, "the answer should have been cut into segments"
            assert app.query(SettledSegment), "settled segments should show as rendered lines"
            if streamed:
                leaves = len(app.query(SettledSegment))
                assert leaves < view.segment_count - 1, "segments should share their lines"
        if resize_to is not None:
            await pilot.resize_terminal(*resize_to)
            for _ in range(6):  # the lines are drawn again at the new width, then settle
                await pilot.pause()
        for y in (0, 35, 90, 160, 10_000):
            scroll.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause()
            await pilot.pause()
            shots.append(app.export_screenshot())
    return shots, app


@pytest.mark.parametrize("how", ["streamed", "stored"])
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_completed_answer_renders_as_stock(how: str, theme: str) -> None:
    mine, _ = await screens(how, theme)
    stock, _ = await screens("stock", theme)
    assert len(mine) == len(stock) == 5
    for position, (ours, theirs) in enumerate(zip(mine, stock, strict=True)):
        assert ours == theirs, f"scroll position {position} differs from the stock widget"


async def test_a_resized_answer_renders_as_stock_at_the_new_width() -> None:
    """Settled lines hold for one width: after a resize they are drawn again from the text,
    segments that shared lines included."""
    mine, _ = await screens("streamed", "textual-dark", resize_to=(100, 30))
    stock, _ = await screens("stock", "textual-dark", size=(100, 30))
    for position, (ours, theirs) in enumerate(zip(mine, stock, strict=True)):
        assert ours == theirs, f"scroll position {position} differs from the stock widget"
