"""The 0.5 s promise, checked directly: with an engine that sends a token every 20 ms for
three seconds, the partial answer is stored at least every flush interval, and each stored
flush holds exactly the text streamed up to it (so a kill loses at most one interval).

The kill -9 tests prove the same end to end, with a process's real death; this one looks at
every flush, with no process timing in the way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from app.backend.engine import Availability
from app.backend.events import ChatMessage, Content, Done, StreamEvent
from app.backend.registry import Engines
from app.chat import FLUSH_INTERVAL_S, ChatService
from app.config import Settings
from storage import MessageStatus, Store

TOKENS = 150
PACE_S = 0.02
# Scheduling slack on a loaded two-core machine; the promise itself is FLUSH_INTERVAL_S.
SLACK_S = 0.3


class PacedEngine:
    model_label = "paced"

    async def check(self) -> Availability:
        return Availability(True, "paced")

    async def stream(
        self, messages: Sequence[ChatMessage], temperature: float | None = None
    ) -> AsyncIterator[StreamEvent]:
        for index in range(TOKENS):
            await asyncio.sleep(PACE_S)
            yield Content(f"t{index} ")
        yield Done("stop")


class PacedEngines(Engines):
    def get(self, name: str) -> PacedEngine:  # type: ignore[override]
        return PacedEngine()


class RecordingStore(Store):
    """Notes the time and text of every flush as it is committed."""

    flushes: list[tuple[float, str]]

    def save_progress(self, message_id: str, content: str, reasoning: str) -> None:
        super().save_progress(message_id, content, reasoning)
        stored = self.get_message(message_id)
        assert stored is not None
        self.flushes.append((time.monotonic(), stored.content))


async def test_partial_text_is_stored_every_flush_interval(tmp_path: Path) -> None:
    store = RecordingStore.open(tmp_path / "paced.db")
    store.flushes = []
    settings = Settings()
    service = ChatService(store, settings, engines=PacedEngines(settings))
    turn = await service.begin_turn(store.create_session().id, "count", force_route="fast")
    started = time.monotonic()
    shown: list[tuple[float, str]] = []
    text = ""
    async for event in service.stream_turn(turn):
        if isinstance(event, Content):
            text += event.text
            shown.append((time.monotonic(), text))
    ended = time.monotonic()
    assert turn.final is not None and turn.final.status is MessageStatus.COMPLETE
    times = [started] + [at for at, _ in store.flushes] + [ended]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert len(store.flushes) >= 4
    assert max(gaps) <= FLUSH_INTERVAL_S + SLACK_S, gaps
    # Each flush stored a prefix of the answer that had already been shown, never more.
    for _, stored in store.flushes:
        assert any(stored == seen for _, seen in shown), stored
    store.close()
