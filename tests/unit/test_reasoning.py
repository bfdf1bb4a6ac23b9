"""The `<think>` splitter at every split point, and the thinking budget over a fake engine."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Sequence

import pytest

from app.backend.budget import TIME_LIMIT_NOTE, ThinkingBudget, time_limit_note
from app.backend.engine import Availability
from app.backend.events import ChatMessage, Content, Done, StreamEvent, Thinking, Usage
from app.backend.reasoning import ThinkTags, ThinkTagSplitter

THOUGHT = "The user asks 2+2.\n\nAdding: 2+2 = 4. Check <b>: fine."
ANSWER = "The answer is **4**.\n\nNote: `<think>` here is literal."
SAMPLE = f"<think>\n{THOUGHT}\n</think>\n\n{ANSWER}"


def split(chunks: Sequence[str], mode: ThinkTags = "leading") -> tuple[str, str, list[str]]:
    """(thinking, content, order of piece kinds) from feeding `chunks` then flushing."""
    splitter = ThinkTagSplitter(mode)
    pieces = [p for chunk in chunks for p in splitter.feed(chunk)] + splitter.flush()
    assert all(p.text for p in pieces), "no empty pieces"
    thinking = "".join(p.text for p in pieces if isinstance(p, Thinking))
    content = "".join(p.text for p in pieces if isinstance(p, Content))
    kinds = [type(p).__name__ for p in pieces]
    return thinking, content, kinds


def assert_thinking_then_answer(kinds: list[str]) -> None:
    first_content = kinds.index("Content") if "Content" in kinds else len(kinds)
    assert "Thinking" not in kinds[first_content:]


def test_whole_sample() -> None:
    assert split([SAMPLE])[:2] == (THOUGHT, ANSWER)


def test_every_single_split_point() -> None:
    for cut in range(len(SAMPLE) + 1):
        thinking, content, kinds = split([SAMPLE[:cut], SAMPLE[cut:]])
        assert (thinking, content) == (THOUGHT, ANSWER), f"split at {cut}: {SAMPLE[:cut]!r}"
        assert_thinking_then_answer(kinds)


def test_every_pair_of_split_points_around_the_tags() -> None:
    """Two cuts at once, both near a tag (where a tag splits into three chunks)."""
    close = SAMPLE.index("</think>")
    positions = [*range(0, 12), *range(close - 3, close + 12)]
    for a in positions:
        for b in positions:
            if a <= b:
                chunks = [SAMPLE[:a], SAMPLE[a:b], SAMPLE[b:]]
                assert split(chunks)[:2] == (THOUGHT, ANSWER), (a, b)


def test_one_character_at_a_time() -> None:
    assert split(list(SAMPLE))[:2] == (THOUGHT, ANSWER)


def test_random_chunkings() -> None:
    rng = random.Random(20240611)
    for _ in range(500):
        cuts = sorted(rng.sample(range(1, len(SAMPLE)), rng.randint(1, 25)))
        chunks = [SAMPLE[i:j] for i, j in zip([0, *cuts], [*cuts, len(SAMPLE)], strict=True)]
        thinking, content, kinds = split(chunks)
        assert (thinking, content) == (THOUGHT, ANSWER), chunks
        assert_thinking_then_answer(kinds)


def test_thoughts_stream_out_before_the_block_closes() -> None:
    """Thinking is emitted as it arrives, not held until `</think>`."""
    splitter = ThinkTagSplitter()
    assert splitter.feed("<think>") == []
    assert splitter.feed("Let me see") == [Thinking("Let me see")]
    assert splitter.thinking
    assert splitter.feed(" more </th") == [Thinking(" more")]
    assert splitter.feed("ink>Yes") == [Content("Yes")]
    assert not splitter.thinking


def test_case_and_leading_whitespace() -> None:
    assert split(["\n  <THINK>x</Think> y"])[:2] == ("x", "y")


def test_no_tags_is_all_content_and_not_delayed() -> None:
    splitter = ThinkTagSplitter()
    assert splitter.feed("Hello <think> world") == [Content("Hello <think> world")]
    assert split(["Plain answer."])[:2] == ("", "Plain answer.")


def test_think_tag_later_in_the_answer_is_literal() -> None:
    text = "Sure. <think>not thinking</think> done"
    assert split([text])[:2] == ("", text)


def test_partial_tag_at_start_that_is_not_a_tag() -> None:
    assert split(["<th", "ree>"])[:2] == ("", "<three>")
    assert split(["<", "b>bold"])[:2] == ("", "<b>bold")


def test_unclosed_think_is_flushed_as_thinking() -> None:
    assert split(["<think>ran out of tok", "ens </thi"])[:2] == ("ran out of tokens </thi", "")


def test_stream_ending_on_a_partial_open_tag_is_content() -> None:
    assert split(["<thi"])[:2] == ("", "<thi")


def test_implicit_mode_thinks_until_close_tag() -> None:
    """Templates that open `<think>` in the prompt: only `</think>` reaches the output."""
    text = f"{THOUGHT}\n</think>\n\n{ANSWER}"
    for cut in range(len(text) + 1):
        assert split([text[:cut], text[cut:]], "implicit")[:2] == (THOUGHT, ANSWER), cut
    assert split([SAMPLE], "implicit")[:2] == (THOUGHT, ANSWER)  # an explicit tag is fine too


def test_off_mode_passes_everything_through() -> None:
    assert split([SAMPLE[:5], SAMPLE[5:]], "off")[:2] == ("", SAMPLE)


def test_route_passes_other_events_through() -> None:
    splitter = ThinkTagSplitter()
    usage = Usage(1, 2)
    assert splitter.route(usage) == [usage]
    assert splitter.route(Content("<think>a</think>b")) == [Thinking("a"), Content("b")]


def test_unicode_that_changes_length_when_lowercased() -> None:
    text = "<think>İstanbul İİ</think>İ ok"
    for cut in range(len(text) + 1):
        assert split([text[:cut], text[cut:]])[:2] == ("İstanbul İİ", "İ ok"), cut


# Thinking budget over a scripted fake engine ------------------------------------------------


class FakeEngine:
    """First call: thinks (one piece per `tick`) until closed; later calls answer at once."""

    def __init__(self, tick: float = 0.01, first_answers_after: int | None = None) -> None:
        self.tick = tick
        self.first_answers_after = first_answers_after
        self.calls: list[list[ChatMessage]] = []
        self.closed_first = asyncio.Event()

    @property
    def model_label(self) -> str:
        return "fake"

    async def check(self) -> Availability:
        return Availability(True)

    def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[StreamEvent]:
        self.calls.append(list(messages))
        return self._first() if len(self.calls) == 1 else self._answer()

    async def _first(self) -> AsyncIterator[StreamEvent]:
        try:
            for n in range(10_000):
                if self.first_answers_after is not None and n == self.first_answers_after:
                    yield Content("\n\n")
                    yield Content("early answer")
                    yield Done("stop")
                    return
                yield Thinking(f"thought {n}. ")
                await asyncio.sleep(self.tick)
        finally:
            self.closed_first.set()

    async def _answer(self) -> AsyncIterator[StreamEvent]:
        yield Content("final answer")
        yield Done("stop")


async def collect(stream: AsyncIterator[StreamEvent]) -> list[StreamEvent]:
    return [event async for event in stream]


async def test_budget_cuts_and_asks_again_with_the_thoughts() -> None:
    engine = FakeEngine()
    cuts: list[float] = []
    budget = ThinkingBudget(0.1, on_cut=cuts.append)
    messages: list[ChatMessage] = [{"role": "user", "content": "What is 2+2?"}]
    events = await asyncio.wait_for(collect(budget.stream(engine, messages)), 10)

    thoughts = "".join(e.text for e in events if isinstance(e, Thinking))
    content = "".join(e.text for e in events if isinstance(e, Content))
    assert content == "final answer"
    assert thoughts.startswith("thought 0. ")
    assert engine.closed_first.is_set(), "the first stream was closed"
    assert len(cuts) == 1 and budget.cut_after == cuts[0]
    assert len(engine.calls) == 2
    second = engine.calls[1]
    assert second[:-1] == messages
    assert second[-1]["role"] == "user"
    assert thoughts.strip() in second[-1]["content"]
    assert isinstance(events[-1], Done)


async def test_budget_leaves_an_answer_that_starts_in_time_alone() -> None:
    engine = FakeEngine(tick=0, first_answers_after=3)
    budget = ThinkingBudget(30, on_cut=lambda _: pytest.fail("no cut expected"))
    events = await asyncio.wait_for(collect(budget.stream(engine, [])), 10)
    assert "".join(e.text for e in events if isinstance(e, Content)) == "\n\nearly answer"
    assert budget.cut_after is None and len(engine.calls) == 1


async def test_budget_holds_whitespace_and_cuts_when_no_real_answer_came() -> None:
    """Whitespace-only content does not count as the answer starting."""

    class Blank(FakeEngine):
        async def _first(self) -> AsyncIterator[StreamEvent]:
            yield Thinking("hmm")
            yield Content("\n\n")
            await asyncio.sleep(60)
            yield Content("too late")

    engine = Blank()
    budget = ThinkingBudget(0.05)
    events = await asyncio.wait_for(collect(budget.stream(engine, [])), 10)
    assert "".join(e.text for e in events if isinstance(e, Content)) == "final answer"
    assert budget.cut_after is not None


async def test_cancelling_a_budgeted_stream_closes_the_engine_stream() -> None:
    """Escape while thinking: the engine's stream is closed and nothing is asked again."""
    engine = FakeEngine()
    budget = ThinkingBudget(60, on_cut=lambda _: pytest.fail("no cut expected"))
    seen = asyncio.Event()

    async def consume() -> None:
        async for event in budget.stream(engine, []):
            if isinstance(event, Thinking):
                seen.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(seen.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.wait_for(engine.closed_first.wait(), 10)
    assert len(engine.calls) == 1


def test_time_limit_note() -> None:
    assert time_limit_note(30.4) == f"{TIME_LIMIT_NOTE} (30 s of thinking)"
    assert time_limit_note(0.52) == f"{TIME_LIMIT_NOTE} (0.5 s of thinking)"


# The in-process engine applies the splitter -------------------------------------------------


async def test_llama_cpp_engine_splits_think_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    """A local reasoning GGUF writes `<think>` into its content; the engine splits it out."""
    import threading
    from pathlib import Path

    from app.backend import llama_cpp_engine
    from app.config import RouteConfig

    class FakeLlama:
        _aha_lock = threading.Lock()

        def create_chat_completion(self, **kwargs: object) -> object:
            pieces = ["<th", "ink>\nhm", "m</th", "ink>\n\nHi", " there"]
            chunks = [
                {"choices": [{"delta": {"content": p}, "finish_reason": None}]} for p in pieces
            ]
            chunks.append({"choices": [{"delta": {}, "finish_reason": "stop"}]})
            return (chunk for chunk in chunks)  # a generator: the engine closes it

    monkeypatch.setattr(llama_cpp_engine, "load_model", lambda *args: FakeLlama())
    monkeypatch.setattr(llama_cpp_engine.LlamaCppEngine, "model_path", lambda self: Path("x"))
    engine = llama_cpp_engine.LlamaCppEngine(RouteConfig(engine="llama_cpp"))
    events = await asyncio.wait_for(collect(engine.stream([])), 10)
    assert [e for e in events if isinstance(e, Thinking | Content)] == [
        Thinking("hm"),
        Thinking("m"),
        Content("Hi"),
        Content(" there"),
    ]
    assert events[-1] == Done("stop")
