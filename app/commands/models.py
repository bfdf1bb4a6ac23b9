"""`aha models`: each route and its state, where its key comes from, and what discovery found.

Everything here is a cheap check (TCP connects and GET /models with short timeouts, run
concurrently); nothing generates and litellm is never imported. `aha doctor` shows the same
facts among its others, through `collect` and the line helpers below. A server's model list
is cut to its first few in text (with a count of the rest); `--json` has all of it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any

from app.backend.discovery import (
    AUTO,
    DEFAULT_PORTS,
    DeepChoice,
    Discovery,
    discover_deep,
    load_choice,
)
from app.backend.engine import Availability
from app.backend.keys import env_var_for, find_key, provider_of
from app.backend.registry import Engines
from app.backend.usage import is_loopback
from app.config import RouteConfig, Settings
from app.sanitize import strip_control

# A server may list thousands of models (a LiteLLM proxy, a model hub): the text report shows
# the first few of each, and the JSON report, which scripts read, has every one.
MODELS_SHOWN = 10
FULL_LIST = "aha models --all"


@dataclass(frozen=True, slots=True)
class RouteState:
    name: str
    config: RouteConfig
    available: Availability
    key: str  # where the key comes from, in words; "" for in-process routes


@dataclass(frozen=True, slots=True)
class Report:
    routes: list[RouteState]
    discovery: Discovery
    choice: DeepChoice | None


def key_state(name: str, config: RouteConfig) -> str:
    """Where a route's key comes from ("env OPENAI_API_KEY", "keyring aha/openai"), or why
    there is none. Never the key."""
    if config.engine != "litellm":
        return ""
    found = find_key(name, config)
    if found is not None:
        return f"{found.source} {found.where}"
    if config.api_base == AUTO or is_loopback(config.api_base):
        return "none (a local server needs none)"
    provider = provider_of(config.model)
    if config.api_base or provider is None:
        return "none"
    return f"none: set {env_var_for(provider)} or run `aha keys set {provider}`"


def _discovery_config(settings: Settings) -> RouteConfig:
    """The route whose ports to probe: the first that asks for discovery, else the default
    candidates (what runs locally is worth showing even when the config names a server)."""
    for config in settings.routes.values():
        if config.engine == "litellm" and config.api_base == AUTO:
            return config
    return RouteConfig(api_base=AUTO, discover_ports=list(DEFAULT_PORTS))


async def collect(settings: Settings) -> Report:
    """Every route's check and the discovery probe, concurrently."""
    engines = Engines(settings)
    choice = await asyncio.to_thread(load_choice)
    checks, discovery = await asyncio.gather(
        asyncio.gather(*(engines.get(n).check() for n in engines.names)),
        asyncio.to_thread(discover_deep, _discovery_config(settings), None, choice),
    )
    routes = [
        RouteState(n, engines.config(n), available, key_state(n, engines.config(n)))
        for n, available in zip(engines.names, checks, strict=True)
    ]
    return Report(routes, discovery, choice)


def where_of(config: RouteConfig) -> str:
    if config.engine == "llama_cpp":
        return "in-process"
    if config.api_base == AUTO:
        return f"auto: 127.0.0.1 ports {', '.join(map(str, config.discover_ports))}"
    return config.api_base or f"{provider_of(config.model) or 'litellm'} (hosted)"


def route_lines(report: Report) -> list[str]:
    lines = []
    for route in report.routes:
        config, available = route.config, route.available
        state = "ok" if available.ok else "unavailable"
        lines.append(
            f"  {route.name:<6} {config.engine:<9} {config.model:<24} {state}: {available.detail}"
        )
        if config.engine != "llama_cpp":
            lines.append(f"  {'':<6} at {where_of(config)}")
        if route.key:
            lines.append(f"  {'':<6} key {route.key}")
    return lines


def discovery_lines(report: Report, limit: int | None = MODELS_SHOWN) -> list[str]:
    """Each server found and its models: the first `limit` of them (all with None), the one
    chosen in the TUI wherever it is in the list, and a count of the rest."""
    found = report.discovery
    if not found.servers:
        return [f"  nothing found: {found.detail}"]
    lines = []
    for server in found.servers:
        kind = f" ({server.kind})" if server.kind else ""
        lines.append(f"  {server.api_base}{kind}")
        models = list(server.models)
        shown = models if limit is None else models[:limit]
        choice = report.choice
        if choice and choice.api_base == server.api_base and choice.model in models[len(shown) :]:
            shown = [*shown, choice.model]  # the model the deep route uses is always listed
        for model in shown:
            mark = report.choice == DeepChoice(server.api_base, model)
            lines.append(f"    {model}{'  (chosen in the TUI)' if mark else ''}")
        if len(models) > len(shown):
            lines.append(
                f"    … and {len(models) - len(shown):,} more; `{FULL_LIST}` lists every one"
            )
    return lines


def report_dict(report: Report) -> dict[str, Any]:
    found = report.discovery
    return {
        "routes": [
            {
                "name": r.name,
                "engine": r.config.engine,
                "model": r.config.model,
                "api_base": r.config.api_base,
                "ok": r.available.ok,
                "detail": r.available.detail,
                "key": r.key or None,
            }
            for r in report.routes
        ],
        "discovery": {
            "probed": list(found.probed),
            "servers": [
                {"api_base": s.api_base, "kind": s.kind, "models": list(s.models)}
                for s in found.servers
            ],
            "detail": found.detail,
        },
        "chosen": (
            {"api_base": report.choice.api_base, "model": report.choice.model}
            if report.choice
            else None
        ),
    }


def run_models(args: argparse.Namespace, settings: Settings) -> int:
    report = asyncio.run(collect(settings))
    if args.json:
        print(json.dumps(report_dict(report), ensure_ascii=False, indent=2))
        return 0
    # Model names come from servers: untrusted text, like model output.
    out = [
        "routes",
        *route_lines(report),
        "discovered on 127.0.0.1",
        *discovery_lines(report, None if getattr(args, "all", False) else MODELS_SHOWN),
    ]
    sys.stdout.write(strip_control("\n".join(out)) + "\n")
    return 0
