"""The engine for OpenAI-compatible servers (vLLM, llama.cpp's server, Ollama, LM Studio):
the `openai` SDK straight to the server, without litellm.

Such a server speaks the OpenAI API itself, so litellm's provider translation has nothing to
do, while importing litellm costs seconds on every `aha ask --route deep` (it was most of the
wall time against a warm local server). Everything else is the litellm engine's: discovery,
the retry loop and its deadlines, max_tokens enforcement, reasoning, redirects refused; only
how a request is sent differs. A route is served here when its model is `openai/...` and it
names an `api_base` (or discovers one); a provider reached by name (`openai/gpt-4o` with no
api_base, `anthropic/...`) keeps litellm, which also prices its answers.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from app.backend.litellm_engine import LiteLLMEngine
from app.config import RouteConfig

_import_lock = threading.Lock()
# Parameters the chat.completions call takes by name; anything else in a route's `extra`
# goes in the request body as the server's own option (vLLM's top_k, Ollama's num_ctx).
_NAMED = frozenset(
    {
        "frequency_penalty", "logit_bias", "logprobs", "n", "presence_penalty", "seed",
        "stop", "top_logprobs", "top_p", "user", "response_format", "tools", "tool_choice",
    }
)  # fmt: skip


def serves(config: RouteConfig) -> bool:
    """Whether a litellm route is an OpenAI-compatible server this engine can talk to."""
    return (
        config.engine == "litellm"
        and bool(config.api_base)
        and (config.model == "auto" or config.model.startswith("openai/"))
    )


def import_openai() -> Any:
    with _import_lock:
        import openai

        return openai


class OpenAICompatEngine(LiteLLMEngine):
    """A litellm route whose requests go through the `openai` SDK directly."""

    async def _prepare(self) -> None:
        await asyncio.to_thread(import_openai)

    async def _open_stream(self, params: dict[str, Any]) -> Any:
        key = params.get("api_key")
        client = self._openai_client(key)
        model = str(params["model"]).removeprefix("openai/")
        request: dict[str, Any] = {
            "model": model,
            "messages": params["messages"],
            "stream": True,
            "max_tokens": params["max_tokens"],
            "temperature": params["temperature"],
            "stream_options": {"include_usage": True},
            "timeout": params["timeout"],
        }
        if params.get("reasoning_effort"):
            request["reasoning_effort"] = params["reasoning_effort"]
        body: dict[str, Any] = {}
        for name, value in self.config.extra.items():
            (request if name in _NAMED else body)[name] = value
        if body:
            request["extra_body"] = body
        return await client.chat.completions.create(**request)
