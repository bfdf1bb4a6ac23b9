"""Critique by the model: streamed into the panel, stored with the version it judged, its
outline applied as a new version; cancel; the fast route when deep is down (real model)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from app.backend.engine import Availability
from app.backend.events import ChatMessage, Content, Done, StreamEvent
from app.backend.retry import RouteFailed
from app.config import load_settings
from app.ui.app import AhaApp
from tests.pilot.drafts_helpers import open_drafts
from tests.pilot.helpers import wait_for
from tests.servers.fake_openai import FakeOpenAI, ok

POST = (
    "# Why caches lie\n\n"
    "Caches speed things up until they return stale data.\n\n"
    "## The fix\n\n"
    "Expire entries, or invalidate them when the source changes.\n\n"
    "## The problem\n\n"
    "A cache keeps a copy. The copy ages while the source changes.\n"
)
CRITIQUE = [
    "## Thesis\n\nCaches trade freshness for speed; say so in the first line.\n\n",
    "## Argument flow\n\nThe fix comes before the problem: a reader has no reason yet.\n\n",
    "## Move\n\nPut *The problem* before *The fix*.\n\n",
    "## Proposed outline\n\n```outline\n# Why caches lie\n## The problem\n## The fix\n```\n",
]


class ScriptedEngine:
    """An engine that answers with fixed chunks; `hold` keeps the stream open after the
    first chunk until it is set (to test cancelling)."""

    def __init__(
        self,
        chunks: Sequence[str],
        label: str = "scripted-editor",
        hold: asyncio.Event | None = None,
        first: StreamEvent | None = None,
    ) -> None:
        self.chunks = list(chunks)
        self.label = label
        self.hold = hold
        self.first = first
        self.seen: list[Sequence[ChatMessage]] = []

    @property
    def model_label(self) -> str:
        return self.label

    async def check(self) -> Availability:
        return Availability(True)

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[StreamEvent]:
        self.seen.append(messages)
        if self.first is not None:
            yield self.first
            return
        for index, chunk in enumerate(self.chunks):
            await asyncio.sleep(0.01)
            yield Content(chunk)
            if index == 0 and self.hold is not None:
                await self.hold.wait()
        yield Done("stop")


def use_engine(app: AhaApp, route: str, engine: ScriptedEngine) -> None:
    app.chat.engines._engines[route] = engine  # type: ignore[assignment]


async def test_critique_streams_is_stored_and_its_outline_applies(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        engine = ScriptedEngine(CRITIQUE)
        use_engine(app, "deep", engine)
        screen.editor.insert(POST)
        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: not screen.critique.critiquing and screen.critique.critique_id is not None,
        )
        draft = app.store.list_drafts()[0]
        (critique,) = app.store.list_critiques(draft.id)
        assert critique.status == "done" and critique.content == "".join(CRITIQUE)
        assert (critique.route, critique.model) == ("deep", "scripted-editor")
        # It judged the text on screen, saved first as a version.
        judged = app.store.get_version(critique.version_id or "")
        assert judged is not None and judged.body == POST
        sent = "\n".join(m["content"] for m in engine.seen[0])
        assert "Expire entries" in sent and "The problem" in sent
        panel = screen.critique_panel
        assert panel.display and "Caches trade freshness" in panel.text
        assert screen.critique.proposed == [
            (1, "Why caches lie"),
            (2, "The problem"),
            (2, "The fix"),
        ]
        # Apply the proposed outline: a new version, sections reordered, text kept.
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: screen.editor.text != POST, timeout=10)
        text = screen.editor.text
        assert text.index("## The problem") < text.index("## The fix")
        assert "A cache keeps a copy. The copy ages while the source changes." in text
        assert "Expire entries, or invalidate them when the source changes." in text
        latest = app.store.list_versions(draft.id)[0]
        assert latest.note == "applied critique outline" and latest.body == text
        # Reopening the draft shows its stored critique beside it.
        await pilot.press("ctrl+d")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: app.screen is not screen, timeout=5)
        reopened = app.screen
        await wait_for(pilot, lambda: "Caches trade" in reopened.critique_panel.text, timeout=10)  # type: ignore[attr-defined]


async def test_escape_cancels_a_critique_and_keeps_its_text(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        hold = asyncio.Event()
        use_engine(app, "deep", ScriptedEngine(CRITIQUE, hold=hold))
        screen.editor.insert(POST)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "Caches trade" in screen.critique_panel.text, timeout=10)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.critique.critiquing, timeout=10)
        (critique,) = app.store.list_critiques(app.store.list_drafts()[0].id)
        assert critique.status == "cancelled" and critique.content == CRITIQUE[0]
        assert screen.critique.proposed is None


async def test_deep_failing_before_any_text_falls_back_to_fast(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        failing = RouteFailed(
            "deep route: HTTP 503 after 3 tries", reason="HTTP 503", can_fall_back=True
        )
        use_engine(app, "deep", ScriptedEngine([], first=failing))
        use_engine(app, "fast", ScriptedEngine(CRITIQUE, label="scripted-fast"))
        screen.editor.insert(POST)
        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: not screen.critique.critiquing and screen.critique.critique_id is not None,
        )
        (critique,) = app.store.list_critiques(app.store.list_drafts()[0].id)
        assert critique.status == "done" and critique.content == "".join(CRITIQUE)
        status = str(screen.critique_panel.status.render())
        assert "fast" in status and "HTTP 503" in status


async def test_critique_on_the_embedded_model_when_deep_is_down(home: Path) -> None:
    """The real path: the deep route points at a closed port, so the embedded model (fast)
    critiques; the panel says why, and the critique is stored."""
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        screen.editor.insert(POST)
        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: screen.critique.critique_id is not None and not screen.critique.critiquing,
        )
        (critique,) = app.store.list_critiques(app.store.list_drafts()[0].id)
        assert critique.route == "fast" and critique.model
        assert critique.status == "done" and critique.content.strip()
        assert critique.content == screen.critique_panel.text
        status = str(screen.critique_panel.status.render())
        assert "deep route unavailable" in status and "critiqued by fast" in status


async def test_critique_through_a_real_deep_server(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deep route as configured (litellm) against an OpenAI-compatible server on
    127.0.0.1: the critique streams over HTTP, the request carries the draft, and the
    proposed outline applies."""
    with FakeOpenAI(model="fake-deep") as deep:
        deep.script(ok(*CRITIQUE))
        monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", deep.api_base)
        monkeypatch.setenv("AHA_ROUTES__DEEP__RETRIES", "0")
        app = AhaApp(load_settings())
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_drafts(pilot, app)
            screen.editor.insert(POST)
            await pilot.press("ctrl+r")
            await wait_for(
                pilot,
                lambda: screen.critique.critique_id is not None and not screen.critique.critiquing,
            )
            (critique,) = app.store.list_critiques(app.store.list_drafts()[0].id)
            assert (critique.route, critique.status) == ("deep", "done")
            assert critique.content == "".join(CRITIQUE)
            (request,) = deep.requests
            assert any("Expire entries" in m["content"] for m in request.messages)
            assert screen.critique.proposed is not None
            await pilot.press("ctrl+t")
            await wait_for(pilot, lambda: screen.editor.text != POST, timeout=10)
            text = screen.editor.text
            assert text.index("## The problem") < text.index("## The fix")


async def test_leaving_a_draft_stops_its_critique(home: Path) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, app)
        use_engine(app, "deep", ScriptedEngine(CRITIQUE, hold=asyncio.Event()))
        screen.editor.insert(POST)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "Caches trade" in screen.critique_panel.text, timeout=10)
        first = screen.draft_id
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: not screen.critique.critiquing, timeout=10)
        (critique,) = app.store.list_critiques(first or "")
        assert critique.status == "cancelled" and critique.content == CRITIQUE[0]
        assert screen.draft_id is None and not screen.critique_panel.display
        assert screen.check_action("critique", ()) is True


PROBLEMS = (
    "## Problems\n\n"
    '1. "Expire entries, or invalidate them" comes before any reason to: move it below.\n'
    "2. The post never says what a stale read costs.\n\n"
)


async def test_the_critiques_problems_join_the_findings_at_their_passages(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The numbered problems of the model's critique are findings marked as the model's: at
    the line each quotes, or a general note when the quote is not in the draft; choosing one
    jumps to its passage, and they are found again when a stored critique is reopened."""
    from widgets.draft_outline import FindingsList

    with FakeOpenAI(model="fake-deep") as deep:
        deep.script(ok(*CRITIQUE[:3], PROBLEMS, CRITIQUE[3]))
        monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", deep.api_base)
        monkeypatch.setenv("AHA_ROUTES__DEEP__RETRIES", "0")
        app = AhaApp(load_settings())
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_drafts(pilot, app)
            screen.editor.insert(POST)
            await pilot.press("ctrl+r")

            def model_findings() -> list:  # type: ignore[type-arg]
                return [f for f in screen.findings if f.rule == "model-critique"]

            await wait_for(pilot, lambda: len(model_findings()) == 2)
            anchored, general = sorted(model_findings(), key=lambda f: -f.line)
            assert (anchored.line, anchored.section) == (7, "The fix")
            assert anchored.message.startswith("model · ")
            assert general.line == 1 and "general" in general.message
            box = screen.query_one(FindingsList)
            box.focus()
            index = screen.findings.index(anchored)
            box.highlighted = index
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.editor.cursor_location[0] == 6, timeout=10)
    # Reopened: the stored critique's problems are findings again.
    again = AhaApp(load_settings())
    async with again.run_test(size=(120, 40)) as pilot:
        screen = await open_drafts(pilot, again)
        await wait_for(
            pilot, lambda: any(f.rule == "model-critique" for f in screen.findings), timeout=20
        )
