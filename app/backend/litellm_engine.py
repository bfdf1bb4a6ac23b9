"""litellm engine: every provider and server other than in-process llama.cpp.

litellm takes seconds to import, so it is imported on first use, in a thread, and never for a
prompt answered locally.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Sequence
from typing import Any

from app.backend.engine import Availability
from app.backend.events import ChatMessage, Content, Done, Failed, StreamEvent, Thinking, Usage
from app.backend.keys import api_key_for
from app.backend.probe import list_models, tcp_reachable
from app.config import RouteConfig

# Local servers (vLLM, llama.cpp, Ollama's OpenAI API) accept any key, but the OpenAI client
# refuses to send a request without one.
PLACEHOLDER_KEY = "no-key"
_import_lock = threading.Lock()


def import_litellm() -> Any:
    """Import litellm once (blocking), with the cost map kept local so it never hits the network."""
    with _import_lock:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        import litellm

        litellm.suppress_debug_info = True
        litellm.drop_params = True  # an option one provider lacks is dropped, not an error
        return litellm


class LiteLLMEngine:
    def __init__(self, name: str, config: RouteConfig) -> None:
        self.name = name
        self.config = config
        self._resolved_model: str | None = None

    @property
    def model_label(self) -> str:
        model = self._resolved_model or self.config.model
        return model.split("/", 1)[1] if "/" in model else model

    def _api_key(self) -> str | None:
        key = api_key_for(self.name, self.config.api_key_env)
        if key is None and self.config.api_base:
            return PLACEHOLDER_KEY
        return key

    def _resolve_model_blocking(self) -> Availability:
        """Reachability, and for `provider/auto` the first model the server lists."""
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

    async def stream(self, messages: Sequence[ChatMessage]) -> AsyncIterator[StreamEvent]:
        if self._resolved_model is None:
            availability = await self.check()
            if not availability.ok:
                yield Failed(f"{self.name} route unavailable: {availability.detail}")
                return
        litellm = await asyncio.to_thread(import_litellm)
        params: dict[str, Any] = {
            "model": self._resolved_model,
            "messages": list(messages),
            "stream": True,
            "max_tokens": self.config.max_tokens,
            "temperature": self.config.temperature,
            "timeout": self.config.timeout,
            "stream_options": {"include_usage": True},
            **self.config.extra,
        }
        if self.config.api_base:
            params["api_base"] = self.config.api_base
        key = self._api_key()
        if key:
            params["api_key"] = key
        finish: str | None = None
        try:
            response = await litellm.acompletion(**params)
            async for chunk in response:
                usage = getattr(chunk, "usage", None)
                if usage:
                    yield Usage(
                        getattr(usage, "prompt_tokens", None),
                        getattr(usage, "completion_tokens", None),
                    )
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                delta = choice.delta
                reasoning = getattr(delta, "reasoning_content", None)
                if reasoning:
                    yield Thinking(reasoning)
                if delta.content:
                    yield Content(delta.content)
                finish = choice.finish_reason or finish
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - provider errors become one readable line
            yield Failed(_describe(exc))
            return
        yield Done(finish)


def _describe(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
