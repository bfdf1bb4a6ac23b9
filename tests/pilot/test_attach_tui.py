"""Attaching in the TUI: `@` opens the picker, the file waits as a chip above the prompt box,
goes to the model before the question (a scripted server records it), shows on the stored
prompt, and stays with it when the prompt is edited unless removed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from app.ui.attach_picker import AttachPicker
from tests.pilot.helpers import main_screen, scripted_fast_route, send, wait_for
from tests.servers.fake_openai import FakeOpenAI, ok
from widgets.attachment_tray import AttachmentTray
from widgets.context_meter import ContextMeter
from widgets.message_view import UserMessage
from widgets.prompt_input import PromptInput

pytestmark = pytest.mark.integration

SIZE = (120, 40)


@pytest.fixture
def fast(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    project = home / "project"
    project.mkdir()
    (project / "notes.md").write_text("# Run 7\nloss spiked at step 300\n")
    (project / "blob.bin").write_bytes(b"\0\1\2")
    (project / "thesis.txt").write_text("word " * 9000)
    (project / "plan.md").write_text("next: lower the peak LR\n")
    monkeypatch.chdir(project)
    with scripted_fast_route(monkeypatch, "fast-scripted") as server:
        monkeypatch.setenv("AHA_ROUTES__FAST__CONTEXT_WINDOW", "2048")  # what the meter weighs
        server.script(then=ok("Noted."))
        yield server


async def pick(pilot, app: AhaApp, query: str) -> None:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker), timeout=10)
    picker = app.screen
    assert isinstance(picker, AttachPicker)
    await wait_for(pilot, lambda: bool(picker.offered), timeout=10)
    await pilot.press(*query)
    await pilot.pause()
    await pilot.press("enter")


async def test_a_file_attached_with_at_goes_before_the_question(
    fast: FakeOpenAI, home: Path
) -> None:
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        box = screen.query_one(PromptInput)
        tray = screen.query_one(AttachmentTray)
        await wait_for(pilot, lambda: app.focused is box, timeout=10)
        await pilot.press("@")
        await pick(pilot, app, "notes")
        await wait_for(pilot, lambda: len(tray.items) == 1)
        assert "notes.md · markdown" in str(tray.render()) and box.text == ""
        # The meter under the box counts the file; one bigger than the window turns it red.
        meter = screen.query_one(ContextMeter)
        await wait_for(pilot, lambda: "context ~" in str(meter.render()))
        assert meter.level == "ok" and "· fast" in str(meter.render())
        await pilot.press("ctrl+t")
        await pick(pilot, app, "thesis")
        await wait_for(pilot, lambda: meter.level == "over")
        assert "the prompt alone is too long" in str(meter.render())
        await pilot.press("ctrl+r")  # detach it again
        await wait_for(pilot, lambda: meter.level == "ok" and len(tray.items) == 1)
        await send(pilot, app, "What happened?")
        assert tray.items == []
        sent = fast.requests[-1].messages[-1]["content"]
        assert sent.index("loss spiked") < sent.index("What happened?")
        (prompt,) = screen.conversation.query(UserMessage)
        assert prompt.chips and prompt.chips[0].startswith("📎 notes.md · markdown")
        assert prompt.text == "What happened?"

        # `@` in the middle of a word is text; `@` then Escape types the `@` after all.
        await pilot.press("a", "@", "b", "space", "@")
        await wait_for(pilot, lambda: isinstance(app.screen, AttachPicker), timeout=10)
        await pilot.press("escape")
        await wait_for(pilot, lambda: box.text == "a@b @")
        box.clear()

        # A file that cannot be attached is one line; nothing waits in the tray.
        await pilot.press("ctrl+t")
        await pick(pilot, app, "blob")
        await wait_for(pilot, lambda: any("binary" in n.message for n in app._notifications))
        assert tray.items == []

        # A file waiting for the next prompt is set aside while a prompt is edited.
        await pilot.press("ctrl+t")
        await pick(pilot, app, "plan")
        await wait_for(pilot, lambda: [a.name for a in tray.items] == ["plan.md"])

        # Editing keeps the attachment; ^r removes it, and the new branch goes without it.
        await pilot.press("escape")  # select the last answer
        await pilot.press("up")
        assert isinstance(app.focused, UserMessage)
        await pilot.press("e")
        await wait_for(pilot, lambda: [a.name for a in tray.items] == ["notes.md"])
        await pilot.press("ctrl+r")
        assert tray.items == []
        box.clear()
        await send(pilot, app, "Only this.")
        assert "loss spiked" not in fast.requests[-1].messages[-1]["content"]
        assert "lower the peak" not in fast.requests[-1].messages[-1]["content"]
        assert [a.name for a in tray.items] == ["plan.md"]  # waiting again, nothing lost
        session_id = screen.session_id
        assert session_id is not None
        users = [m for m in app.store.messages(session_id) if m.role == "user"]
        assert [len(app.store.attachments_of(m.id)) for m in users] == [1, 0]


async def test_the_meter_learns_the_deep_servers_window(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deep route without `context_window`: the meter asks its server in the background
    and then weighs the prompt against the window the server lists."""
    from tests.servers.fake_openai import models_listing

    with FakeOpenAI(model="deep-listed") as deep:
        deep.list_models(models_listing("deep-listed", max_model_len=8192))
        monkeypatch.setenv("AHA_ROUTES__DEEP__API_BASE", deep.api_base)
        monkeypatch.setenv("AHA_ROUTES__DEEP__MODEL", "openai/deep-listed")
        monkeypatch.setenv("AHA_ROUTES__DEEP__MAX_TOKENS", "1024")
        app = AhaApp(load_settings())
        async with app.run_test(size=SIZE) as pilot:
            screen = main_screen(app)
            box = screen.query_one(PromptInput)
            meter = screen.query_one(ContextMeter)
            await wait_for(pilot, lambda: app.focused is box, timeout=10)
            await pilot.press(*"/deep hello")
            await wait_for(pilot, lambda: "/ 7,168 tokens · deep" in str(meter.render()))
