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
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from app.backend.discovery import discover_deep, needs_discovery
from app.backend.engine import Availability
from app.backend.events import ChatMessage, Content, Done, StreamEvent, Thinking, Usage
from app.backend.keys import api_key_for
from app.backend.probe import host_port, list_models, tcp_reachable
from app.backend.reasoning import ThinkTagSplitter
from app.backend.retry import (
    TRANSIENT,
    Failure,
    FailureKind,
    RouteFailed,
    classify,
    retry_delay,
    tries_text,
)
from app.backend.usage import reasoning_tokens_of
from app.config import RouteConfig

# Local servers (vLLM, llama.cpp, Ollama's OpenAI API) accept any key, but the OpenAI client
# refuses to send a request without one.
PLACEHOLDER_KEY = "no-key"
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


class _FirstByteTimeout(Exception):
    """The server sent no chunk within the route's `first_byte_timeout`."""


@dataclass
class _Attempt:
    """What one request produced: text shown so far, how it ended."""

    chars: int = 0  # characters of content and reasoning passed on to the caller
    pieces: int = 0  # content deltas: the token count when the server reports no usage
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
        if model == "auto" or self.config.model == "auto":
            if not self.config.api_base:
                return Availability(False, "model 'auto' needs an api_base to list models from")
            models = list_models(self.config.api_base, self._api_key())
            if not models:
                return Availability(False, f"{self.config.api_base} lists no models")
            self._resolved_model = f"{provider if model else 'openai'}/{models[0]}"
        else:
            self._resolved_model = self.config.model
        where = self.config.api_base or provider
        return Availability(True, f"{self.model_label} at {where}")

    async def check(self) -> Availability:
        return await asyncio.to_thread(self._resolve_model_blocking)

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
        return params

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
        litellm = await asyncio.to_thread(import_litellm)
        params = self._params(messages)
        if temperature is not None:
            params["temperature"] = temperature
        tries = self.config.retries + 1
        attempt = _Attempt()
        for number in range(1, tries + 1):
            attempt = _Attempt()
            think = ThinkTagSplitter(self.config.think_tags)  # <think> in content -> Thinking
            async with aclosing(self._attempt(litellm, params, attempt)) as events:
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
            await asyncio.sleep(retry_delay(failure, number, self.config.retry_backoff))
        assert attempt.failure is not None
        yield self._failed(attempt, number)

    def _failed(self, attempt: _Attempt, tries: int) -> RouteFailed:
        """The one line for a failed stream, after `tries` attempts."""
        failure = attempt.failure
        assert failure is not None
        reason = failure.reason
        if attempt.shown and failure.kind in (FailureKind.CUT, FailureKind.TIMEOUT):
            what = "cut" if failure.kind is FailureKind.CUT else "stalled"
            reason = f"the stream was {what} after {attempt.chars} characters"
        elif tries > 1:
            reason = f"{reason} after {tries_text(tries)}"
        return RouteFailed(
            f"{self.name} route: {reason}",
            reason=reason,
            kind=failure.kind,
            can_fall_back=failure.kind in TRANSIENT and not attempt.shown,
        )

    async def _attempt(
        self, litellm: Any, params: dict[str, Any], attempt: _Attempt
    ) -> AsyncIterator[StreamEvent]:
        """One request: pass its text on as it comes; record a failure instead of raising."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.first_byte_timeout
        response: Any = None
        try:
            try:
                response = await asyncio.wait_for(
                    litellm.acompletion(**params), max(0.0, deadline - loop.time())
                )
                chunks = aiter(response)
                first = await asyncio.wait_for(anext(chunks), max(0.0, deadline - loop.time()))
            except TimeoutError as exc:
                raise _FirstByteTimeout from exc
            chunk: Any = first
            while True:
                for event in self._events(chunk, attempt):
                    yield event
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
        except StopAsyncIteration:
            attempt.failure = Failure(FailureKind.CUT, "the stream was cut", retryable=True)
        except _FirstByteTimeout:
            seconds = f"{self.config.first_byte_timeout:g}"
            attempt.failure = Failure(
                FailureKind.TIMEOUT, f"no answer within {seconds} s", retryable=True
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - provider errors become one readable line
            attempt.failure = classify(exc, self._where())
        finally:
            if response is not None:
                await _close(response)

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
        delta = choice.delta
        reasoning = getattr(delta, "reasoning_content", None)
        if reasoning:
            attempt.chars += len(reasoning)
            events.append(Thinking(reasoning))
        if delta.content:
            attempt.chars += len(delta.content)
            attempt.pieces += 1
            events.append(Content(delta.content))
        attempt.finish = choice.finish_reason or attempt.finish
        return events


async def _close(response: Any) -> None:
    """Close litellm's stream wrapper (and so the HTTP response), best effort and bounded:
    a server that stopped mid-request must not be waited on, nor generate for nobody."""
    closer = getattr(response, "aclose", None)
    if closer is None:
        return
    try:
        await asyncio.wait_for(closer(), CLOSE_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - cleanup must not mask the outcome
        return
