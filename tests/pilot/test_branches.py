"""Branches in the TUI: edit, regenerate, switch, fork, continue and search, with the real
embedded model and a real SQLite file. Every change must leave the old branch intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import load_settings
from app.ui.app import AhaApp
from app.ui.search import SearchScreen
from storage import MessageStatus, RouteRecord, Store
from tests.pilot.helpers import answer_ids, main_screen, send, wait_for, wait_for_new_answer
from widgets.message_view import AssistantMessage, UserMessage
from widgets.prompt_input import PromptInput
from widgets.session_list import SessionList

pytestmark = pytest.mark.integration

SIZE = (120, 40)


def views(app: AhaApp, kind: type) -> list:
    return list(main_screen(app).conversation.query(kind))


async def test_edit_makes_a_sibling_and_keeps_the_old_branch(home: Path) -> None:
    """Escape selects the last message, up reaches the prompt, e puts it in the box; sending
    makes a sibling prompt with its own answer, and ←/→ switch between the two branches."""
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await send(pilot, app, "Say hi")
        await pilot.press("escape")  # select the last message (the answer)
        assert isinstance(app.focused, AssistantMessage)
        await pilot.press("up")
        assert isinstance(app.focused, UserMessage)
        await pilot.press("e")
        box = screen.query_one(PromptInput)
        assert box.text == "Say hi" and app.focused is box and screen.editing is not None
        box.clear()
        await send(pilot, app, "Say hello")

        store = app.store
        session_id = screen.session_id
        assert session_id is not None
        roots = [m for m in store.messages(session_id) if m.parent_id is None]
        assert [m.content for m in roots] == ["Say hi", "Say hello"]
        assert all(store.children(m.id) for m in roots), "each prompt keeps its own answer"
        shown = views(app, UserMessage)
        assert [v.text for v in shown] == ["Say hello"]
        assert shown[0].sibling_count == 2 and shown[0].sibling_index == 1

        shown[0].focus()
        await pilot.press("left")
        await wait_for(pilot, lambda: [v.text for v in views(app, UserMessage)] == ["Say hi"])
        assert store.get_session(session_id).active_leaf_id == store.children(roots[0].id)[0].id

    # The chosen branch is remembered across a restart.
    again = AhaApp(load_settings())
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [v.text for v in views(again, UserMessage)] == ["Say hi"]


async def test_regenerate_adds_a_sibling_answer(home: Path) -> None:
    """r on an answer asks again; both answers stay, as siblings, and the view shows 2/2."""
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await send(pilot, app, "Name a colour")
        await pilot.press("escape")
        before = answer_ids(app)
        await pilot.press("r")
        await wait_for_new_answer(pilot, app, before)
        prompt = [m for m in app.store.messages(screen.session_id) if m.role == "user"][0]
        answers = app.store.children(prompt.id)
        assert len(answers) == 2
        assert all(a.status is MessageStatus.COMPLETE for a in answers)
        shown = views(app, AssistantMessage)
        assert len(shown) == 1 and shown[0].message_id == answers[1].id
        assert (shown[0].sibling_index, shown[0].sibling_count) == (1, 2)


async def test_fork_copies_the_thread_into_a_new_session(home: Path) -> None:
    """f on a message copies root..message into a new session that records its origin."""
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await send(pilot, app, "Say hi")
        original = screen.session_id
        await pilot.press("escape", "f")
        await wait_for(pilot, lambda: screen.session_id != original)
        forked = app.store.get_session(screen.session_id)
        assert forked.forked_from_session_id == original
        copied = app.store.active_thread(forked.id)
        source = app.store.active_thread(original)
        assert [(m.role, m.content) for m in copied] == [(m.role, m.content) for m in source]
        assert {m.id for m in copied}.isdisjoint({m.id for m in source})
        assert screen.query_one(SessionList).option_count == 2


async def test_continue_a_cancelled_answer(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """c on a cancelled answer makes a sibling that starts with the partial text."""
    # Long enough that Escape lands mid-answer even on a fast, idle machine.
    monkeypatch.setenv("AHA_ROUTES__FAST__MAX_TOKENS", "1500")
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        await wait_for(pilot, lambda: isinstance(app.focused, PromptInput), timeout=10)
        await pilot.press(*"Write a long story about a dragon")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(v.body.source for v in views(app, AssistantMessage)))
        assert screen.streaming, "the answer finished before Escape: make it longer"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.streaming)
        cancelled = [m for m in app.store.messages(screen.session_id) if m.role == "assistant"]
        assert cancelled[0].status is MessageStatus.CANCELLED and cancelled[0].content
        fast = app.chat.engines.get("fast")
        fast.config = fast.config.model_copy(update={"max_tokens": 8})  # a short continuation
        before = answer_ids(app)
        await pilot.press("escape", "c")
        await wait_for_new_answer(pilot, app, before)
        answers = [m for m in app.store.messages(screen.session_id) if m.role == "assistant"]
        assert len(answers) == 2
        assert answers[1].content.startswith(cancelled[0].content)
        assert answers[1].parent_id == cancelled[0].parent_id


async def test_search_opens_the_hit_on_its_branch(home: Path) -> None:
    """ctrl+f finds a prompt from another session as you type; Enter opens that session with
    the message selected and highlighted."""
    store = Store.open(home / "aha.db")
    older = store.create_session()
    prompt = store.add_user_message(older.id, None, "How do lighthouses rotate their lamps?")
    store.create_session()
    newer = store.create_session()
    store.add_user_message(newer.id, None, "Unrelated question about bread")
    store.close()

    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        assert screen.session_id == newer.id
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"lighthou")
        search = app.screen
        await wait_for(pilot, lambda: search.hits)
        await pilot.press("enter")
        await wait_for(pilot, lambda: main_screen(app).session_id == older.id)
        focused = app.focused
        assert isinstance(focused, UserMessage) and focused.message_id == prompt.id
        assert focused.has_class("-highlight")


async def test_a_search_hit_in_an_answer_is_scrolled_into_view(home: Path) -> None:
    """Before, a hit in an answer (not a prompt) opened the right branch but left the view at
    the top of the session: the answers' Markdown was laid out only after the scroll."""
    store = Store.open(home / "aha.db")
    session = store.create_session()
    parent = None
    hit_id = ""
    for number in range(12):
        user = store.add_user_message(session.id, parent, f"Question {number} about caches?")
        answer = store.start_assistant(session.id, user.id, RouteRecord("fast", "smol"))
        body = "\n\n".join(f"- point {i} of answer {number}" for i in range(8))
        if number == 7:
            body += "\n\nThe word zanzibar appears only here."
        store.finish_assistant(answer.id, MessageStatus.COMPLETE, body)
        parent = answer.id
        if number == 7:
            hit_id = answer.id
    store.create_session()  # the newest session is another one
    store.close()

    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"zanzibar")
        search = app.screen
        await wait_for(pilot, lambda: search.hits)
        await pilot.press("enter")
        screen = main_screen(app)
        await wait_for(pilot, lambda: screen.session_id == session.id)

        def on_screen() -> bool:
            focused = app.focused
            if not isinstance(focused, AssistantMessage) or focused.message_id != hit_id:
                return False
            view, port = focused.region, screen.conversation.region
            return view.y < port.bottom and view.bottom > port.y

        await wait_for(pilot, on_screen, timeout=10)
        await pilot.pause(0.5)
        assert on_screen(), "the hit stays on screen once the answers have settled"
