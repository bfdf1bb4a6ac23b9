"""Typed keys go before streaming work.

A key crosses three message queues (the app's, the screen's, the focused widget's) and then
waits for a frame. The event loop runs one piece of each ready task per pass, so behind a busy
stream every hop waits for a piece of streaming work, and a key typed while a long answer
streamed was late to show (`make bench` streaming: key-to-screen). Streaming work pauses at
its steps (`let_input_through`) while input is on its way, and until the frame that shows it.

Input is seen two ways: queued for one of the three (their queues are read through
`widgets.textual_compat`: Textual has no public way to peek at them), and handled by the app,
through the app's message signal (public). Should the queues change shape, the signal still
says when the app took a key, and tests/pilot/test_input_first.py says what broke.
"""

from __future__ import annotations

import asyncio
import time
from weakref import WeakSet

from textual import events
from textual.app import App
from textual.message import Message
from textual.widget import Widget

from widgets.textual_compat import queued_messages

INPUT_WAIT_S = 0.05
"""How long streaming work holds back, at most, for one piece of input."""


def _is_input(message: object) -> bool:
    """Input that goes first: keys, clicks, the mouse wheel. Not the pointer moving, which
    can come every few milliseconds and only changes hover highlights."""
    return isinstance(message, events.InputEvent) and not isinstance(message, events.MouseMove)


# Apps whose message signal is watched, and those that took input not drawn yet.
_watched: WeakSet[App[object]] = WeakSet()
_undrawn: WeakSet[App[object]] = WeakSet()


def watch_input(widget: Widget) -> None:
    """Note, from now on, when `widget`'s app takes input (once per app)."""
    app = widget.app
    if app in _watched or not app.is_running:
        return
    _watched.add(app)

    def taken(message: Message) -> None:
        if _is_input(message):
            _undrawn.add(app)

    app.message_signal.subscribe(app, taken, immediate=True)


def input_queued(widget: Widget) -> bool:
    """Whether input is queued for `widget`'s app, its screen or the focused widget."""
    app = widget.app
    return any(
        _is_input(message)
        for pump in (app, app.screen, app.focused)
        for message in queued_messages(pump)
    )


async def let_input_through(widget: Widget) -> None:
    """A pause in streaming work (`widget` streams): input on its way goes first, until the
    frame that shows it, or INPUT_WAIT_S at most."""
    await asyncio.sleep(0)
    if not widget.is_attached:
        return
    app = widget.app
    if not (input_queued(widget) or app in _undrawn):
        return
    deadline = time.perf_counter() + INPUT_WAIT_S
    while input_queued(widget) and time.perf_counter() < deadline:
        await asyncio.sleep(0)
    drawn = asyncio.get_running_loop().create_future()
    app.screen.call_after_refresh(lambda: drawn.done() or drawn.set_result(None))
    remaining = deadline - time.perf_counter()
    if remaining > 0:
        try:
            await asyncio.wait_for(drawn, remaining)
        except TimeoutError:
            pass
    _undrawn.discard(app)
