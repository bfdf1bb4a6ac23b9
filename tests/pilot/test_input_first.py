"""Typed keys go before streaming work: the stream sees input queued on its way to the screen
(`widgets.segment_stream.input_waiting`) and holds back until it is drawn."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import TextArea

from widgets.segment_stream import input_waiting, let_input_through
from widgets.streaming_markdown import StreamingMarkdown


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
        assert not input_waiting(view)
        app.post_message(Unrelated())
        assert not input_waiting(view)
        app.post_message(events.Key("x", "x"))
        assert input_waiting(view), "Textual's message queues may have changed shape"
        await let_input_through(view)  # holds back until the key is handled and drawn
        assert not input_waiting(view)
        assert box.text == "x"
