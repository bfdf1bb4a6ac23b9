"""Lists drawn by one widget (`widgets.markdown.flat_lists`) give the stock list widgets' lines exactly.

Both are drawn offstage in the same app, at several widths and in dark and light themes, and
compared line by line, segment styles included.
"""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Markdown

from widgets.markdown.flat_lists import FlatBulletList, FlatMarkdown, FlatOrderedList
from widgets.markdown.offstage import Offstage, draw
from widgets.textual_compat import MarkdownBulletList

LISTS = {
    "tight": "- a\n- b\n",
    "wrapping, nested": (
        "- the first point with `code` and long enough to wrap onto the next line\n"
        "  - nested\n- second\n\nA paragraph after.\n"
    ),
    "ordered": "1. one\n2. two\n3. three\n",
    "ordered from seven": "7. seven\n8. eight\n9. nine\n10. ten\n",
    "inline styles": (
        "- **bold**, *em*, ~~struck~~, [a link](https://example.org) and `code`, with words"
        " enough to wrap\n"
    ),
    "loose, two paragraphs": "- a\n\n  a second paragraph in the item\n- b\n",
    "deep mix": (
        "- a\n  1. x\n  2. y\n     - deep\n       - deeper\n         - deepest\n"
        "           - six levels\n"
    ),
    "bullet kinds": "* star\n+ plus\n",
    "hard break": "- line one  \n  line two after a hard break\n- b\n",
    "wide characters": (
        "- 日本語のテキストは長いのでここで折り返されるはずです日本語のテキスト\n"
        "- 🚀 a rocket 🚀 and more words here\n"
    ),
    "image and link": (
        "- ![alt text](img.png) an image\n"
        "- [a long link text that wraps around](https://example.org/a/long/path)\n"
    ),
    "three-digit numbers": "99. ninety-nine\n100. a hundred\n",
    "code in an item (stock)": "- item\n\n  ```\n  code\n  ```\n",
    "empty item (stock)": "- \n- b\n",
    "quote in an item (stock)": "- item\n\n  > quoted\n",
}


class ListsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Offstage()


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_flat_lists_draw_the_stock_lines(theme: str) -> None:
    app = ListsApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = theme
        await pilot.pause()
        offstage = app.query_one(Offstage)
        for name, source in LISTS.items():
            stock, flat = Markdown(), FlatMarkdown()
            await offstage.mount_all([stock, flat])
            await stock.update(source)
            await flat.update(source)
            for width in (12, 40, 90):
                ours, theirs = draw(flat, width), draw(stock, width)
                assert ours is not None and theirs is not None
                assert ours.strips == theirs.strips, f"{name!r} at {width} columns"
            await stock.remove()
            await flat.remove()


async def test_only_lists_of_paragraphs_and_lists_are_flat() -> None:
    """A flat list is one widget; a list holding anything else keeps the stock widgets."""
    app = ListsApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        flat = FlatMarkdown()
        await app.query_one(Offstage).mount(flat)
        await flat.update(LISTS["deep mix"] + "\n" + LISTS["ordered"])
        bullet, ordered = flat.children
        assert isinstance(bullet, FlatBulletList) and isinstance(ordered, FlatOrderedList)
        assert not bullet.children and not ordered.children
        await flat.update(LISTS["code in an item (stock)"])
        (kept,) = flat.children
        assert isinstance(kept, MarkdownBulletList) and kept.children


async def test_a_theme_change_redraws_flat_lists() -> None:
    app = ListsApp()
    async with app.run_test() as pilot:
        app.theme = "textual-dark"
        await pilot.pause()
        offstage = app.query_one(Offstage)
        stock, flat = Markdown(LISTS["wrapping, nested"]), FlatMarkdown(LISTS["wrapping, nested"])
        await offstage.mount_all([stock, flat])
        await pilot.pause()
        dark = draw(flat, 40)
        app.theme = "textual-light"
        await pilot.pause()
        light, theirs = draw(flat, 40), draw(stock, 40)
        assert dark is not None and light is not None and theirs is not None
        assert light.strips == theirs.strips
        assert light.strips != dark.strips
