"""Read a child's pipe in a thread, recording when each piece of text arrived."""

from __future__ import annotations

import codecs
import os
import threading
import time
from typing import IO


class TimedReader:
    """Drains `stream` until EOF; `chunks` holds (time.monotonic() on arrival, text)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._fd = stream.fileno()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._changed = threading.Condition()
        self.chunks: list[tuple[float, str]] = []
        self.eof = False
        self._thread = threading.Thread(target=self._run, name="timed-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            data = os.read(self._fd, 65536)
            now = time.monotonic()
            text = self._decoder.decode(data, final=not data)
            with self._changed:
                if text:
                    self.chunks.append((now, text))
                if not data:
                    self.eof = True
                self._changed.notify_all()
            if not data:
                return

    @property
    def text(self) -> str:
        with self._changed:
            return "".join(text for _, text in self.chunks)

    def wait_for_chars(self, count: int, timeout: float) -> bool:
        """Wait until at least `count` characters arrived; False on EOF or timeout first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(len(t) for _, t in self.chunks) < count:
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the pipe never reached EOF"


def loss_window(chunks: list[tuple[float, str]], stored: int, killed_at: float) -> float:
    """Seconds between the kill and the arrival of the oldest text missing from the store.

    `stored` is how many characters of the received text the database holds (as a prefix).
    0.0 when nothing received is missing.
    """
    end = 0
    for arrived, text in chunks:
        end += len(text)
        if end > stored:
            return max(0.0, killed_at - arrived)
    return 0.0
