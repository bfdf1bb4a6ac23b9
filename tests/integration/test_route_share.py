"""The deep share `aha route stats` reports after ordinary use: a scripted mixed session (hard
questions, their follow-ups, unrelated prompts in the same session, small talk), replayed
through the chat service with scripted servers as both routes, lands within 10 points of
`deep_share`; forced routes, extra samples and brainstorm stages are not counted."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.chat import ChatService
from app.config import RouteConfig, Settings
from storage import Store
from tests.servers.fake_openai import FakeOpenAI, ok

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

# One session, every prompt a follow-up of the answer before it (the active leaf), as a user
# types them over a morning: a few hard requests, each with a follow-up that refers back, then
# unrelated prompts that must be routed on their own.
SESSION = [
    "Prove that the sum of the first n odd numbers is n squared, by induction.",
    "and why does the induction step hold?",
    "Give me three tips for writing a clear blog introduction.",
    "thanks!",
    "What is the capital of Australia?",
    "Reword this to sound friendlier: Your request has been denied.",
    "Write a Python function that merges overlapping intervals, with tests, in O(n log n).",
    "fix it: it fails on an empty list",
    "Suggest a title for a post about learning rate warm-up.",
    "What does the acronym GPU stand for?",
    "hi",
    "Derive the gradient of the softmax cross-entropy loss with respect to the logits.",
    "Why?",
    "Translate 'good morning' into Spanish.",
    "Give me a synonym for 'important'.",
    "Summarise in one sentence what a blog post's introduction is for.",
    "My transformer's validation loss diverges after 10k steps with AdamW at lr 3e-4, batch"
    " 512, no warm-up; propose a debugging plan that isolates the cause step by step.",
    "What is 12 times 7?",
    "Name three popular Python web frameworks.",
    "ok, thanks",
    "Write a haiku about autumn.",
    "What year did the first moon landing happen?",
    "List two pros of writing in short paragraphs.",
    "Good night!",
]


def routes(fast: FakeOpenAI, deep: FakeOpenAI) -> Settings:
    def route(server: FakeOpenAI) -> RouteConfig:
        return RouteConfig(engine="litellm", model=f"openai/{server.model}",
                           api_base=server.api_base, retries=0)  # fmt: skip

    return Settings(routes={"fast": route(fast), "deep": route(deep)})


async def replay(service: ChatService) -> None:
    session = service.store.create_session()
    for prompt in SESSION:
        turn = await service.begin_turn(session.id, prompt)
        async for _ in service.stream_turn(turn):
            pass
    # Not the router's decisions: a forced route, a second sample, a brainstorm's stages.
    forced = await service.begin_turn(session.id, "/deep hello there")
    async for _ in service.stream_turn(forced):
        pass
    assert forced.final is not None
    prompt = service.store.get_message(forced.final.parent_id or "")
    assert prompt is not None
    sample = await service.begin_answer(prompt, force_route="deep")
    async for _ in service.stream_turn(sample):
        pass
    board = service.store.create_brainstorm("Reduce label noise in a speech dataset")
    for stage in ("frame", "critique", "plan"):
        step = await service.begin_turn(board.session_id, f"Stage {stage}: think hard, prove it")
        async for _ in service.stream_turn(step):
            pass


def test_a_mixed_session_lands_near_the_deep_share(aha_home: Path) -> None:
    with FakeOpenAI(model="quick") as fast, FakeOpenAI(model="big") as deep:
        fast.script(then=ok("A short answer."))
        deep.script(then=ok("A careful answer."))
        store = Store.open(aha_home / "aha.db")
        try:
            asyncio.run(replay(ChatService(store, routes(fast, deep))))
        finally:
            store.close()
    done = subprocess.run(
        [sys.executable, "-m", "app", "route", "stats", "--json"],
        cwd=REPO, env={**os.environ, "AHA_HOME": str(aha_home)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["prompts"] == len(SESSION)  # decided by the router, nothing else
    assert abs(report["deep_share"] - report["target"]) <= 0.10, report
    assert not report["drifted"]
