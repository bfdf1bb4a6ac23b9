"""An answer's Markdown, streamed: the one face of aha's streaming Markdown engine.

`answer_markdown(text)` makes the widget an answer is shown in, and its `stream()` the writer
that takes fragments as they come. Two engines stand behind it:

- the fast one (`widgets.markdown.engine`), which keeps the cost of each update flat however
  long an answer grows, by drawing with Textual's own widgets offstage; it needs Textual's
  private parts, all of them in `widgets.textual_compat`;
- the stock one (`widgets.markdown.stock`): Textual's `Markdown.get_stream()`.

The fast engine runs where the Textual installed is the one it was written against and the
`[ui] fast_markdown` setting allows it (`use_fast_markdown`, called by the App at start);
otherwise the stock one does. Both show an answer the same (tests/snapshot compares them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeAlias

from widgets.textual_compat import fast_markdown_supported

if TYPE_CHECKING:
    from widgets.markdown.engine import StreamingMarkdown
    from widgets.markdown.stock import StockAnswerMarkdown

AnswerMarkdown: TypeAlias = "StreamingMarkdown | StockAnswerMarkdown"
"""The widget an answer's Markdown is shown in: `source`, `update(text)`, `stream()`."""

__all__ = [
    "AnswerMarkdown",
    "AnswerStream",
    "answer_markdown",
    "fast_markdown",
    "use_fast_markdown",
]


class AnswerStream(Protocol):
    """Takes an answer's fragments as they come; `stop` shows all written, whole."""

    async def write(self, fragment: str) -> None: ...

    async def stop(self) -> None: ...


_wanted = True


def use_fast_markdown(wanted: bool) -> str | None:
    """Choose the engine for answers shown from now on: the fast one when `wanted` and this
    Textual supports it. Returns why the stock one is used when the fast one was wanted but
    cannot run, else None."""
    global _wanted
    _wanted = wanted
    return fast_markdown_supported() if wanted else None


def fast_markdown() -> bool:
    """Whether answers shown now use the fast engine."""
    return _wanted and fast_markdown_supported() is None


def answer_markdown(markdown: str = "") -> AnswerMarkdown:
    """The widget an answer's Markdown is shown in, drawn by the engine chosen."""
    if fast_markdown():
        # Imported only here: the fast engine's modules import Textual's private names, which
        # a Textual it does not support may not have.
        from widgets.markdown.engine import StreamingMarkdown

        return StreamingMarkdown(markdown)
    from widgets.markdown.stock import StockAnswerMarkdown

    return StockAnswerMarkdown(markdown)
