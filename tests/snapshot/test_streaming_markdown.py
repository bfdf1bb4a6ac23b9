"""A streamed answer, once complete, looks exactly as Textual's stock Markdown widget shows it.

Both are rendered in the same headless app to SVG at several scroll positions and compared
byte for byte: the answer view cuts the text into segments and swaps settled ones for the lines
they rendered, and neither may show in the result.
"""

from __future__ import annotations

import pytest
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from tests.helpers.markdown_shots import ScrollApp, pieces, screenshots
from widgets.markdown.engine import StreamingMarkdown
from widgets.markdown.settled_lines import SettledSegment


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


POSITIONS = (0, 35, 90, 160, 10_000)


def cut_and_settled(app: ScrollApp) -> None:
    view = app.query_one(StreamingMarkdown)
    assert view.segment_count >= 3, "the answer should have been cut into segments"
    assert app.query(SettledSegment), "settled segments should show as rendered lines"


def all_lines(app: ScrollApp) -> None:
    view = app.query_one(StreamingMarkdown)
    assert len(view.query(SettledSegment)) == 1, "a streamed answer should end as one leaf"
    assert not view.query(MarkdownBlock), "no stock blocks should stay mounted"


async def screens(
    how: str, theme: str, size: tuple[int, int] = (80, 30), resize_to: tuple[int, int] | None = None
) -> list[str]:
    """Screenshots of the answer: streamed in 4-character pieces, loaded whole as a stored
    answer is, or in the stock widget."""
    if how == "stock":
        widget: StreamingMarkdown | Markdown = Markdown(ANSWER)
        chunks, check = [], None
    elif how == "stored":  # a finished answer loaded from the database
        widget, chunks, check = StreamingMarkdown(ANSWER), [], cut_and_settled
    else:
        widget, chunks, check = StreamingMarkdown(), pieces(ANSWER, 4), all_lines
    shots = await screenshots(
        widget,
        chunks,
        size=size,
        positions=POSITIONS,
        theme=theme,
        check=check,
        resize_to=resize_to,
    )
    assert widget.source == ANSWER
    return shots


@pytest.mark.parametrize("how", ["streamed", "stored"])
@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_completed_answer_renders_as_stock(how: str, theme: str) -> None:
    mine = await screens(how, theme)
    stock = await screens("stock", theme)
    assert len(mine) == len(stock) == 5
    for position, (ours, theirs) in enumerate(zip(mine, stock, strict=True)):
        assert ours == theirs, f"scroll position {position} differs from the stock widget"


async def test_a_resized_answer_renders_as_stock_at_the_new_width() -> None:
    """Settled lines hold for one width: after a resize they are drawn again from the text,
    segments that shared lines included."""
    mine = await screens("streamed", "textual-dark", resize_to=(100, 30))
    stock = await screens("stock", "textual-dark", size=(100, 30))
    for position, (ours, theirs) in enumerate(zip(mine, stock, strict=True)):
        assert ours == theirs, f"scroll position {position} differs from the stock widget"
