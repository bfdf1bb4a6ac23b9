"""One prompt's journey, shared by the TUI and the CLI: store, route, stream, persist.

1. The user's text is written to SQLite before anything else can fail.
2. The router scores the prompt; a deep decision falls back to fast (with the reason on the
   badge) when the deep route is not configured or does not answer.
3. The assistant row is created `streaming` with the decision on it.
4. Events stream from the engine; partial text is flushed at most every 0.5 s, so a killed
   process loses at most that much; the row ends `complete`, `cancelled` or `error`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import asynccontextmanager

from app import signals
from app.backend.budget import ThinkingBudget, time_limit_note
from app.backend.engine import Availability, with_temperature
from app.backend.engine import closing_stream as _closing
from app.backend.events import ChatMessage, Content, Done, Failed, StreamEvent, Thinking, Usage
from app.backend.registry import Engines
from app.backend.retry import RouteFailed
from app.backend.usage import answer_cost
from app.branch import branch_messages
from app.config import RouteConfig, Settings, context_window
from app.context_fit import (
    TOKENS_PER_MESSAGE,
    PromptTooLong,
    fit_context,
    message_tokens,
    trim_note,
)
from app.prompt_text import repair_text
from app.router import RouteDecision, Router
from app.router.cascade import split_weak_note, weak_reasons, with_weak_note
from app.router.feedback import ESCALATED, OVERKILL, WINDOW, threshold_shift
from app.router.overrides import split_override
from app.sanitize import StreamSanitizer, error_line, one_line

# Re-exported: callers take these from the chat service's module.
from app.turn import ACTIVE_LEAF, Rerouted, Turn, _ActiveLeaf, _Progress  # noqa: E402,F401
from storage import Message, MessageStatus, StorageError, Store
from storage.attachments_repo import AttachmentLike
from storage.repository import RouteRecord

SYSTEM_PROMPT = (
    "You are aha, a concise assistant for thinking and writing: brainstorming research "
    "problems and drafting posts. Answer clearly, in Markdown."
)
FLUSH_INTERVAL_S = 0.5
CONTINUE_PROMPT = "Continue your previous answer exactly where it stopped, without repeating it."
FALLBACK_ROUTE = "fast"
ESCALATE_ROUTE = "deep"
# Tokens of the line that introduces a summary of left-out turns (app/context_summary.py).
SUMMARY_HEADER = 30
# Every serving engine aha meets holds at least this many tokens: a context under it never
# asks a server for its window.
ASSUMED_WINDOW = 2048


class ChatService:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        engines: Engines | None = None,
        router: Router | None = None,
        flush_interval: float = FLUSH_INTERVAL_S,
    ) -> None:
        self.store = store
        self.settings = settings
        self.engines = engines or Engines(settings)
        # A router passed in is used as given; the one built here is calibrated by the user's
        # feedback (escalations, overkill marks), read now and after each new mark.
        self._calibrated = router is None
        self.router = router or Router(
            threshold=settings.router.explicit_threshold,
            deep_share=settings.router.deep_share,
            shift=self._feedback_shift(),
        )
        self.flush_interval = flush_interval

    # Feedback on routing --------------------------------------------------------------------

    def _feedback_shift(self) -> float:
        return threshold_shift(self.store.recent_route_feedback(WINDOW))[0]

    def record_feedback(self, answer: Message, kind: str) -> bool:
        """Store a mark on `answer` (once per answer and kind) and recalibrate the router at
        once; False when the answer already had this mark."""
        added = self.store.add_route_feedback(
            answer.id, kind, answer.route_score, answer.route_threshold
        )
        if added and self._calibrated:
            self.router.shift = self._feedback_shift()
        return added

    def overkill_problem(self, answer: Message | None) -> str | None:
        """Why `answer` cannot be marked overkill, in one line; None if it can: a complete
        deep answer that the router chose (not `/deep`, not ask-deep, which force the route)."""
        if (
            answer is None
            or answer.role != "assistant"
            or answer.route != ESCALATE_ROUTE
            or answer.status is not MessageStatus.COMPLETE
        ):
            return "Only a complete deep answer can be marked overkill."
        if answer.route_score is None or any(r.startswith("forced:") for r in answer.route_reasons):
            return "This answer went deep because it was asked to, not by the router."
        return None

    def mark_overkill(self, answer_id: str) -> str | None:
        """Mark a deep answer as more than its prompt needed; the problem, or None when done."""
        answer = self.store.get_message(answer_id)
        problem = self.overkill_problem(answer)
        if problem is None:
            assert answer is not None
            self.record_feedback(answer, OVERKILL)
        return problem

    # Routing --------------------------------------------------------------------------------

    async def availability(self, route: str) -> Availability:
        if route not in self.engines.names:
            return Availability(False, f"no '{route}' route configured")
        return await self.engines.get(route).check()

    async def _resolve(self, decision: RouteDecision) -> tuple[str, str | None, str | None]:
        """(route to use, note for the badge, error if nothing can answer)."""
        wanted = decision.route
        available = await self.availability(wanted)
        if available.ok:
            return wanted, None, None
        if wanted != "fast" and not decision.forced:
            fast = await self.availability("fast")
            if fast.ok:
                return "fast", f"{wanted} route unavailable: {available.detail}", None
        return wanted, None, f"{wanted} route unavailable: {available.detail}"

    def _configured_model(self, route: str) -> str:
        return self.engines.config(route).model if route in self.engines.names else ""

    # Turns ----------------------------------------------------------------------------------

    async def begin_turn(
        self,
        session_id: str,
        prompt: str,
        parent_id: str | None | _ActiveLeaf = ACTIVE_LEAF,
        force_route: str | None = None,
        attachments: Sequence[AttachmentLike] = (),
    ) -> Turn:
        """Store a prompt (with its attachments, in one write) and start its answer.

        `parent_id` defaults to the session's active leaf (a follow-up); an edit passes the
        edited message's parent (None for a first message), so it becomes a sibling. The
        router scores the typed prompt; attachments count for the window (a file too big for
        the fast route sends the prompt deep), and go to the model before the question.
        """
        if isinstance(parent_id, _ActiveLeaf):
            session = self.store.get_session(session_id)
            parent_id = session.active_leaf_id if session else None
        # Text SQLite cannot encode (lone surrogates from undecodable bytes) is repaired, never
        # a reason to lose the prompt; `aha ask` says how many bytes it replaced.
        prompt = repair_text(prompt)[0]
        user = self.store.add_user_message(session_id, parent_id, prompt, attachments)
        return await self.begin_answer(user, force_route)

    async def begin_answer(
        self,
        user: Message,
        force_route: str | None = None,
        continue_from: Message | None = None,
    ) -> Turn:
        """Start a new answer to a stored prompt: the first one, a regeneration (a sibling of
        earlier answers), or the continuation of a cut-off answer (`continue_from`).

        A `/deep` or `/fast` prefix in the stored prompt forces the route (`force_route`, e.g.
        `aha ask --route`, wins over it) and is not scored; a follow-up that refers back to the
        previous answer inherits part of its score (app/router/scorer.py)."""
        prefixed, text = split_override(user.content)
        previous = self._previous_answer(user)
        decision = self.router.decide(
            text,
            force=force_route or prefixed,
            previous_score=previous.route_score if previous is not None else None,
            previous_answer=previous.content if previous is not None else "",
        )
        route, note, error = await self._resolve(decision)
        engine = None if error else self.engines.get(route)
        if error:
            error = error_line(error)
        if note:
            note = error_line(note)
        record = RouteRecord(
            route=route,
            # A model name can come from a server's listing: one clean line before storage.
            model=one_line(engine.model_label if engine else self._configured_model(route), 200),
            score=decision.score,
            threshold=decision.threshold,
            reasons=decision.reasons,
            note=note or error,
        )
        prefix = continue_from.content if continue_from else ""
        assistant = self.store.start_assistant(user.session_id, user.id, record, content=prefix)
        turn = Turn(user.session_id, user, assistant, decision, route, engine, note or error)
        turn.prefix = prefix
        if error:
            turn.final = self.store.finish_assistant(
                assistant.id, MessageStatus.ERROR, prefix, error=error
            )
            return turn
        # Fitted now, before the badge is drawn, so the badge can say what was left out.
        try:
            messages = self.context_for(turn)  # read once: the learning and the fit share it
            await self._learn_window(turn, messages)
            self._fit(turn, messages)
        except PromptTooLong as exc:
            if not await self._reroute_too_long(turn, str(exc)):
                line = error_line(f"{turn.route} route: {exc}")
                turn.note = line
                turn.final = self.store.finish_assistant(
                    assistant.id, MessageStatus.ERROR, prefix, error=line
                )
                return turn
        if turn.dropped and turn.room_for_summary:
            await self._summarise_dropped(turn)
        return turn

    async def _summarise_dropped(self, turn: Turn) -> None:
        """The fast model summarises the turns the fit left out; the summary is stored with
        the answer and sent in their place, and the badge says so. On failure the turn goes
        on trimmed, the reason in its badge."""
        from app.context_summary import SummaryFailed, summarise_on, summary_message

        count = len(turn.dropped)
        try:
            text, model = await summarise_on(
                self.engines, FALLBACK_ROUTE, turn.dropped, self.settings.context.summary_tokens
            )
        except SummaryFailed as exc:
            window = self.engines.window_of(turn.route) or 0
            self._add_note(turn, f"context: no summary ({error_line(str(exc))})")
            self._add_note(turn, trim_note(count, window))
            return
        self.store.add_context_summary(turn.assistant.id, turn.session_id, count, text, model)
        assert turn.context is not None
        turn.context = [turn.context[0], summary_message(text, count), *turn.context[1:]]
        summarised = f"context: the {count} oldest message(s) summarised by {FALLBACK_ROUTE}"
        self._add_note(turn, summarised)

    def _add_note(self, turn: Turn, note: str) -> None:
        """Add to the badge's note, stored at once (a crash later still says why)."""
        turn.note = " · ".join(n for n in (turn.note, note) if n)
        model = turn.assistant.model or ""
        self.store.update_route(turn.assistant.id, turn.route, model, turn.note)

    async def _reroute_too_long(self, turn: Turn, reason: str) -> bool:
        """A prompt too big for the fast route's window goes deep when the router was not
        overruled and deep answers (its window is the server's, far larger); True if so."""
        if turn.route != FALLBACK_ROUTE or turn.decision.forced:
            return False
        if ESCALATE_ROUTE not in self.engines.names:
            return False
        if not (await self.availability(ESCALATE_ROUTE)).ok:
            return False
        window = context_window(self.engines.config(FALLBACK_ROUTE))
        turn.route, turn.engine = ESCALATE_ROUTE, self.engines.get(ESCALATE_ROUTE)
        turn.note = f"too long for the fast route's {window:,}-token window; sent deep"
        model = one_line(turn.engine.model_label, 200)
        self.store.update_route(turn.assistant.id, turn.route, model, turn.note)
        turn.assistant = self.store.get_message(turn.assistant.id) or turn.assistant
        try:
            messages = self.context_for(turn)  # read once: the learning and the fit share it
            await self._learn_window(turn, messages)
            self._fit(turn, messages)
        except PromptTooLong:
            return False
        return True

    async def _learn_window(self, turn: Turn, messages: list[ChatMessage]) -> None:
        """Ask the route's server for its window (once) when ``messages`` may not fit the
        smallest window any engine runs with; a short prompt skips the round trip."""
        if self.engines.window_of(turn.route) is not None:
            return
        if sum(message_tokens(m) for m in messages) > ASSUMED_WINDOW:
            await self.engines.learn_window(turn.route)

    def _fit(self, turn: Turn, messages: list[ChatMessage] | None = None) -> None:
        """Fit the context (``messages``, or the branch read now) to the route's window; the
        badge note and the row say how much was left out. `PromptTooLong` when the prompt
        alone does not fit."""
        config = self.engines.config(turn.route) if turn.route in self.engines.names else None
        turn.context = self._fitted_context(turn, config, messages)
        turn.context_route = turn.route

    def _previous_answer(self, user: Message) -> Message | None:
        """The answer this prompt follows up (its parent), if any."""
        parent = self.store.get_message(user.parent_id) if user.parent_id else None
        return parent if parent is not None and parent.role == "assistant" else None

    def context_for(self, turn: Turn) -> list[ChatMessage]:
        """The active branch, root to this prompt: text only, never reasoning, never failures."""
        messages = branch_messages(self.store, turn.user.id, SYSTEM_PROMPT)
        if turn.prefix:
            messages.append({"role": "assistant", "content": turn.prefix})
            messages.append({"role": "user", "content": CONTINUE_PROMPT})
        return messages

    @asynccontextmanager
    async def running(self, turn: Turn) -> AsyncIterator[Turn]:
        """Whatever the caller does while `turn` streams (mounting its view, drawing it), a
        cancel that lands outside the stream itself still leaves the row finished: cancelled
        (interrupted after SIGTERM or SIGHUP) with the text it started from."""
        try:
            yield turn
        except (asyncio.CancelledError, GeneratorExit):
            if turn.final is None:
                ended = signals.received() is not None
                status = MessageStatus.INTERRUPTED if ended else MessageStatus.CANCELLED
                turn.final = self.store.finish_assistant(turn.assistant.id, status, turn.prefix)
            raise

    async def stream_turn(self, turn: Turn) -> AsyncGenerator[StreamEvent | Rerouted, None]:
        """Stream the answer, persisting as it goes. Yields sanitised events for display."""
        if turn.engine is None or turn.final is not None:
            if turn.final and turn.final.error:
                yield Failed(turn.final.error)
            return
        progress = _Progress(content=[turn.prefix] if turn.prefix else [])
        content_clean, reasoning_clean = StreamSanitizer(), StreamSanitizer()
        started = time.perf_counter()
        status, error = MessageStatus.COMPLETE, None
        finish_reason: str | None = None
        flusher = asyncio.create_task(self._flush_periodically(turn.assistant.id, progress))
        try:
            async for event in self._answer_stream(turn):
                if isinstance(event, Content | Thinking):
                    clean = (content_clean if isinstance(event, Content) else reasoning_clean).feed(
                        event.text
                    )
                    if not clean:
                        continue
                    if isinstance(event, Content) and not progress.content_started:
                        progress.content_started = True
                        clean = _joined(turn.prefix, clean)
                    if progress.first_token_ms is None:
                        progress.first_token_ms = (time.perf_counter() - started) * 1000
                    (progress.content if isinstance(event, Content) else progress.reasoning).append(
                        clean
                    )
                    progress.dirty = True
                    yield type(event)(clean)
                elif isinstance(event, Usage):
                    progress.prompt_tokens = event.prompt_tokens or progress.prompt_tokens
                    progress.completion_tokens = (
                        event.completion_tokens or progress.completion_tokens
                    )
                    progress.reasoning_tokens = event.reasoning_tokens or progress.reasoning_tokens
                    yield event
                elif isinstance(event, Rerouted):
                    yield event
                elif isinstance(event, Failed):
                    status, error = MessageStatus.ERROR, error_line(event.message)
                    yield Failed(error)
                    return
                elif isinstance(event, Done):
                    thought_tail = reasoning_clean.flush()
                    if thought_tail:
                        progress.reasoning.append(thought_tail)
                        yield Thinking(thought_tail)
                    tail = content_clean.flush()
                    if tail:
                        progress.content.append(tail)
                        yield Content(tail)
                    if not progress.text.strip() and not progress.thoughts.strip():
                        status = MessageStatus.ERROR
                        error = f"{turn.route} route: the model returned an empty answer"
                        yield Failed(error)
                        return
                    finish_reason = event.finish_reason
                    yield event
        except (asyncio.CancelledError, GeneratorExit):
            # Ended by SIGTERM or SIGHUP, not by the user: say so at once.
            ended = signals.received() is not None
            status = MessageStatus.INTERRUPTED if ended else MessageStatus.CANCELLED
            error = None
            raise
        except Exception as exc:  # noqa: BLE001 - a bug in a stream must not lose the text
            status, error = MessageStatus.ERROR, error_line(f"{type(exc).__name__}: {exc}")
            yield Failed(error)
        finally:
            flusher.cancel()
            turn.final = self.store.finish_assistant(
                turn.assistant.id,
                status,
                progress.text,
                progress.thoughts,
                error=error,
                prompt_tokens=progress.prompt_tokens,
                completion_tokens=progress.completion_tokens,
                first_token_ms=progress.first_token_ms,
                duration_ms=(time.perf_counter() - started) * 1000,
                reasoning_tokens=progress.reasoning_tokens,
                # After the stream: only a litellm route has loaded litellm to price it.
                cost_usd=answer_cost(
                    turn.engine,
                    self.settings.routes.get(turn.route),
                    progress.prompt_tokens,
                    progress.completion_tokens,
                ),
            )
            if status is MessageStatus.COMPLETE and turn.route == FALLBACK_ROUTE:
                self._mark_weak(turn, finish_reason)

    def _mark_weak(self, turn: Turn, finish_reason: str | None) -> None:
        """Run the cascade's cheap checks on a complete fast answer (deep is the last stage:
        there is nowhere to escalate to); keep the reasons on the turn and in the row's route
        note ("weak: repeats itself"), so they survive a restart."""
        assert turn.final is not None
        config = self.engines.config(turn.route) if turn.route in self.engines.names else None
        turn.weak = weak_reasons(
            turn.final.content, finish_reason, config.max_tokens if config else None
        )
        if turn.weak:
            note = with_weak_note(turn.note, turn.weak)  # turn.note stays the badge's note
            self.store.update_route(turn.assistant.id, turn.route, turn.final.model or "", note)
            turn.final = self.store.get_message(turn.assistant.id) or turn.final

    # The cascade ----------------------------------------------------------------------------

    def escalation_offer(self, answer: Message | None) -> list[str]:
        """The weak reasons of a complete fast answer when the config offers to ask deep
        (`router.escalate` is not "never"); empty otherwise."""
        if (
            answer is None
            or self.settings.router.escalate == "never"
            or answer.role != "assistant"
            or answer.route != FALLBACK_ROUTE
            or answer.status is not MessageStatus.COMPLETE
        ):
            return []
        return split_weak_note(answer.route_note)[1]

    async def escalation_problem(self, answer: Message) -> str | None:
        """Why `answer` cannot be asked again on the deep route, in one line; None if it can."""
        if answer.parent_id is None or self.store.get_message(answer.parent_id) is None:
            return "cannot ask deep: the answer has no prompt"
        available = await self.availability(ESCALATE_ROUTE)
        if not available.ok:
            return f"cannot ask deep: {ESCALATE_ROUTE} route unavailable: {available.detail}"
        return None

    async def escalate(self, answer: Message) -> Turn:
        """Start a deep answer to `answer`'s prompt, as its sibling (check
        `escalation_problem` first: a deep route that is down gives an error row here)."""
        prompt = self.store.get_message(answer.parent_id or "")
        assert prompt is not None
        if answer.route == FALLBACK_ROUTE and answer.route_score is not None:
            self.record_feedback(answer, ESCALATED)  # the user wanted deep for this prompt
        return await self.begin_answer(prompt, force_route=ESCALATE_ROUTE)

    async def _answer_stream(self, turn: Turn) -> AsyncIterator[StreamEvent | Rerouted]:
        """The route's stream; if a deep route fails at answer time before showing any text
        (down, overloaded, silent: see `RouteFailed.can_fall_back`), the fast route answers
        instead, once, and the row and the badge say so. A forced route never falls back."""
        shown, fell_back = False, False
        async with _closing(self._engine_stream(turn)) as events:
            async for event in events:
                if isinstance(event, RouteFailed) and not shown:
                    fell_back = await self._fall_back(turn, event)
                    if fell_back:
                        break
                shown = shown or (isinstance(event, Content | Thinking) and bool(event.text))
                yield event
        if fell_back:
            assert turn.engine is not None
            yield Rerouted(turn.route, one_line(turn.engine.model_label, 200), turn.note or "")
            async with _closing(self._engine_stream(turn)) as events:
                async for event in events:
                    yield event

    async def _fall_back(self, turn: Turn, failure: RouteFailed) -> bool:
        """Switch `turn` to the fast route, if that is allowed and fast can answer."""
        if not failure.can_fall_back or turn.decision.forced or turn.route == FALLBACK_ROUTE:
            return False
        if not (await self.availability(FALLBACK_ROUTE)).ok:
            return False
        failed = turn.route
        turn.route, turn.engine = FALLBACK_ROUTE, self.engines.get(FALLBACK_ROUTE)
        reason = error_line(failure.reason)
        turn.note = f"{failed} route failed ({reason}); answered by {FALLBACK_ROUTE}"
        model = one_line(turn.engine.model_label, 200)
        self.store.update_route(turn.assistant.id, turn.route, model, turn.note)
        turn.assistant = self.store.get_message(turn.assistant.id) or turn.assistant
        return True

    def _fitted_context(
        self, turn: Turn, config: RouteConfig | None, messages: list[ChatMessage] | None = None
    ) -> list[ChatMessage]:
        """The context, cut from its oldest turns to fit the route's window (the badge and
        the row say how much was left out); `PromptTooLong` when the prompt alone is too big."""
        messages = messages if messages is not None else self.context_for(turn)
        window = self.engines.window_of(turn.route) if config is not None else None
        if window is None or config is None:
            return messages
        keep_last = 3 if turn.prefix else 1  # a continuation sends the prompt, prefix, request
        fitted = fit_context(messages, window, config.max_tokens, turn.route, keep_last)
        turn.room_for_summary = False
        if fitted.dropped and self.settings.context.overflow == "summarise":
            # Room for the summary that will stand in for what is left out.
            room = self.settings.context.summary_tokens + TOKENS_PER_MESSAGE + SUMMARY_HEADER
            try:
                fitted = fit_context(
                    messages, window, config.max_tokens, turn.route, keep_last, extra=room
                )
                turn.room_for_summary = True
            except PromptTooLong:
                pass  # the prompt fits only without that room: trimmed, not summarised
        kept = {id(m) for m in fitted.messages}
        turn.dropped = [m for m in messages if id(m) not in kept]
        if fitted.dropped and not turn.room_for_summary:  # a summary says so itself
            self._add_note(turn, trim_note(fitted.dropped, window))
        return fitted.messages

    def _engine_stream(self, turn: Turn) -> AsyncIterator[StreamEvent]:
        """The engine's stream, under the route's thinking budget when it has one."""
        assert turn.engine is not None
        config = self.engines.config(turn.route) if turn.route in self.engines.names else None
        messages = turn.context
        if messages is None or turn.context_route != turn.route:  # a fallback changed route
            # A summary made for the first route's window is not sent on this one: its row
            # would say a step happened that did not.
            self.store.delete_context_summary(turn.assistant.id)
            try:
                messages = self._fitted_context(turn, config)
            except PromptTooLong as exc:
                return _failed_stream(f"{turn.route} route: {exc}")
        engine = with_temperature(turn.engine, turn.temperature)
        budgets = [s for s in (config.think_seconds if config else None, turn.think_seconds) if s]
        if not budgets:
            return engine.stream(messages)

        def cut(after: float) -> None:
            # Stored at once, so an answer that crashes later still says why it is short.
            turn.time_limit_s = after
            turn.note = " · ".join(n for n in (turn.note, time_limit_note(after)) if n)
            self.store.update_route(
                turn.assistant.id, turn.route, turn.assistant.model or "", turn.note
            )

        return ThinkingBudget(min(budgets), on_cut=cut).stream(engine, messages)

    async def _flush_periodically(self, message_id: str, progress: _Progress) -> None:
        """Store the partial text every half interval while it changes. A failed write (a
        full disk) is tried again at the next tick, never the end of flushing: the text is
        still in memory and on screen, and the final write may yet succeed."""
        while True:
            await asyncio.sleep(self.flush_interval / 2)
            if progress.dirty:
                progress.dirty = False
                try:
                    self.store.save_progress(message_id, progress.text, progress.thoughts)
                except StorageError as exc:
                    progress.dirty = True
                    progress.save_error = str(exc)


def _joined(prefix: str, first: str) -> str:
    """The first piece of a continuation, with the space a model leaves out when it carries
    on a sentence ("…her tail." + "Luna's…" would read "tail.Luna's")."""
    if not prefix or prefix[-1].isspace() or first[0].isspace():
        return first
    after_sentence = prefix[-1] in ".!?,;:" and first[0].isalnum()
    new_word = prefix[-1].isalnum() and first[0].isupper()  # never inside a cut word
    return " " + first if after_sentence or new_word else first


async def _failed_stream(message: str) -> AsyncIterator[StreamEvent]:
    """A stream that fails at once with `message` (what an engine would have said)."""
    yield Failed(message)
