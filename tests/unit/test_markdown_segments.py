"""Cutting a growing answer into segments: every cut gives the same blocks as parsing the whole,
and the streamed view ends with exactly the text and the screen of the stock widget."""

from __future__ import annotations

import random

from textual.widgets import Markdown

from tests.helpers.markdown_shots import screenshots
from widgets.markdown.engine import StreamingMarkdown
from widgets.markdown.segments import SAFE_STARTS, parser, settled_cut, split_settled, top_blocks

ANSWER = "".join(
    f"""### Step {n}

Text of step {n}, with `code` and **bold**.

- item {n}
  - nested {n}
1. first
2. second

| a | b |
|---|---|
| {n} | {n + 1} |

```sh
echo {n}
```

"""
    for n in range(1, 9)
)


def blocks_of(text: str) -> list[tuple[str, str]]:
    """Each top-level block as (kind, its source lines), to compare parses."""
    tokens = parser().parse(text)
    lines = text.splitlines(keepends=True)
    return [
        (t.type, "".join(lines[t.map[0] : t.map[1]]).rstrip("\n"))
        for t in tokens
        if t.level == 0 and t.map is not None and t.nesting >= 0
    ]


def test_every_cut_while_streaming_parses_as_the_whole() -> None:
    cuts = 0
    for end in range(4, len(ANSWER), 4):
        text = ANSWER[:end]
        cut = settled_cut(text, min_blocks=2)
        if cut is None:
            continue
        cuts += 1
        before, after = text[:cut], text[cut:]
        assert blocks_of(before) + blocks_of(after) == blocks_of(text)
        # Whatever arrives later, the blocks before the cut stay as they are.
        assert blocks_of(ANSWER)[: len(blocks_of(before))] == blocks_of(before)
        assert top_blocks(after)[0][0].kind in SAFE_STARTS
    assert cuts > 50


def test_no_cut_before_the_open_block_or_with_link_references() -> None:
    # The last block may still turn into a heading ("===" underline) or a table.
    assert settled_cut("One.\n\nTwo.\n", min_blocks=1) is None
    assert settled_cut("One.\n\nTwo.\n\nThree", min_blocks=1) == len("One.\n\n")
    # A cut never goes before a heading or a fence: their top margin would add up.
    assert settled_cut("One.\n\n## Two\n\nThree", min_blocks=1) is None
    assert settled_cut("One.\n\n[x]: https://example.org\n\nTwo.\n\nThree", min_blocks=1) is None


def test_split_settled_keeps_the_text_and_cuts_at_safe_blocks() -> None:
    parts = split_settled(ANSWER, max_blocks=5)
    assert len(parts) > 3 and "".join(parts) == ANSWER
    assert sum((blocks_of(p) for p in parts), []) == blocks_of(ANSWER)
    for part in parts[1:]:
        assert top_blocks(part)[0][0].kind in SAFE_STARTS


async def shots(widget: StreamingMarkdown | Markdown, chunks: list[str]) -> list[str]:
    return await screenshots(widget, chunks, size=(70, 24), positions=(0, 60, 10_000))


async def test_uneven_chunks_end_as_the_stock_widget() -> None:
    """Chunks of 1 to 60 characters, as a real model sends them, cut the text at arbitrary
    points; the finished view must still equal the stock widget."""
    rng = random.Random(8)
    chunks, start = [], 0
    while start < len(ANSWER):
        size = rng.randint(1, 60)
        chunks.append(ANSWER[start : start + size])
        start += size
    view = StreamingMarkdown()
    streamed = await shots(view, chunks)
    assert view.source == ANSWER
    stock = await shots(Markdown(ANSWER), [])
    assert streamed == stock
