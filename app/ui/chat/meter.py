"""Keeps the context meter under the prompt box up to date as the user types and attaches.

The branch's share is read from the database only when the branch changed (another leaf, or
the leaf's answer grew); typing re-estimates only the prompt, after a short pause.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.context_meter import branch_tokens, measure
from storage import StorageError
from widgets.context_meter import ContextMeter

if TYPE_CHECKING:
    from textual.timer import Timer

    from app.ui.chat.screen import MainScreen

DEBOUNCE_S = 0.15


class MeterController:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._branch_key: tuple[str | None, str | None] | None = None
        self._branch_tokens = 0
        self._timer: Timer | None = None
        self._asked: set[str] = set()  # routes whose server was asked for its window

    def schedule(self) -> None:
        """Update after a pause: a paste or fast typing costs one estimate, not one per key."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.screen.set_timer(DEBOUNCE_S, self.update)

    def _leaf(self) -> tuple[str | None, str | None]:
        """The message the next prompt follows, and its last change (an answer grows)."""
        screen = self.screen
        if screen.editing is not None:
            leaf_id = screen.editing.parent_id
        elif screen.session_id is not None:
            session = screen.store.get_session(screen.session_id)
            leaf_id = session.active_leaf_id if session else None
        else:
            leaf_id = None
        leaf = screen.store.get_message(leaf_id) if leaf_id else None
        return leaf_id, leaf.updated_at if leaf else None

    def update(self) -> None:
        screen = self.screen
        try:
            key = self._leaf()
            if key != self._branch_key:
                self._branch_tokens = branch_tokens(screen.store, key[0])
                self._branch_key = key
        except StorageError:
            return  # a busy or damaged database: the meter waits for the next change
        meter = measure(
            screen.ctx.settings,
            screen.chat.router,
            self._branch_tokens,
            screen.prompt_box.text,
            screen.attaching.tray.items,
            screen.chat.engines.window_of,
        )
        screen.query_one(ContextMeter).show(meter.line(), meter.level)
        if meter.budget is None:
            self._learn_window(meter.route)

    def _learn_window(self, route: str) -> None:
        """Ask a server route for its window once, in the background, then redraw: the meter
        shows deep's window without waiting for a long prompt to need it."""
        engines = self.screen.chat.engines
        if route in self._asked or route not in engines.names:
            return
        self._asked.add(route)
        if not engines.config(route).api_base:
            return  # a provider's model: litellm's table is read when a long prompt needs it

        async def learn() -> None:
            try:
                await engines.learn_window(route)
            except Exception:  # a server that answers badly: the window stays unknown
                return
            self.schedule()

        self.screen.run_worker(learn(), group="meter-window", exit_on_error=False)
