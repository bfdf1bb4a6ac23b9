"""Model jobs whose result is not a message of a thread (a draft's critique), run with the same
life as a chat turn: stored first, routed, fallen back, sanitised, flushed, finished.

A chat turn, a brainstorm stage, a check's request for tests or a fix, and a revision are
ordinary turns of `ChatService`. A job whose result lives elsewhere hands `JobRunner` a
`JobRecord` (where its row is written) and gets back only events to draw:

1. The route is chosen before the model is asked: the preferred one, or the fallback with a
   note saying why, or none (the record is finished `failed` with the reason).
2. The record is started with the route and model, then fed the partial text at most every
   flush interval (a killed process loses at most that much).
3. A preferred route that fails before any text falls back once; the record is started again
   on the new route and a `JobRoute` event says so.
4. The text is sanitised before it is yielded or stored; the record ends `done`, `failed`
   (an error, or an empty result) or `cancelled`, whatever ends the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from app.backend.engine import Engine, closing_stream
from app.backend.events import ChatMessage, Content, Done, Failed
from app.backend.retry import RouteFailed
from app.sanitize import StreamSanitizer, error_line, one_line
from storage import StorageError

if TYPE_CHECKING:
    from app.chat import ChatService

JobStatus = Literal["done", "failed", "cancelled"]


class JobRecord(Protocol):
    """Where one job's result is stored; each call is one write."""

    def start(self, route: str, model: str) -> None:
        """The row, before the model is asked (again, emptied, after a fallback)."""

    def save(self, text: str) -> None:
        """The partial text so far."""

    def finish(self, status: JobStatus, text: str, error: str | None) -> None:
        """The final state, whatever ended the stream."""


@dataclass(frozen=True, slots=True)
class JobRoute:
    """Which route answers: first when the job starts, again after a fallback."""

    route: str
    model: str
    note: str


class JobRunner:
    def __init__(self, chat: ChatService) -> None:
        self.chat = chat

    async def _pick(
        self, preferred: str, fallback: str, done_by: str
    ) -> tuple[str, Engine | None, str]:
        """(route, its engine or None when nothing answers, a note on why not `preferred`)."""
        chat = self.chat
        wanted = await chat.availability(preferred)
        if wanted.ok:
            return preferred, chat.engines.get(preferred), ""
        if fallback != preferred and (await chat.availability(fallback)).ok:
            note = f"{preferred} route unavailable ({wanted.detail}): {done_by} by {fallback}"
            return fallback, chat.engines.get(fallback), error_line(note)
        return preferred, None, error_line(f"{preferred} route unavailable: {wanted.detail}")

    async def run(
        self,
        messages: Sequence[ChatMessage],
        record: JobRecord,
        *,
        what: str,
        done_by: str = "answered",
        preferred: str = "deep",
        fallback: str = "fast",
    ) -> AsyncIterator[JobRoute | Content | Failed]:
        """Run one job; `what` names its result in the empty-result error ("critique"),
        `done_by` what the fallback route did in its note ("critiqued by fast")."""
        route, engine, note = await self._pick(preferred, fallback, done_by)
        text: list[str] = []
        status: JobStatus = "failed"
        error: str | None = None
        flusher: asyncio.Task[None] | None = None
        started = False
        try:
            if engine is None:
                error = note
                record.start(route, "")
                started = True
                yield JobRoute(route, "", "")
                yield Failed(note)
                return
            model = one_line(engine.model_label, 200)
            record.start(route, model)
            started = True
            yield JobRoute(route, model, note)
            flusher = asyncio.create_task(self._flush(record, text))
            async for event in self._stream(engine, route, fallback, list(messages), done_by):
                if isinstance(event, JobRoute):
                    text.clear()
                    record.start(event.route, event.model)
                    route = event.route
                    yield event
                elif isinstance(event, Content):
                    text.append(event.text)
                    yield event
                elif isinstance(event, Failed):
                    error = error_line(event.message)
                    yield Failed(error)
                    return
            if "".join(text).strip():
                status = "done"
            else:
                error = f"{route} route: the model returned an empty {what}"
                yield Failed(error)
        except (asyncio.CancelledError, GeneratorExit):
            status, error = "cancelled", None
            raise
        except StorageError:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug in a stream must not lose the text
            error = error_line(f"{type(exc).__name__}: {exc}")
            yield Failed(error)
        finally:
            if flusher is not None:
                flusher.cancel()
            if started:
                record.finish(status, "".join(text), error)

    async def _stream(
        self,
        engine: Engine,
        route: str,
        fallback: str,
        messages: list[ChatMessage],
        done_by: str,
    ) -> AsyncIterator[JobRoute | Content | Failed]:
        """The engine's events, sanitised; a route that fails before any text falls back to
        `fallback` once (a JobRoute event says so)."""
        clean = StreamSanitizer()
        shown = False
        async with closing_stream(engine.stream(messages)) as events:
            async for event in events:
                if isinstance(event, RouteFailed) and not shown and event.can_fall_back:
                    if route != fallback and (await self.chat.availability(fallback)).ok:
                        other = self.chat.engines.get(fallback)
                        reason = error_line(event.reason)
                        note = f"{route} route failed ({reason}): {done_by} by {fallback}"
                        yield JobRoute(fallback, one_line(other.model_label, 200), note)
                        retries = self._stream(other, fallback, fallback, messages, done_by)
                        async for retry in retries:
                            yield retry
                        return
                if isinstance(event, Content):
                    piece = clean.feed(event.text)
                    if piece:
                        shown = True
                        yield Content(piece)
                elif isinstance(event, Done):
                    tail = clean.flush()
                    if tail:
                        yield Content(tail)
                    return
                elif isinstance(event, Failed):
                    yield event
                    return

    async def _flush(self, record: JobRecord, text: list[str]) -> None:
        """Keep the stored text at most one flush interval behind the screen; a failed write
        (a full disk) is tried again at the next tick, and the final write decides."""
        stored = 0
        while True:
            await asyncio.sleep(self.chat.flush_interval)
            if len(text) != stored:
                try:
                    record.save("".join(text))
                    stored = len(text)
                except StorageError:
                    continue
