"""Usage of one answer: tokens, speed, time to first token and cost, and how they read.

Cost comes from litellm's price map, and only when litellm is already loaded, which is exactly
when the answer came from a litellm route: pricing a local answer must never import litellm
(seconds of start-up for a number that is zero). A model the map does not know costs None
(unknown), never an error and never a made-up zero; a model on this machine (in-process, or a
server on a loopback address that the map does not price) costs 0.0.
"""

from __future__ import annotations

import ipaddress
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from app.config import RouteConfig
    from storage.models import Message


def reasoning_tokens_of(usage: Any) -> int | None:
    """Reasoning tokens from a provider's usage object (OpenAI's shape, which litellm copies:
    `completion_tokens_details.reasoning_tokens`); None when it does not say."""
    details = getattr(usage, "completion_tokens_details", None)
    if details is None and isinstance(usage, dict):
        details = usage.get("completion_tokens_details")
    value = details.get("reasoning_tokens") if isinstance(details, dict) else None
    if details is not None and value is None:
        value = getattr(details, "reasoning_tokens", None)
    return int(value) if isinstance(value, int | float) and value >= 0 else None


def is_loopback(api_base: str | None) -> bool:
    if not api_base:
        return False
    host = urlsplit(api_base).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def litellm_model_of(engine: object, config: RouteConfig) -> tuple[str, str | None]:
    """(litellm model string, api_base) the engine actually used: a discovered deep route
    resolves "openai/auto" at "auto" to a concrete model and server."""
    resolved = getattr(engine, "_resolved_model", None)
    used = getattr(engine, "config", None)
    api_base = getattr(used, "api_base", None) or config.api_base
    return (resolved if isinstance(resolved, str) and resolved else config.model), api_base


def answer_cost(
    engine: object,
    config: RouteConfig | None,
    prompt_tokens: int | None,
    completion_tokens: int | None,
) -> float | None:
    """US dollars for one answer: 0.0 when local, None when unknown. Never raises: it runs
    while the answer is being stored, which nothing may stop."""
    try:
        return _cost(engine, config, prompt_tokens, completion_tokens)
    except Exception:  # noqa: BLE001
        return None


def _cost(
    engine: object,
    config: RouteConfig | None,
    prompt_tokens: int | None,
    completion_tokens: int | None,
) -> float | None:
    if config is None:
        return None
    if config.engine == "llama_cpp":
        return 0.0
    model, api_base = litellm_model_of(engine, config)
    local = 0.0 if is_loopback(api_base) else None
    litellm = sys.modules.get("litellm")
    if litellm is None or (prompt_tokens is None and completion_tokens is None):
        return local
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model,
            prompt_tokens=prompt_tokens or 0,
            completion_tokens=completion_tokens or 0,
        )
        return float(prompt_cost) + float(completion_cost)
    except Exception:  # noqa: BLE001 - litellm raises for models its map does not know
        return local


def tokens_per_second(
    completion_tokens: int | None, first_token_ms: float | None, duration_ms: float | None
) -> float | None:
    """Streaming speed: tokens over the time after the first one arrived (the wait before it is
    reported apart, as time to first token). None without both timings."""
    if not completion_tokens or first_token_ms is None or duration_ms is None:
        return None
    generating_s = (duration_ms - first_token_ms) / 1000
    return completion_tokens / generating_s if generating_s > 0 else None


def format_cost(cost: float | None) -> str:
    """Dollars: "$0.0012" below a dollar, "$1.23" from one up; "" for unknown."""
    if cost is None:
        return ""
    return f"${cost:.2f}" if cost >= 1 else f"${cost:.4f}"


def format_seconds(ms: float | None) -> str:
    return "" if ms is None else f"{ms / 1000:.1f} s"


def usage_line(message: Message) -> str:
    """The status line under a finished answer:
    "123 tokens · 45.6 tok/s · first token 0.8 s · 2.7 s · $0.0012".

    Parts that are unknown are left out; so is a zero cost (a local model), which would only
    add noise under every answer.
    """
    parts: list[str] = []
    if message.completion_tokens:
        parts.append(f"{message.completion_tokens} tokens")
    speed = tokens_per_second(
        message.completion_tokens, message.first_token_ms, message.duration_ms
    )
    if speed is not None:
        parts.append(f"{speed:.1f} tok/s")
    if message.first_token_ms is not None:
        parts.append(f"first token {format_seconds(message.first_token_ms)}")
    parts.append(format_seconds(message.duration_ms or 0))
    if message.cost_usd:
        parts.append(format_cost(message.cost_usd))
    return " · ".join(parts)
