"""Typed keys go before streaming work (`widgets.markdown.input_first`): the stream sees input on its way
to the screen and holds back until the frame that shows it."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import TextArea

from widgets.markdown import input_first
from widgets.markdown.engine import StreamingMarkdown
from widgets.markdown.input_first import input_queued, let_input_through, watch_input


class Typing(App[None]):
    def compose(self) -> ComposeResult:
        yield StreamingMarkdown()
        yield TextArea()


class Unrelated(Message):
    """Not input: streaming does not hold back for it."""


async def test_a_queued_key_is_seen_until_it_is_handled() -> None:
    app = Typing()
    async with app.run_test() as pilot:
        box = app.query_one(TextArea)
        box.focus()
        await pilot.pause()
        view = app.query_one(StreamingMarkdown)
        assert not input_queued(view)
        app.post_message(Unrelated())
        assert not input_queued(view)
        app.post_message(events.Key("x", "x"))
        assert input_queued(view), "Textual's message queues may have changed shape"
        await let_input_through(view)  # holds back until the key is handled and drawn
        assert not input_queued(view)
        assert box.text == "x"


async def test_a_key_the_app_took_holds_streaming_back_until_drawn() -> None:
    """Between two pauses a key can cross every queue; the app's message signal still says it
    came, and the next pause waits for the frame that shows it."""
    app = Typing()
    async with app.run_test() as pilot:
        app.query_one(TextArea).focus()
        await pilot.pause()
        view = app.query_one(StreamingMarkdown)
        watch_input(view)
        await pilot.press("y")
        assert app in input_first._undrawn
        await let_input_through(view)
        assert app not in input_first._undrawn
        await pilot.press("z")
        assert app in input_first._undrawn
