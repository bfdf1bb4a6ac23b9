"""litellm engine: every provider and server other than in-process llama.cpp.

litellm takes seconds to import, so it is imported on first use, in a thread, and never for a
prompt answered locally.

Retries are aha's own loop, not litellm's `num_retries` nor the OpenAI client's `max_retries`
(both set to 0 so attempts are never multiplied): only this loop knows whether any text has
reached the user, and once it has, trying again would show a second, different beginning. So
a request is retried (with backoff, honouring a short Retry-After) only when it failed before
its first piece of text, for transient reasons (see `retry.py`); every failure ends as one
`RouteFailed` event whose message is a single readable line.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from app.backend.discovery import discover_deep, needs_discovery
from app.backend.engine import Availability
from app.backend.events import ChatMessage, Content, Done, StreamEvent, Thinking, Usage
from app.backend.keys import api_key_for
from app.backend.probe import ModelListing, fetch_models, host_port, tcp_reachable
from app.backend.reasoning import ThinkTagSplitter
from app.backend.retry import (
    TRANSIENT,
    Failure,
    FailureKind,
    RouteFailed,
    classify,
    classify_in_stream,
    retry_delay,
    tries_text,
)
from app.backend.usage import reasoning_tokens_of
from app.config import RouteConfig

# Local servers (vLLM, llama.cpp, Ollama's OpenAI API) accept any key, but the OpenAI client
# refuses to send a request without one.
PLACEHOLDER_KEY = "no-key"
# How long a successful availability check is trusted (see `LiteLLMEngine.check`).
AVAILABLE_FOR_S = 30.0
# Closing an abandoned response must not hold up the next attempt or the user's next prompt.
CLOSE_TIMEOUT_S = 2.0
_import_lock = threading.Lock()


def import_litellm() -> Any:
    """Import litellm once (blocking), with the cost map kept local so it never hits the network."""
    with _import_lock:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        litellm.drop_params = True  # an option one provider lacks is dropped, not an error
        return litellm


class _Deadline(Exception):
    """A deadline passed: no text within `first_byte_timeout`, or no end within `timeout`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# aha stops reading once a server has sent `max_tokens` deltas (a server may ignore the
# parameter and stream for ever); a delta is usually one token, and this many characters per
# token is the backstop for a server that sends its tokens in huge deltas.
MAX_CHARS_PER_TOKEN = 32


@dataclass
class _Attempt:
    """What one request produced: text shown so far, how it ended."""

    chars: int = 0  # characters of content and reasoning passed on to the caller
    pieces: int = 0  # content deltas: the token count when the server reports no usage
    deltas: int = 0  # content and reasoning deltas: what `max_tokens` is enforced on
    finish: str | None = None
    usage: bool = False
    failure: Failure | None = None

    @property
    def shown(self) -> bool:
        return self.chars > 0


class LiteLLMEngine:
    def __init__(self, name: str, config: RouteConfig) -> None:
        self.name = name
        self.config = config
        # As configured; `config` gets the server and model discovery found ("auto").
        self.configured = config
        self._resolved_model: str | None = None
        self._litellm: Any = None
        self._available: tuple[float, Availability] | None = None  # (when, a success)
        # The window the server (or litellm's model table) gave for the model, when the
        # route does not set `context_window`; the chat service fits the context to it.
        self.served_window: int | None = None
        self._window_checked = False
        # One OpenAI client per event loop (an HTTP connection pool belongs to its loop).
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def model_label(self) -> str:
        model = self._resolved_model or self.config.model
        return model.split("/", 1)[1] if "/" in model else model

    def _api_key(self) -> str | None:
        key = api_key_for(self.name, self.configured)
        if key is None and self.config.api_base:
            return PLACEHOLDER_KEY
        return key

    def _where(self) -> str:
        if self.config.api_base:
            host, port = host_port(self.config.api_base)
            return f"{host}:{port}"
        return self.config.model.partition("/")[0] or "the provider"

    def _resolve_model_blocking(self) -> Availability:
        """Reachability, and for `provider/auto` the first model the server lists."""
        if needs_discovery(self.configured):  # api_base or model "auto": probe 127.0.0.1
            found = discover_deep(self.configured, api_key=api_key_for(self.name, self.configured))
            self.config = found.apply(self.configured)
            if not found.ok:
                return Availability(False, found.detail)
        if self.config.api_base:
            reach = tcp_reachable(self.config.api_base)
            if not reach.ok:
                return reach
        provider, _, model = self.config.model.partition("/")
        listing: ModelListing | None = None
        if model == "auto" or self.config.model == "auto":
            if not self.config.api_base:
                return Availability(False, "model 'auto' needs an api_base to list models from")
            listing = fetch_models(self.config.api_base, self._api_key())
            if not listing.models:
                return Availability(False, f"{self.config.api_base} lists no models")
            self._resolved_model = f"{provider if model else 'openai'}/{listing.models[0]}"
        else:
            self._resolved_model = self.config.model
        if listing is not None and self.config.context_window is None:
            self.served_window = listing.windows.get(self.model_label)  # known for free
            self._window_checked = True
        where = self.config.api_base or provider
        return Availability(True, f"{self.model_label} at {where}")

    def learn_window_blocking(self) -> int | None:
        """The model's window as its server says it (vLLM lists `max_model_len`), or as
        litellm's bundled model table knows it for a provider's model; None when neither
        says. Asked once (blocking: call it in a thread), and only by a turn whose context
        might not fit, so a short prompt never pays the extra round trip."""
        if self.config.context_window is not None:
            return self.config.context_window
        if not self._window_checked:
            self.served_window = self._served_window()
            self._window_checked = True
        return self.served_window

    def _served_window(self) -> int | None:
        if self.config.api_base:
            return fetch_models(self.config.api_base, self._api_key()).windows.get(self.model_label)
        try:
            info = import_litellm().get_model_info(self._resolved_model or "")
        except Exception:  # an unknown model: litellm raises, and the window stays unknown
            return None
        window = info.get("max_input_tokens") if isinstance(info, dict) else None
        return window if isinstance(window, int) and window > 0 else None

    def forget_availability(self) -> None:
        """The route's server or model choice changed: check again before the next prompt."""
        self._available = None
        self._resolved_model = None
        self._window_checked = False
        self.served_window = None

    async def check(self) -> Availability:
        """Whether the route answers. A success is trusted for AVAILABLE_FOR_S: probing the
        server (a TCP connect, a model listing) before every prompt put a round trip or two in
        front of each first token; a server that went away meanwhile fails the request itself,
        which retries and falls back like any refused connection."""
        now = time.monotonic()
        if self._available is not None and now - self._available[0] < AVAILABLE_FOR_S:
            return self._available[1]
        availability = await asyncio.to_thread(self._resolve_model_blocking)
        self._available = (time.monotonic(), availability) if availability.ok else None
        return availability

    def _params(self, messages: Sequence[ChatMessage]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self._resolved_model,
            "messages": list(messages),
            "stream": True,
            "max_tokens": self.config.max_tokens,
            "temperature": self.config.temperature,
            "timeout": self.config.timeout,
            "stream_options": {"include_usage": True},
            # One attempt per call: the loop in `stream` decides about retries.
            "num_retries": 0,
            "max_retries": 0,
            **self.config.extra,
        }
        effort = getattr(self.config, "reasoning_effort", None)
        if effort:
            params["reasoning_effort"] = effort
        if self.config.api_base:
            params["api_base"] = self.config.api_base
        key = self._api_key()
        if key:
            params["api_key"] = key
        if self._resolved_model and self._resolved_model.startswith("openai/"):
            params["client"] = self._openai_client(key)
        return params

    def _openai_client(self, key: str | None) -> Any:
        """The OpenAI client for this route and event loop, on an HTTP client that never
        follows a redirect: litellm's own follows them, and a redirect to another origin
        would carry the prompt there (and on some paths the key). A 3xx is an error instead,
        naming where it pointed (`retry.redirect_reason`)."""
        loop = asyncio.get_running_loop()
        wanted = (key, self.config.api_base, self.config.timeout)
        cached = self._clients.get(loop)
        if cached is not None and cached[0] == wanted:
            return cached[1]
        import httpx  # a new loop, or the key or server changed
        import openai

        client = openai.AsyncOpenAI(
            api_key=key or PLACEHOLDER_KEY,
            base_url=self.config.api_base,
            max_retries=0,  # the loop in `stream` decides about retries
            timeout=self.config.timeout,
            http_client=httpx.AsyncClient(follow_redirects=False, timeout=self.config.timeout),
        )
        self._clients[loop] = (wanted, client)
        return client

    async def stream(
        self, messages: Sequence[ChatMessage], temperature: float | None = None
    ) -> AsyncIterator[StreamEvent]:
        if self._resolved_model is None:
            availability = await self.check()
            if not availability.ok:
                reason = availability.detail
                yield RouteFailed(
                    f"{self.name} route unavailable: {reason}",
                    reason=reason,
                    kind=FailureKind.UNREACHABLE,
                    can_fall_back=True,
                )
                return
        await self._prepare()
        params = self._params(messages)
        if temperature is not None:
            params["temperature"] = temperature
        tries = self.config.retries + 1
        attempt = _Attempt()
        # `timeout` bounds the whole request, retries included: a server that keeps the
        # connection busy (keep-alive bytes, an endless stream) is stopped all the same.
        deadline = asyncio.get_running_loop().time() + self.config.timeout
        for number in range(1, tries + 1):
            attempt = _Attempt()
            think = ThinkTagSplitter(self.config.think_tags)  # <think> in content -> Thinking
            async with aclosing(self._attempt(params, attempt, deadline)) as events:
                async for event in events:
                    for piece in think.route(event):
                        yield piece
            for piece in think.flush():
                yield piece
            failure = attempt.failure
            if failure is None:
                if not attempt.usage and attempt.pieces:
                    yield Usage(completion_tokens=attempt.pieces)
                yield Done(attempt.finish)
                return
            if attempt.shown or not failure.retryable or number == tries:
                break
            wait = retry_delay(failure, number, self.config.retry_backoff)
            if asyncio.get_running_loop().time() + wait >= deadline:
                break  # no time left for another try within `timeout`
            await asyncio.sleep(wait)
        assert attempt.failure is not None
        yield self._failed(attempt, number)

    def _failed(self, attempt: _Attempt, tries: int) -> RouteFailed:
        """The one line for a failed stream, after `tries` attempts."""
        failure = attempt.failure
        assert failure is not None
        reason = failure.reason
        if attempt.shown and failure.kind is FailureKind.CUT:
            reason = f"the stream was cut after {attempt.chars} characters"
        elif attempt.shown and failure.kind is FailureKind.TIMEOUT:
            reason = f"{failure.reason}; stopped after {attempt.chars} characters"
        elif tries > 1:
            reason = f"{reason} after {tries_text(tries)}"
        return RouteFailed(
            f"{self.name} route: {reason}",
            reason=reason,
            kind=failure.kind,
            can_fall_back=failure.kind in TRANSIENT and not attempt.shown,
        )

    async def _prepare(self) -> None:
        """Import what requests need, off the event loop (litellm takes seconds)."""
        self._litellm = await asyncio.to_thread(import_litellm)

    async def _open_stream(self, params: dict[str, Any]) -> Any:
        """Send one streamed request; an async iterator of chat.completion.chunk objects."""
        return await self._litellm.acompletion(**params)

    async def _attempt(
        self, params: dict[str, Any], attempt: _Attempt, deadline: float
    ) -> AsyncIterator[StreamEvent]:
        """One request: pass its text on as it comes; record a failure instead of raising.

        Two deadlines: until the first piece of content or reasoning (a role chunk or a
        keep-alive does not count), `first_byte_timeout`; for the whole request, `deadline`.
        Each wait for a chunk is bounded by the one that applies, never a yield: the caller
        may take its time with an event without the clock cutting the stream."""
        loop = asyncio.get_running_loop()
        first_deadline = min(deadline, loop.time() + self.config.first_byte_timeout)
        limit = self.config.max_tokens
        response: Any = None
        started = False  # the response has begun: a failure now is mid-stream
        try:
            response = await self._within(
                self._open_stream(params), first_deadline, deadline, attempt
            )
            chunks = aiter(response)
            started = True
            while True:
                try:
                    chunk = await self._within(anext(chunks), first_deadline, deadline, attempt)
                except StopAsyncIteration:
                    break
                if _over_limit(attempt, limit) and _has_text(chunk):
                    attempt.finish = "length"  # the server ignored max_tokens: stop reading
                    break
                for event in self._events(chunk, attempt):
                    yield event
        except StopAsyncIteration:
            attempt.failure = Failure(FailureKind.CUT, "the stream was cut", retryable=True)
        except _Deadline as exc:
            attempt.failure = Failure(FailureKind.TIMEOUT, exc.reason, retryable=not attempt.shown)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - provider errors become one readable line
            judge = classify_in_stream if started else classify
            attempt.failure = judge(exc, self._where())
        finally:
            if response is not None:
                await _close(response)

    async def _within(
        self, awaitable: Any, first_deadline: float, deadline: float, attempt: _Attempt
    ) -> Any:
        """`awaitable`, or `_Deadline` once the deadline that applies now has passed."""
        until = deadline if attempt.shown else first_deadline
        try:
            # `timeout_at`, not `wait_for`: on Python 3.11 wait_for swallows a cancellation
            # (Ctrl+C, SIGTERM) that lands as the awaited chunk arrives, and the stream runs on.
            async with asyncio.timeout_at(until):
                return await awaitable
        except TimeoutError as exc:
            if attempt.shown:
                raise _Deadline(f"no end within the {self.config.timeout:g} s timeout") from exc
            seconds = min(self.config.first_byte_timeout, self.config.timeout)
            raise _Deadline(f"no answer within {seconds:g} s") from exc

    @staticmethod
    def _events(chunk: Any, attempt: _Attempt) -> list[StreamEvent]:
        """Typed events from one litellm chunk (OpenAI's chat.completion.chunk shape)."""
        events: list[StreamEvent] = []
        usage = getattr(chunk, "usage", None)
        if usage:
            attempt.usage = True
            events.append(
                Usage(
                    getattr(usage, "prompt_tokens", None),
                    getattr(usage, "completion_tokens", None),
                    reasoning_tokens_of(usage),
                )
            )
        choices = getattr(chunk, "choices", None)
        if not choices:
            return events
        choice = choices[0]
        delta = getattr(choice, "delta", None)
        if delta is None:  # a choice with only a finish reason
            attempt.finish = getattr(choice, "finish_reason", None) or attempt.finish
            return events
        reasoning = getattr(delta, "reasoning_content", None)
        if reasoning:
            attempt.chars += len(reasoning)
            attempt.deltas += 1
            events.append(Thinking(reasoning))
        content = getattr(delta, "content", None)
        if content:
            attempt.chars += len(content)
            attempt.pieces += 1
            attempt.deltas += 1
            events.append(Content(content))
        attempt.finish = choice.finish_reason or attempt.finish
        return events


def _over_limit(attempt: _Attempt, max_tokens: int) -> bool:
    """The answer has its `max_tokens`: any more text is a server ignoring the limit (its
    closing chunk and usage, which carry no text, are still read)."""
    return attempt.deltas >= max_tokens or attempt.chars >= max_tokens * MAX_CHARS_PER_TOKEN


def _has_text(chunk: Any) -> bool:
    choices = getattr(chunk, "choices", None)
    if not choices:
        return False
    delta = getattr(choices[0], "delta", None)
    return bool(getattr(delta, "content", None) or getattr(delta, "reasoning_content", None))


async def _close(response: Any) -> None:
    """Close litellm's stream wrapper (and so the HTTP response), best effort and bounded:
    a server that stopped mid-request must not be waited on, nor generate for nobody."""
    closer = getattr(response, "aclose", None) or getattr(response, "close", None)
    if closer is None:
        return
    try:
        await asyncio.wait_for(closer(), CLOSE_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - cleanup must not mask the outcome
        return
