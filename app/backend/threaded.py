"""Run a blocking event generator in a thread and consume it asynchronously.

llama.cpp generation is blocking CPU work; running it in a thread keeps the UI's event loop
free. Leaving the async iteration early (cancel, error) sets `stop`, which the producer checks
between tokens, so a cancelled answer stops computing at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator

from app.backend.events import Failed, StreamEvent
from app.sanitize import error_line

_END = object()


async def iterate_in_thread(
    produce: Callable[[threading.Event], Iterator[StreamEvent]], name: str = "aha-engine"
) -> AsyncIterator[StreamEvent]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    stop = threading.Event()

    def put(item: object) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop closed under us: nobody is listening any more
            stop.set()

    def run() -> None:
        try:
            for event in produce(stop):
                if stop.is_set():
                    break
                put(event)
        except Exception as exc:  # noqa: BLE001 - becomes a Failed event, never a crash
            put(Failed(error_line(f"{type(exc).__name__}: {exc}")))
        finally:
            put(_END)

    # Not the default executor (asyncio.run() would wait for it), and not a daemon thread:
    # at exit the interpreter joins it, after `stop` ended it at the next token, so no native
    # llama.cpp call is torn down mid-flight (that crashed the process after Ctrl+C).
    thread = threading.Thread(target=run, name=name, daemon=False)
    thread.start()
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
