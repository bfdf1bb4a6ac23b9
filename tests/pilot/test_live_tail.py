"""A streaming answer's live tail: drawn offstage into lines, frozen block by block, it still
ends exactly as the stock widget shows the whole text, when the terminal is resized or the theme
changes while it streams and when a link reference reaches back across blocks; and nothing stays
offstage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from tests.helpers.markdown_shots import ScrollApp, pieces, screenshots
from widgets.markdown.engine import StreamingMarkdown
from widgets.markdown.offstage import Offstage, draw

SECTION = (
    "## Heading {n}\n\nA paragraph {n} long enough to wrap in a narrow terminal, with `code`.\n\n"
    "- a bullet\n  - nested {n}\n- another\n\n| a | b |\n|---|---|\n| {n} | x |\n\n"
    "```python\nprint({n})\n```\n\n> quoted {n}\n\n---\n\n"
)
ANSWER = "".join(SECTION.format(n=n) for n in range(1, 9))
POSITIONS = (0, 30, 10_000)


def nothing_offstage(app: ScrollApp) -> None:
    assert not app.query(Offstage), "nothing should stay offstage once the answer ends"


async def streamed_with(
    midway: Callable[[Pilot[None]], Awaitable[object]],
    size: tuple[int, int],
    theme: str | None = None,
) -> list[str]:
    """Screenshots of ANSWER streamed in 5-character pieces, `midway` run halfway."""
    view = StreamingMarkdown()
    shots = await screenshots(
        view,
        pieces(ANSWER, 5),
        size=size,
        positions=POSITIONS,
        theme=theme,
        check=nothing_offstage,
        midway=midway,
    )
    assert view.source == ANSWER
    return shots


async def test_resized_while_streaming_ends_as_stock() -> None:
    """Streamed at 70 columns, resized to 90 halfway: the lines drawn at 70 are drawn again."""
    streamed = await streamed_with(lambda pilot: pilot.resize_terminal(90, 24), size=(70, 24))
    stock = await screenshots(Markdown(ANSWER), size=(90, 24), positions=POSITIONS)
    assert streamed == stock


async def test_theme_changed_while_streaming_ends_as_stock() -> None:
    """Lines hold one theme's colours: those drawn before the change are drawn again."""

    async def to_light(pilot: Pilot[None]) -> None:
        pilot.app.theme = "textual-light"

    streamed = await streamed_with(to_light, size=(80, 24), theme="textual-dark")
    stock = await screenshots(
        Markdown(ANSWER), size=(80, 24), positions=POSITIONS, theme="textual-light"
    )
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
