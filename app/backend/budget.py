"""A thinking budget: stop a model that thinks too long and ask it for the answer now.

`ThinkingBudget(seconds).stream(engine, messages)` wraps any engine's stream. The clock starts
with the request. While no answer text has arrived, thoughts pass through as they come; once
the budget is spent, the stream is closed (the engine stops generating: llama.cpp between
tokens, litellm by closing the HTTP response) and the same engine is asked again, with the
thoughts so far, for its final answer. `on_cut` hears about it so the caller can mark the
answer "answered at the time limit".

How the thoughts go back (and why this way): as a last *user* message, "Time is up. Your
reasoning so far: <thoughts>...</thoughts> Give your final answer now, without further
reasoning." Every OpenAI-compatible server accepts that. The alternative, a trailing assistant
message `<think>thoughts</think>` for the model to continue, depends on each server's support
for continuing the final message (vLLM needs `continue_final_message`, others ignore it and open
a new turn), and the chat templates of DeepSeek-R1 and Qwen3 strip `<think>` blocks out of
earlier assistant turns, so the thoughts would silently vanish.

Rules:
- A cut needs some thoughts: a model still reading a long prompt (no tokens yet) is left alone
  and cut at its first thought after the deadline; re-asking would only restart the wait.
- Whitespace-only content does not count as the answer starting (servers send "\\n\\n" after the
  reasoning); it is held back until real text follows.
- The second request may think again (reasoning models always do); its thoughts pass through,
  and if it is still only thinking after another full budget, it is stopped with `Failed`.
- The inner stream runs in one task of its own, so the engine's generator is entered, iterated
  and closed in the same task (httpx and anyio cancel scopes require it), and cancelling it
  never lands in the consumer's code, as a timeout around a `yield` would.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence

from app.backend.engine import Engine
from app.backend.events import ChatMessage, Content, Done, Failed, StreamEvent, Thinking

TIME_IS_UP = (
    "Time is up. Your reasoning so far:\n\n<thoughts>\n{thoughts}\n</thoughts>\n\n"
    "Based on that reasoning, give your final answer to my previous message now, "
    "without further reasoning."
)
# Thoughts re-sent are capped (the latest part kept: it holds the model's current state) so a
# fast model thinking for minutes cannot overflow the context of its second request.
MAX_THOUGHTS_CHARS = 24_000
_END = object()
TIME_LIMIT_NOTE = "answered at the time limit"


def time_limit_note(seconds: float) -> str:
    """The note stored on (and shown with) an answer the budget cut short."""
    shown = f"{seconds:.1f}" if seconds < 10 else f"{seconds:.0f}"
    return f"{TIME_LIMIT_NOTE} ({shown} s of thinking)"


def time_is_up_messages(messages: Sequence[ChatMessage], thoughts: str) -> list[ChatMessage]:
    """The second request: the original conversation, then the thoughts as a user message."""
    text = thoughts.strip()
    if len(text) > MAX_THOUGHTS_CHARS:
        text = "…" + text[-MAX_THOUGHTS_CHARS:]
    return [*messages, {"role": "user", "content": TIME_IS_UP.format(thoughts=text)}]


class ThinkingBudget:
    """Limit thinking to `seconds` (measured from the request) before the answer starts."""

    def __init__(
        self,
        seconds: float,
        on_cut: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.on_cut = on_cut
        self.clock = clock
        self.cut_after: float | None = None  # seconds of thinking when the stream was cut

    async def stream(
        self, engine: Engine, messages: Sequence[ChatMessage]
    ) -> AsyncIterator[StreamEvent]:
        started = self.clock()
        thoughts: list[str] = []
        async for event in self._limited(engine.stream(messages), started, thoughts):
            yield event
        if self.cut_after is None:
            return
        if self.on_cut is not None:
            self.on_cut(self.cut_after)
        again = engine.stream(time_is_up_messages(messages, "".join(thoughts)))
        async for event in self._limited(again, self.clock(), [], second=True):
            yield event

    async def _limited(
        self,
        inner: AsyncIterator[StreamEvent],
        started: float,
        thoughts: list[str],
        second: bool = False,
    ) -> AsyncIterator[StreamEvent]:
        """Pass `inner` through until it ends or the budget runs out with thoughts but no
        answer; then return with `cut_after` set (or fail, on the second request)."""
        queue: asyncio.Queue[object] = asyncio.Queue()
        producer = asyncio.create_task(_pump(inner, queue))
        deadline = started + self.seconds
        answering = False
        blank: list[str] = []  # whitespace-only content held back until real text follows
        try:
            while True:
                if not answering and thoughts and self.clock() >= deadline:
                    break  # the budget is spent: cut
                if answering or not thoughts:
                    item = await queue.get()
                else:
                    try:
                        # Not wait_for: on 3.11 it can swallow a cancellation (Ctrl+C).
                        async with asyncio.timeout(max(0.0, deadline - self.clock())):
                            item = await queue.get()
                    except TimeoutError:
                        continue
                if item is _END:
                    return
                if isinstance(item, Content) and not answering:
                    if not item.text.strip():
                        blank.append(item.text)
                        continue
                    answering = True
                    item = Content("".join(blank) + item.text)
                    blank.clear()
                elif isinstance(item, Thinking) and not answering:
                    if second and not thoughts:
                        yield Thinking("\n\n")  # set the second request's thoughts apart
                    thoughts.append(item.text)
                elif isinstance(item, Done | Failed) and blank:
                    yield Content("".join(blank))
                    blank.clear()
                yield item  # type: ignore[misc]
        finally:
            producer.cancel()
            await asyncio.wait({producer})  # its generator is closed before we go on
        # Only a cut gets here (`break` above).
        if second:
            yield Failed(
                "the model was still thinking after being asked for its final answer"
                f" ({self.seconds:g} s limit)"
            )
            return
        self.cut_after = self.clock() - started


async def _pump(inner: AsyncIterator[StreamEvent], queue: asyncio.Queue[object]) -> None:
    """Iterate the engine's stream in this task alone, closing it when done or cancelled."""
    try:
        async for event in inner:
            queue.put_nowait(event)
    except Exception as exc:  # noqa: BLE001 - a broken stream becomes a Failed event
        queue.put_nowait(Failed(f"{type(exc).__name__}: {exc}"))
    finally:
        aclose = getattr(inner, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
        queue.put_nowait(_END)
