"""One message in the conversation: the user's prompt, or an answer with badge and status."""

from __future__ import annotations

import time
from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message as TextualMessage
from textual.widgets import Static

from app.backend.budget import TIME_LIMIT_NOTE
from app.backend.usage import usage_line
from app.critique import REVISED_NOTE
from app.router.cascade import split_weak_note
from storage.models import Message, MessageStatus
from widgets.markdown import AnswerStream, answer_markdown
from widgets.message_base import MessageView
from widgets.route_badge import RouteBadge
from widgets.thinking_block import ThinkingBlock

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class UserMessage(MessageView):
    """The user's prompt, shown as typed (no Markdown: it is the user's literal text)."""

    DEFAULT_CSS = """
    UserMessage {
        border-left: thick $primary;
        background: $boost;
    }
    UserMessage > .text { height: auto; }
    UserMessage > .chips { height: auto; color: $text-muted; }
    """

    BINDINGS = [Binding("e", "edit", "Edit", id="message.edit")]

    class Edit(TextualMessage):
        """Put this prompt in the prompt box; sending it makes a new branch."""

        def __init__(self, message_id: str, text: str) -> None:
            super().__init__()
            self.message_id = message_id
            self.text = text

    def __init__(self, text: str, message_id: str | None = None, chips: Sequence[str] = ()) -> None:
        super().__init__(message_id)
        self.text = text
        self.chips = tuple(chips)  # the attachments sent before this prompt

    def compose(self) -> ComposeResult:
        yield Static("", classes="siblings", markup=False)
        if self.chips:
            yield Static("   ".join(self.chips), classes="chips", markup=False)
        yield Static(self.text, classes="text", markup=False)

    def action_edit(self) -> None:
        if self.message_id is not None:
            self.post_message(self.Edit(self.message_id, self.text))


class AssistantMessage(MessageView):
    """An answer: badge, optional thinking block, Markdown body, then a status line.

    While streaming, a spinner shows the elapsed seconds until the first words arrive; text goes
    into the answer's Markdown (`widgets.markdown`), whose cost per update stays flat however long
    the answer grows.
    Thoughts stream into a `ThinkingBlock` titled "Thinking… 12.3 s" (counted from the request,
    as the thinking budget counts); when the answer starts it collapses to "Thought for 12.3 s".
    """

    DEFAULT_CSS = """
    AssistantMessage > .waiting { color: $text-muted; height: 1; }
    AssistantMessage > .status { color: $text-muted; height: auto; }
    AssistantMessage.-error > .status { color: $error; }
    AssistantMessage.-cancelled > .status, AssistantMessage.-interrupted > .status {
        color: $warning;
    }
    AssistantMessage > .answer-body { margin: 0; padding: 0; }
    AssistantMessage > ThinkingBlock { margin: 0; }
    """

    def __init__(
        self,
        route: str,
        model: str,
        reasons: tuple[str, ...] = (),
        score: float | None = None,
        note: str | None = None,
        content: str = "",
        message_id: str | None = None,
    ) -> None:
        super().__init__(message_id)
        self.status_value: MessageStatus = MessageStatus.STREAMING
        # The cascade's reasons when the answer looks weak (kept in the note as "weak: ...");
        # the badge shows the rest of the note, the status line the reasons.
        self.weak: list[str] = []
        self.badge = RouteBadge(route, model, reasons, score, split_weak_note(note)[0])
        self.body = answer_markdown(content)
        self.body.add_class("answer-body")
        self.waiting = Static("", classes="waiting")
        self.status = Static("", classes="status", markup=False)
        self.check_badge = ""  # the last check's result, shown on the status line
        self.agreement_badge = ""  # how many samples agreed, when they were drawn
        self._final_message: Message | None = None
        self._stream: AnswerStream | None = None
        self._started = time.monotonic()
        self._first_text_at: float | None = None
        self._thinking: ThinkingBlock | None = None
        self._timer = None

    @classmethod
    def from_message(cls, message: Message) -> AssistantMessage:
        view = cls(
            message.route or "?",
            message.model or "",
            message.route_reasons,
            message.route_score,
            message.route_note,
            content=message.content,
            message_id=message.id,
        )
        view._final_status = message  # applied on mount
        if message.reasoning.strip():
            # How long it thought is not stored, so a stored block is just "Thoughts"; a
            # revision's reasoning is the critique it answers (app/checks/revise.py).
            revised = REVISED_NOTE in (message.route_note or "")
            title = "Critique" if revised else "Thoughts"
            view._thinking = ThinkingBlock(message.reasoning, title=title, collapsed=True)
        return view

    BINDINGS = [
        Binding("r", "regenerate(False)", "Regenerate", id="message.regenerate"),
        Binding("R", "regenerate(True)", "Other route", id="message.regenerate_other"),
        Binding("c", "continue", "Continue", id="message.continue"),
        Binding("d", "ask_deep", "Ask deep", id="message.ask_deep"),
        Binding("o", "overkill", "Overkill", id="message.overkill"),
        Binding("D", "to_draft", "To draft", id="message.to_draft"),
        Binding("t", "check", "Check code", id="message.check"),
        Binding("T", "check_output", "Check output", id="message.check_output"),
        Binding("a", "agree", "Samples", id="message.agree"),
        Binding("v", "revise", "Revise", id="message.revise"),
    ]

    class Check(TextualMessage):
        """Run this answer's Python code against its tests in the sandbox (and repair)."""

        def __init__(self, message_id: str) -> None:
            super().__init__()
            self.message_id = message_id

    class Agree(TextualMessage):
        """Draw more answers to this answer's prompt and count how many agree on the result."""

        def __init__(self, message_id: str) -> None:
            super().__init__()
            self.message_id = message_id

    class Revise(TextualMessage):
        """Critique this answer on its route, then write a revised answer (a sibling)."""

        def __init__(self, message_id: str) -> None:
            super().__init__()
            self.message_id = message_id

    class CheckOutput(TextualMessage):
        """Show the output of this answer's last check."""

        def __init__(self, message_id: str) -> None:
            super().__init__()
            self.message_id = message_id

    def action_check(self) -> None:
        if self.message_id is not None and self.status_value is MessageStatus.COMPLETE:
            self.post_message(self.Check(self.message_id))

    def action_agree(self) -> None:
        if self.message_id is not None and self.status_value is MessageStatus.COMPLETE:
            self.post_message(self.Agree(self.message_id))

    def action_revise(self) -> None:
        if self.message_id is not None and self.status_value is MessageStatus.COMPLETE:
            self.post_message(self.Revise(self.message_id))

    def show_agreement(self, badge: str) -> None:
        """Put the samples' agreement (`3/3 agree on '42'`) on the status line."""
        self.agreement_badge = badge
        if self._final_message is not None:
            self.show_final(self._final_message)

    def action_check_output(self) -> None:
        if self.message_id is not None and self.check_badge:
            self.post_message(self.CheckOutput(self.message_id))

    def show_check(self, badge: str) -> None:
        """Put a check's result (`tests 3/5 passed · 0.4 s`) on the status line."""
        self.check_badge = badge
        if self._final_message is not None:
            self.show_final(self._final_message)
        self.refresh_bindings()

    class ToDraft(TextualMessage):
        """Append this answer (or the text selected in it) to a new or existing draft."""

        def __init__(self, message_id: str, view: AssistantMessage) -> None:
            super().__init__()
            self.message_id = message_id
            self.view = view

    def action_to_draft(self) -> None:
        if self.message_id is not None and self.status_value is not MessageStatus.STREAMING:
            self.post_message(self.ToDraft(self.message_id, self))

    class Regenerate(TextualMessage):
        """Answer the same prompt again, as a sibling; on the other route when asked."""

        def __init__(self, message_id: str, other_route: bool) -> None:
            super().__init__()
            self.message_id = message_id
            self.other_route = other_route

    class Continue(TextualMessage):
        """Carry on a cut-off answer (cancelled or interrupted) in a new sibling."""

        def __init__(self, message_id: str) -> None:
            super().__init__()
            self.message_id = message_id

    class AskDeep(TextualMessage):
        """A fast answer looked weak: ask the same prompt on the deep route, as a sibling."""

        def __init__(self, message_id: str) -> None:
            super().__init__()
            self.message_id = message_id

    class Overkill(TextualMessage):
        """A deep answer was more than the prompt needed: tell the router (it calibrates)."""

        def __init__(self, message_id: str) -> None:
            super().__init__()
            self.message_id = message_id

    @property
    def offers_overkill(self) -> bool:
        """A complete deep answer: it can be marked as more than the prompt needed."""
        return (
            self.message_id is not None
            and self.status_value is MessageStatus.COMPLETE
            and self.badge.route == "deep"
        )

    @property
    def offers_deep(self) -> bool:
        """A complete fast answer marked weak, with escalation not switched off."""
        router = getattr(getattr(self.app, "settings", None), "router", None)
        return (
            bool(self.weak)
            and self.message_id is not None
            and self.status_value is MessageStatus.COMPLETE
            and self.badge.route == "fast"
            and getattr(router, "escalate", "ask") != "never"
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "ask_deep":
            return self.offers_deep
        if action == "check":
            return self.message_id is not None and self.status_value is MessageStatus.COMPLETE
        if action in ("agree", "revise"):
            return self.message_id is not None and self.status_value is MessageStatus.COMPLETE
        if action == "check_output":
            return bool(self.check_badge)
        if action == "overkill":
            return self.offers_overkill
        if action in ("regenerate", "continue") and (
            self.message_id is None or self.status_value is MessageStatus.STREAMING
        ):
            return False
        if action == "continue":
            return self.status_value in (MessageStatus.CANCELLED, MessageStatus.INTERRUPTED)
        return super().check_action(action, parameters)

    def action_regenerate(self, other_route: bool) -> None:
        if self.message_id is not None and self.status_value is not MessageStatus.STREAMING:
            self.post_message(self.Regenerate(self.message_id, other_route))

    def action_ask_deep(self) -> None:
        if self.message_id is not None and self.offers_deep:
            self.post_message(self.AskDeep(self.message_id))

    def action_overkill(self) -> None:
        if self.message_id is not None and self.offers_overkill:
            self.post_message(self.Overkill(self.message_id))

    def action_continue(self) -> None:
        if self.message_id is not None and self.check_action("continue", ()):
            self.post_message(self.Continue(self.message_id))

    def compose(self) -> ComposeResult:
        yield Static("", classes="siblings", markup=False)
        yield self.badge
        yield self.waiting
        if self._thinking is not None:
            yield self._thinking
        yield self.body
        yield self.status

    def on_mount(self) -> None:
        final: Message | None = getattr(self, "_final_status", None)
        if final is not None:
            self.waiting.display = False
            self.show_final(final)
        else:
            self._timer = self.set_interval(0.1, self._tick)
            self._tick()

    def _tick(self) -> None:
        elapsed = time.monotonic() - self._started
        frame = SPINNER[int(elapsed * 10) % len(SPINNER)]
        if self._first_text_at is None:
            self.waiting.update(f"{frame} waiting for the model… {elapsed:.1f} s")
        if self._thinking is not None and self._first_text_at is None:
            self._thinking.title = f"Thinking… {elapsed:.1f} s"

    def _thinking_done(self) -> None:
        """The answer started (or the stream ended): collapse the thoughts, stop the count."""
        if self._thinking is not None and self._first_text_at is None:
            self._thinking.flush()
            self._thinking.collapsed = True
            self._thinking.title = f"Thought for {time.monotonic() - self._started:.1f} s"

    async def append(self, text: str) -> None:
        if self._first_text_at is None:
            self._thinking_done()
            self._first_text_at = time.monotonic()
            self.waiting.display = False
        if self._stream is None:
            self._stream = self.body.stream()
        await self._stream.write(text)

    async def append_thinking(self, text: str) -> None:
        if self._thinking is None:
            self._thinking = ThinkingBlock()
            self.waiting.display = False  # the block's title counts the seconds from here
            await self.mount(self._thinking, before=self.body)
            self._tick()
        self._thinking.append(text)

    async def finish(self, message: Message | None) -> None:
        """Stop the spinner and the stream, and show how the answer ended."""
        if self._timer is not None:
            self._timer.stop()
        self.waiting.display = False
        self._thinking_done()
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        if message is not None:
            self.message_id = message.id
            self.badge.route, self.badge.model = message.route or "?", message.model or ""
            # e.g. answered at the time limit; the weak reasons go on the status line
            self.badge.note = split_weak_note(message.route_note)[0]
            self.badge.refresh()
            if message.content != self.body.source:
                await self.body.update(message.content)
            self.show_final(message)

    def show_final(self, message: Message) -> None:
        self._final_message = message
        status = message.status
        self.status_value = status
        self.weak = split_weak_note(message.route_note)[1]
        self.refresh_bindings()
        self.set_class(status is MessageStatus.ERROR, "-error")
        self.set_class(status is MessageStatus.CANCELLED, "-cancelled")
        self.set_class(status is MessageStatus.INTERRUPTED, "-interrupted")
        if status is MessageStatus.COMPLETE:
            line = usage_line(message)  # tokens · tok/s · first token · time · cost
            if TIME_LIMIT_NOTE in (message.route_note or ""):
                line = f"{TIME_LIMIT_NOTE} · {line}"
            if self.weak:
                hint = " · d ask deep" if self.offers_deep else ""
                line = f"weak: {', '.join(self.weak)}{hint} · {line}"
            if self.check_badge:
                line = f"{self.check_badge} · T output · {line}"
            if self.agreement_badge:
                line = f"{self.agreement_badge} · {line}"
            self.status.update(line)
        elif status is MessageStatus.CANCELLED:
            self.status.update("cancelled · the partial answer is kept · c continue · r retry")
        elif status is MessageStatus.INTERRUPTED:
            self.status.update(
                "interrupted · aha stopped while this answer streamed · c continue · r retry"
            )
        elif status is MessageStatus.ERROR:
            self.status.update(f"error: {message.error or 'unknown'} · r retry")
