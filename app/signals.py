"""SIGTERM and SIGHUP end aha the way Ctrl+C does, and the answer in flight is marked
`interrupted` at once (not at the next start, by recovery).

The command line turns either signal into KeyboardInterrupt, so the same unwinding runs as for
Ctrl+C: the stream is cancelled, its text stored, the generation thread told to stop. The TUI
asks the app to exit instead (see app/ui/app.py). Either way `received()` tells the chat
service that the user did not cancel: the process was ended.
"""

from __future__ import annotations

import signal
from types import FrameType

ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_received: int | None = None


def received() -> int | None:
    """The ending signal this process got, if any."""
    return _received


def note(signum: int) -> None:
    global _received
    _received = signum


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Act as Ctrl+C does at this moment: inside `asyncio.run` its SIGINT handler cancels the
    main task (so the stream unwinds through its own cancel path, not an exception thrown
    into whatever code was running); elsewhere, KeyboardInterrupt."""
    note(signum)
    on_sigint = signal.getsignal(signal.SIGINT)
    if callable(on_sigint) and on_sigint is not signal.default_int_handler:
        on_sigint(signal.SIGINT, frame)
        return
    raise KeyboardInterrupt


def install_for_cli() -> None:
    """SIGTERM and SIGHUP raise KeyboardInterrupt in the main thread, as SIGINT does."""
    for signum in ENDING_SIGNALS:
        signal.signal(signum, _interrupt)


def exit_status() -> int:
    """128 + the signal: 130 for Ctrl+C, 143 for SIGTERM, 129 for SIGHUP."""
    return 128 + (_received or signal.SIGINT)
