"""The answer view settles its tail in place only when the tail's blocks are what a whole parse
makes, and a streamed answer whose blocks change kind as text arrives still ends as stock shows it.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from tests.helpers.markdown_shots import ScrollApp, pieces, screenshots
from widgets.markdown.engine import StreamingMarkdown
from widgets.markdown.segments import parser
from widgets.markdown.settled_lines import SettledSegment, blocks_match

VARIED = (
    "# Title\n\npara\n\n---\n\n- a\n- b\n\n1. x\n\n> quote\n\n```\ncode\n```\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n    indented\n"
)

# Paragraphs that turn into a setext heading and a table only once their next line arrives.
TURNING = "".join(
    f"Paragraph {n} that becomes a heading\n===\n\nA line {n} before the table.\n\n"
    f"| left {n} | right |\n|------|-------|\n| {n} | {n * 2} |\n\n- item {n}\n- more\n\n"
    for n in range(1, 12)
)


class Blocks(App[None]):
    def compose(self) -> ComposeResult:
        yield Markdown(VARIED)


async def test_blocks_match_compares_kinds_and_lines() -> None:
    app = Blocks()
    async with app.run_test() as pilot:
        await pilot.pause()
        blocks = [c for c in app.query_one(Markdown).children if isinstance(c, MarkdownBlock)]
        assert blocks_match(blocks, VARIED, parser())
        # A heading where the horizontal rule is, or one block fewer, is a mismatch.
        assert not blocks_match(blocks, VARIED.replace("---\n", "## h\n"), parser())
        assert not blocks_match(blocks[:-1], VARIED, parser())


def settled_in_place(app: ScrollApp) -> None:
    assert app.query(SettledSegment), "the tail should have been settled in place"


async def test_blocks_that_change_kind_end_as_stock() -> None:
    view = StreamingMarkdown()
    streamed = await screenshots(
        view, pieces(TURNING, 3), size=(70, 24), positions=(0, 40, 10_000), check=settled_in_place
    )
    assert view.source == TURNING
    stock = await screenshots(Markdown(TURNING), size=(70, 24), positions=(0, 40, 10_000))
    assert streamed == stock
