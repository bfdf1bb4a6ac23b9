"""A streaming answer's live tail: drawn offstage into lines, frozen block by block, it still
ends exactly as the stock widget shows the whole text, when the terminal is resized while it
streams and when a link reference reaches back across blocks; and nothing stays offstage."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock

from tests.helpers.markdown_shots import ScrollApp, pieces, screenshots
from widgets.offstage import Offstage, draw
from widgets.streaming_markdown import StreamingMarkdown

SECTION = (
    "## Heading {n}\n\nA paragraph {n} long enough to wrap in a narrow terminal, with `code`.\n\n"
    "- a bullet\n  - nested {n}\n- another\n\n| a | b |\n|---|---|\n| {n} | x |\n\n"
    "```python\nprint({n})\n```\n\n> quoted {n}\n\n---\n\n"
)
ANSWER = "".join(SECTION.format(n=n) for n in range(1, 9))
POSITIONS = (0, 30, 10_000)


async def shots_with_resize_midway(text: str) -> list[str]:
    """Stream the first half at 70 columns, resize to 90, stream the rest, then screenshot."""
    view = StreamingMarkdown()
    app = ScrollApp(view)
    shots: list[str] = []
    async with app.run_test(size=(70, 24)) as pilot:
        await pilot.pause()
        stream = view.stream()
        chunks = pieces(text, 5)
        half = len(chunks) // 2
        for chunk in chunks[:half]:
            await stream.write(chunk)
        await pilot.pause()
        await pilot.resize_terminal(90, 24)
        for chunk in chunks[half:]:
            await stream.write(chunk)
        await stream.stop()
        for _ in range(8):  # segments drawn again at the new width settle, one per layout
            await pilot.pause()
        assert view.source == text
        assert not view.query(Offstage), "nothing should stay offstage once the answer ends"
        scroll = app.query_one(VerticalScroll)
        for y in POSITIONS:
            scroll.scroll_to(y=y, animate=False, immediate=True)
            await pilot.pause()
            await pilot.pause()
            shots.append(app.export_screenshot())
    return shots


async def test_resized_while_streaming_ends_as_stock() -> None:
    streamed = await shots_with_resize_midway(ANSWER)
    stock = await screenshots(Markdown(ANSWER), size=(90, 24), positions=POSITIONS)
    assert streamed == stock


async def test_a_link_reference_across_blocks_ends_as_stock() -> None:
    """`[guide]` is used long before it is defined: the streamed lines drawn before the
    definition arrived cannot be kept, so the answer ends drawn from its whole text."""
    text = "See the [guide] first.\n\n" + ANSWER + "[guide]: https://example.org/guide\n"
    view = StreamingMarkdown()
    streamed = await screenshots(view, pieces(text, 4), size=(80, 24), positions=POSITIONS)
    assert view.source == text
    stock = await screenshots(Markdown(text), size=(80, 24), positions=POSITIONS)
    assert streamed == stock


async def test_offstage_drawing_matches_the_screen() -> None:
    """The private layout and draw give the lines the screen shows for the same widget."""

    class Both(ScrollApp):
        def compose(self):  # type: ignore[override]
            yield Markdown(ANSWER, id="shown")
            yield Offstage(Markdown(ANSWER, id="hidden"))

    app = Both(Markdown())
    async with app.run_test(size=(80, 400)) as pilot:
        await pilot.pause()
        shown = app.query_one("#shown", Markdown)
        drawing = draw(app.query_one("#hidden", Markdown), shown.outer_size.width)
        assert drawing is not None
        on_screen = app.screen._compositor.render_strips()[: shown.outer_size.height]
        assert [strip.text for strip in drawing.strips] == [strip.text for strip in on_screen]
        assert app.query_one("#hidden").query(MarkdownBlock)
