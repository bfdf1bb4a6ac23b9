"""A 1,000-message session: it opens on its newest messages without mounting the rest, older
ones mount as the user scrolls up (never more than MAX_MOUNTED at once), and a search hit or a
branch switch deep in the session lands on the right message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from app.config import load_settings
from app.ui.app import AhaApp
from storage import MessageStatus, Store
from storage.repository import RouteRecord
from tests.pilot.helpers import main_screen, wait_for
from widgets.conversation import MAX_MOUNTED, WINDOW
from widgets.message_base import MessageView
from widgets.message_view import AssistantMessage

SIZE = (120, 40)
PAIRS = 500  # 1,000 messages
DEEP = 60  # the pair whose answer has a second branch, far above the first screen
ROUTE = RouteRecord(route="fast", model="SmolLM2-135M-Instruct", score=0.1, threshold=0.5)


def seed(home: Path) -> dict[str, str]:
    """One session of PAIRS prompt/answer pairs; pair DEEP's answer has a sibling branch and
    pair DEEP's prompt holds a word found nowhere else."""
    store = Store.open(home / "aha.db")
    ids: dict[str, str] = {}
    try:
        session = store.create_session()
        parent: str | None = None
        for n in range(PAIRS):
            word = " zanzibarian" if n == DEEP else ""
            user = store.add_user_message(session.id, parent, f"Question {n}{word}?")
            answer = store.start_assistant(session.id, user.id, ROUTE)
            text = f"## Answer {n}\n\n- point one of {n}\n- point two of {n}\n"
            store.finish_assistant(answer.id, MessageStatus.COMPLETE, text)
            if n == DEEP:
                other = store.start_assistant(session.id, user.id, ROUTE)
                store.finish_assistant(other.id, MessageStatus.COMPLETE, f"Another take on {n}")
                ids.update(deep_prompt=user.id, deep_answer=answer.id, sibling=other.id)
            parent = answer.id
        store.set_active_leaf(session.id, parent or "")
        ids["session"], ids["last"] = session.id, parent or ""
    finally:
        store.close()
    return ids


def on_screen(app: AhaApp, view: MessageView) -> bool:
    conversation = main_screen(app).conversation
    return conversation.scrollable_content_region.overlaps(view.region)


async def scroll_until(
    pilot: Pilot[None], done: Callable[[], bool], scroll: Callable[[], object]
) -> int:
    """Scroll (once per check) until `done`; the most messages that were ever mounted."""
    conversation = main_screen(pilot.app).conversation  # type: ignore[arg-type]
    most = 0

    def check() -> bool:
        nonlocal most
        most = max(most, len(conversation.views))
        if done():
            return True
        scroll()
        return False

    await wait_for(pilot, check, 60)
    await pilot.pause()
    return max(most, len(conversation.views))


async def test_opens_on_the_newest_without_mounting_every_message(home: Path) -> None:
    ids = seed(home)
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        conversation = screen.conversation
        await wait_for(pilot, lambda: bool(conversation.views), timeout=20)
        views = conversation.views
        assert len(views) == WINDOW < 2 * PAIRS + 1
        assert views[-1].message_id == ids["last"]
        await pilot.pause()
        assert on_screen(app, views[-1])
        assert conversation.mounted_range == (2 * PAIRS - WINDOW, 2 * PAIRS)

        # Scrolling up mounts older messages and keeps the view where the user put it.
        top_view = views[0]
        conversation.scroll_home(animate=False, immediate=True)
        await wait_for(pilot, lambda: conversation.mounted_range[0] < 2 * PAIRS - WINDOW, 10)
        assert conversation.views[0] is not top_view
        # The view is put back once the older messages are laid out (a frame or more later
        # on a loaded machine).
        await wait_for(pilot, lambda: on_screen(app, top_view), 5)
        assert on_screen(app, top_view), "the message at the top should stay in view"

        # However far the user scrolls, only a bounded window is mounted. Keep scrolling up
        # until the window has moved past MAX_MOUNTED messages (how many scrolls that takes
        # depends on how fast this machine mounts), noting the most ever mounted.
        most = await scroll_until(
            pilot,
            lambda: conversation.mounted_range[0] < 2 * PAIRS - MAX_MOUNTED,
            lambda: conversation.scroll_home(animate=False, immediate=True),
        )
        assert most <= MAX_MOUNTED
        assert not conversation.at_end
        assert screen._last_answer() is None  # the newest answer is not what is mounted

        # Scrolling back down mounts newer messages and unmounts the far top, within the bound.
        most = await scroll_until(
            pilot,
            lambda: conversation.at_end,
            lambda: conversation.scroll_end(animate=False, immediate=True),
        )
        assert most <= MAX_MOUNTED
        first, last = conversation.mounted_range
        assert last - first == len(conversation.views)
        assert conversation.views[-1].message_id == ids["last"]

        # Escape from the prompt still selects the newest message.
        screen.prompt_box.focus()
        await pilot.press("escape")
        await wait_for(pilot, lambda: getattr(app.focused, "message_id", None) == ids["last"], 10)
        assert conversation.at_end


async def test_search_hit_and_branch_switch_deep_in_the_session(home: Path) -> None:
    ids = seed(home)
    app = AhaApp(load_settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = main_screen(app)
        conversation = screen.conversation
        await wait_for(pilot, lambda: bool(conversation.views), timeout=20)
        assert conversation.view_of(ids["deep_prompt"]) is None  # far above the window

        await pilot.press("ctrl+f")
        await pilot.press(*"zanzibarian")
        await wait_for(pilot, lambda: bool(getattr(app.screen, "hits", None)), timeout=10)
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: getattr(app.focused, "message_id", None) == ids["deep_prompt"], 10
        )
        prompt = conversation.view_of(ids["deep_prompt"])
        assert prompt is not None and prompt.has_class("-highlight")
        await wait_for(pilot, lambda: on_screen(app, prompt), 5)  # once it is laid out
        assert on_screen(app, prompt)
        assert len(conversation.views) <= MAX_MOUNTED

        # Down to its answer, which has a second branch; → shows the other one.
        await pilot.press("down")
        answer = app.focused
        assert isinstance(answer, AssistantMessage) and answer.message_id == ids["deep_answer"]
        assert answer.sibling_count == 2
        await pilot.press("right")
        await wait_for(
            pilot, lambda: getattr(app.focused, "message_id", None) == ids["sibling"], 10
        )
        switched = app.focused
        assert isinstance(switched, AssistantMessage) and "Another take" in switched.body.source
        await pilot.pause()
        assert on_screen(app, switched)
        assert conversation.views[-1] is switched  # the other branch ends there
