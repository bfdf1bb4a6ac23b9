"""The conversation pane: the active thread of a session, newest at the bottom.

A long session is not mounted whole: every mounted message costs memory and a share of every
layout, so opening a 1,000-message session would take seconds and make every later frame slow.
Only a window of the thread is mounted, the newest messages when a session opens. Older ones
mount as the user scrolls near the top (newer ones likewise near the bottom), and once the
window grows past MAX_MOUNTED the far end is unmounted again, so memory stays bounded however
far the user scrolls. Selecting a message outside the window (a search hit, a branch switch)
moves the window to it. Mounting above the viewport keeps what the user is looking at in place:
the scroll offset is corrected in the same layout pass that places the new messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from textual import events, on
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Static

from storage.models import Message
from widgets.message_base import MessageView
from widgets.message_view import AssistantMessage, UserMessage
from widgets.textual_compat import refresh_scroll

if TYPE_CHECKING:
    from widgets.textual_compat import ArrangeResult

EMPTY_HINT = (
    "Ask anything. Easy prompts go to the fast model, hard ones to the deep route;\n"
    "each answer shows which, and why.   Enter sends · Ctrl+J newline · Ctrl+N new session\n"
    "Esc selects a message: e edit · r regenerate · f fork · ←/→ switch branch"
)

WINDOW = 30  # messages mounted when a session opens, and around a selected message
BATCH = 20  # messages mounted at a time as the user scrolls towards either end
MAX_MOUNTED = 120  # past this, the end away from the user is unmounted
# Messages just mounted grow as their Markdown arrives; the view is held in place meanwhile
# (unless the user scrolls). On a loaded machine that takes more than a second.
KEEP_S = 3.0


class Conversation(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    Conversation {
        height: 1fr;
        padding: 0 1;
        /* Room for the scrollbar from the start: when the first long answer overflows, no
           message is laid out and drawn again two columns narrower. */
        scrollbar-gutter: stable;
    }
    Conversation > .empty-hint {
        color: $text-muted;
        margin: 1 0;
    }
    """

    def __init__(
        self, *, id: str | None = None, classes: str | None = None, empty_hint: str = EMPTY_HINT
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.empty_hint = empty_hint  # what an empty conversation says (the chat's keys here)
        self._messages: list[Message] = []  # the whole stored thread, root first
        self._first = 0  # index in _messages of the first mounted message
        self._last = 0  # one past the last mounted stored message; live views follow it
        self._siblings: dict[str, tuple[int, int]] = {}
        self._keep: tuple[Widget, float] | None = None  # (view, its row in the viewport)
        self._keep_until = 0.0  # new messages settle their height for a moment after mounting
        self._kept_y: float | None = None
        self._last_placements: dict[Widget, int] = {}
        self._loading = False
        # The views keys moved the selection to, latest last: keys repeat faster than focus
        # moves, so a key still reaching an earlier one must step on from the latest.
        self._nav_trail: list[MessageView] = []
        self._focus_pending = False
        # Each prompt's attachment chips, by message id, from whoever owns the store (the
        # chat screen); a conversation without one shows prompts without chips.
        self.chips_source: Callable[[Sequence[Message]], Mapping[str, Sequence[str]]] | None = None
        self._chips: Mapping[str, Sequence[str]] = {}

    def on_mount(self) -> None:
        self.anchor()

    @property
    def views(self) -> list[MessageView]:
        """The mounted message views, top to bottom."""
        return list(self.query_children(MessageView))

    @property
    def at_end(self) -> bool:
        """Whether the newest message of the thread is mounted."""
        return self._last >= len(self._messages)

    @property
    def mounted_range(self) -> tuple[int, int]:
        """Which stored messages are mounted: indexes into the thread, end exclusive."""
        return self._first, self._last

    def last_answer(self) -> AssistantMessage | None:
        """The newest answer of the thread, when it is mounted."""
        if not self.at_end:
            return None
        answers = list(self.query_children(AssistantMessage))
        return answers[-1] if answers else None

    async def show_thread(
        self,
        messages: Sequence[Message],
        siblings: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        """Replace what is shown with `messages` (root first); the newest are mounted."""
        self._messages = list(messages)
        self._siblings = dict(siblings or {})
        self._chips = self.chips_source(self._messages) if self.chips_source else {}
        end = len(self._messages)
        await self._show_window(max(0, end - WINDOW), end)
        self.scroll_end(animate=False, immediate=True)
        self.anchor()

    async def _show_window(self, first: int, last: int) -> None:
        self._keep = None
        await self.remove_children()
        self._first, self._last = first, last
        views: list[MessageView | Static] = [self.view_for(m) for m in self._messages[first:last]]
        if not self._messages:
            views = [Static(self.empty_hint, classes="empty-hint", markup=False)]
        await self.mount_all(views)
        self._apply_siblings(views)

    def update_siblings(self, siblings: Mapping[str, tuple[int, int]]) -> None:
        self._siblings.update(siblings)
        self._apply_siblings(self.views)

    def _apply_siblings(self, views: Sequence[Widget]) -> None:
        for view in views:
            if isinstance(view, MessageView) and view.message_id in self._siblings:
                view.set_siblings(*self._siblings[view.message_id])

    def view_for(self, message: Message) -> MessageView:
        if message.role == "user":
            return UserMessage(message.content, message.id, self._chips.get(message.id, ()))
        return AssistantMessage.from_message(message)

    def view_of(self, message_id: str) -> MessageView | None:
        return next((v for v in self.views if v.message_id == message_id), None)

    def _index_of(self, message_id: str) -> int | None:
        return next((i for i, m in enumerate(self._messages) if m.id == message_id), None)

    # Selection ------------------------------------------------------------------------------

    def select(self, message_id: str | None = None, highlight: bool = False) -> bool:
        """Focus a message (the last one when no id is given) and bring it into view; one
        outside the mounted window is mounted first (the focus follows a moment later)."""
        if message_id is None and not self.at_end:
            message_id = self._messages[-1].id  # the newest, even when it is not mounted
        view = self.view_of(message_id) if message_id else (self.views or [None])[-1]
        if view is None:
            index = self._index_of(message_id) if message_id else None
            if index is None:
                return False
            self.call_later(self._select_unmounted, index, highlight)
            return True
        self._focus(view, highlight)
        return True

    async def _select_unmounted(self, index: int, highlight: bool) -> None:
        first = max(0, min(index - WINDOW // 2, len(self._messages) - WINDOW))
        await self._show_window(first, min(len(self._messages), first + WINDOW))
        view = self.view_of(self._messages[index].id)
        if view is not None:
            self.call_after_refresh(self._focus, view, highlight)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget not in self._nav_trail:
            self._nav_trail = []  # focus moved some other way: keys start from there

    def _focus(self, view: MessageView, highlight: bool) -> None:
        for other in self.views:
            other.remove_class("-highlight")
        view.set_class(highlight, "-highlight")
        self.release_anchor()
        view.focus(scroll_visible=False)
        self.scroll_to_widget(view, animate=False, top=highlight, immediate=True)
        self._keep_in_place(view)  # messages mounted around it may still be growing

    @on(MessageView.Navigate)
    async def _navigate(self, event: MessageView.Navigate) -> None:
        """Move the selection; past either end the message bubbles up to the screen."""
        views = self.views
        base = event.view
        if base in self._nav_trail and self._nav_trail[-1] in views:
            base = self._nav_trail[-1]
        else:
            self._nav_trail = [base]  # keys still reaching it step on from the latest too
        if base not in views:
            return
        index = views.index(base) + event.step
        if index < 0 and self._first > 0:
            await self._load_older()
            views = self.views
            index = views.index(base) + event.step
        elif index >= len(views) and not self.at_end:
            await self._load_newer()
            views = self.views
            index = views.index(base) + event.step
        if 0 <= index < len(views):
            event.stop()
            self.release_anchor()
            self._nav_trail = [*self._nav_trail[-MAX_MOUNTED:], views[index]]
            # Focus moves once per frame, to where the keys got to: every focus change
            # rebuilds the footer's key list, and a burst of them can wedge it.
            if not self._focus_pending:
                self._focus_pending = True
                self.call_after_refresh(self._focus_latest)

    def _focus_latest(self) -> None:
        """Focus where the keys got to; bring it into sight (after the layout, since messages
        mounted above just now move everything down) and hold it there while the messages
        mounted around it grow to their height."""
        self._focus_pending = False
        view = self._nav_trail[-1] if self._nav_trail else None
        if view is not None and view.is_attached:
            view.focus(scroll_visible=False)
            self.release_anchor()  # growing content may have re-anchored it at the bottom
            self.scroll_to_widget(view, animate=False, immediate=True)
            self._keep_in_place(view)

    # Growing and shrinking the window ------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._keep is not None and new_value != self._kept_y:
            self._keep = None  # the user scrolled: they decide where the view is now
        self._grow_window_if_near_an_end()

    def _grow_window_if_near_an_end(self) -> None:
        if self._loading or not self.is_mounted:
            return
        margin = self.scrollable_content_region.height
        if self.scroll_y <= margin and self._first > 0:
            self._loading = True
            self.call_later(self._load_older)
        elif self.scroll_y >= self.max_scroll_y - margin and not self.at_end:
            self._loading = True
            self.call_later(self._load_newer)

    def _loaded(self) -> None:
        """A load has finished. A scroll that arrived meanwhile was ignored, and a view
        already at the very top (or bottom) sends no more scroll events, so look again once
        the new messages are laid out."""
        self._loading = False
        self.call_after_refresh(self._grow_window_if_near_an_end)

    async def _load_older(self) -> None:
        """Mount the BATCH messages above the window, keeping the view where it is."""
        try:
            views = self.views
            if self._first == 0 or not views:
                return
            start = max(0, self._first - BATCH)
            new = [self.view_for(m) for m in self._messages[start : self._first]]
            # Unmount the far bottom first, so that no more than MAX_MOUNTED are ever mounted.
            # Only stored messages are unmounted: a live answer has nothing to come back from.
            excess = len(views) + len(new) - MAX_MOUNTED
            if excess > 0 and len(views) == self._last - self._first:
                await self.remove_children(views[-excess:])
                self._last -= excess
            self._keep_in_place(views[0])
            await self.mount_all(new, before=views[0])
            self._apply_siblings(new)
            self._first = start
        finally:
            self._loaded()

    async def _load_newer(self) -> None:
        """Mount the BATCH messages below the window; unmount the far top past MAX_MOUNTED."""
        try:
            views = self.views
            if self.at_end or not views:
                return
            end = min(len(self._messages), self._last + BATCH)
            new = [self.view_for(m) for m in self._messages[self._last : end]]
            # Unmount the far top first, so that no more than MAX_MOUNTED are ever mounted.
            excess = len(views) + len(new) - MAX_MOUNTED
            if excess > 0:
                self._keep_in_place(views[excess])
                await self.remove_children(views[:excess])
                self._first += excess
            await self.mount_all(new, after=self.views[-1])
            self._apply_siblings(new)
            self._last = end
        finally:
            self._loaded()

    def _keep_in_place(self, view: Widget) -> None:
        """Hold `view` at its current row in the viewport through the next layout."""
        y = self._last_placements.get(view)
        if y is not None:
            self._keep = (view, y - self.scroll_y)
            self._keep_until = time.monotonic() + KEEP_S

    def arrange(self, size: Size, optimal: bool = False) -> ArrangeResult:
        """Lay out as usual, then move the scroll offset so that a view held in place by
        `_keep_in_place` sits where it sat before (the compositor scrolls with this value
        in the same pass, so no frame shows the content jump). The hold lasts KEEP_S, while
        the new messages' Markdown mounts, unless the user scrolls first."""
        result = super().arrange(size, optimal)
        self._last_placements = {p.widget: p.region.y for p in result.placements}
        if self._keep is not None and time.monotonic() > self._keep_until:
            self._keep = None
        if self._keep is not None:
            view, row = self._keep
            y = self._last_placements.get(view)
            if y is not None:
                offset = self._kept_y = max(0.0, y - row)
                if offset != self.scroll_y:
                    self.set_reactive(VerticalScroll.scroll_y, offset)
                    self.set_reactive(VerticalScroll.scroll_target_y, offset)
                    self.vertical_scrollbar.position = offset
                    # Arranged outside a screen update (a size query), the screen must
                    # still place everything at the new offset.
                    refresh_scroll(self)
        return result

    # New messages at the bottom -------------------------------------------------------------

    async def _ensure_end(self) -> None:
        if not self.at_end:
            end = len(self._messages)
            await self._show_window(max(0, end - WINDOW), end)

    async def add_user(
        self, text: str, message_id: str | None = None, chips: Sequence[str] = ()
    ) -> UserMessage:
        await self._ensure_end()
        await self.query(".empty-hint").remove()
        view = UserMessage(text, message_id, chips)
        await self.mount(view)
        self.anchor()
        return view

    async def add_assistant(self, view: AssistantMessage) -> AssistantMessage:
        await self._ensure_end()
        await self.mount(view)
        self.anchor()
        return view
