"""The answer view both ways: aha's fast streaming Markdown and Textual's stock stream.

A stub OpenAI-compatible server on 127.0.0.1 streams a Markdown answer (headings, a list, a
table, code) as the deep route; the same prompt is answered with `[ui] fast_markdown` on and
off. Both show the answer, keep it as stored, and show it again after a restart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.message import Message as TextualMessage

from app.config import load_settings
from app.ui.app import AhaApp
from storage import MessageStatus
from tests.helpers.openai_stub import OpenAIStub
from tests.pilot.helpers import main_screen, wait_for
from widgets.markdown import fast_markdown
from widgets.markdown.engine import StreamingMarkdown
from widgets.markdown.stock import StockAnswerMarkdown
from widgets.message_view import AssistantMessage
from widgets.prompt_input import PromptInput

SIZE = (100, 40)
ANSWER = (
    "## Plan\n\n",
    "First a paragraph that runs long enough to wrap across the answer's width, ",
    "then a list:\n\n- one\n- two with `code`\n- three\n\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n",
    "```python\nprint('hi')\n```\n\n",
    "The end.\n",
)
WHOLE = "".join(ANSWER)


def screen_text(app: AhaApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "stock"])
async def test_an_answer_streams_and_reopens_on_either_engine(
    home: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    engine = StreamingMarkdown if fast else StockAnswerMarkdown
    monkeypatch.setenv("AHA_UI__FAST_MARKDOWN", str(fast).lower())
    with OpenAIStub(answer=ANSWER) as stub:
        monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", stub.api_base)
        monkeypatch.setenv("AHA_ROUTES__DEEP__MODEL", "openai/stub-model")
        app = AhaApp(load_settings())
        async with app.run_test(size=SIZE) as pilot:
            assert fast_markdown() is fast
            box = app.screen.query_one(PromptInput)
            box.focus()
            box.insert("/deep plan it")
            await pilot.press("enter")  # a priority binding sends; no newline is typed

            def finished() -> list[AssistantMessage]:
                return [
                    v
                    for v in main_screen(app).query(AssistantMessage)
                    if v.status_value is MessageStatus.COMPLETE
                ]

            await wait_for(pilot, lambda: bool(finished()), timeout=30)
            (view,) = finished()
            assert isinstance(view.body, engine)
            assert view.body.source == WHOLE
            await pilot.pause()
            shown = screen_text(app)
            for words in ("Plan", "then a list:", "two with code", "print('hi')", "The end."):
                assert words in shown
            (stored,) = [
                m
                for s in app.store.list_sessions()
                for m in app.store.messages(s.id)
                if m.role == "assistant"
            ]
            assert stored.content == WHOLE
        # Reopened: the stored answer is shown whole by the same engine.
        again = AhaApp(load_settings())
        async with again.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: bool(main_screen(again).query(AssistantMessage)))
            (view,) = main_screen(again).query(AssistantMessage)
            assert isinstance(view.body, engine) and view.body.source == WHOLE
            await pilot.pause()
            assert "two with code" in screen_text(again)


async def test_the_prompt_keys(home: Path) -> None:
    """Ctrl+J and Shift+Enter insert a newline (bindings), Enter posts the text and inserts
    nothing (the box's own handler)."""
    seen: list[TextualMessage] = []
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        box = app.screen.query_one(PromptInput)
        box.focus()
        await pilot.press("a", "ctrl+j", "b", "shift+enter", "c")
        assert box.text == "a\nb\nc"
        assert not any(isinstance(m, PromptInput.Submitted) for m in seen)
        await pilot.press("enter")
        await pilot.pause()
        # The hook sees a message at each widget it bubbles through: one message, once.
        sent = {id(m): m.text for m in seen if isinstance(m, PromptInput.Submitted)}
        assert list(sent.values()) == ["a\nb\nc"]


async def test_enter_waits_for_the_keys_typed_before_it(home: Path) -> None:
    """Keys that arrive together (a paste, tmux send-keys) keep their order: Enter sends the
    text typed before it, however far the box's queue is behind (a priority binding took
    Enter at once, ahead of them, and sent an empty prompt)."""
    seen: list[TextualMessage] = []
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        box = app.screen.query_one(PromptInput)
        box.focus()
        await pilot.pause()
        for character in "hello":
            app.post_message(events.Key(character, character))
        app.post_message(events.Key("enter", "\r"))
        await wait_for(pilot, lambda: any(isinstance(m, PromptInput.Submitted) for m in seen))
        sent = {id(m): m.text for m in seen if isinstance(m, PromptInput.Submitted)}
        assert list(sent.values()) == ["hello"]
