"""Finding the deep server: probe 127.0.0.1 for an OpenAI-compatible server and list its models.

With `api_base = "auto"` (the default deep route) nobody has to say where the GPU server runs:
vLLM listens on 8000, a llama.cpp server on 8080 (`llama-server`; `python -m llama_cpp.server`
also uses 8000), Ollama's OpenAI API on 11434, each under `/v1`. The candidates are probed
concurrently with short timeouts, so a machine with nothing running learns it within about half
a second, and the blocking work runs in threads, never on the UI's event loop (callers in async
code wrap `discover_deep` in `asyncio.to_thread`).

Standard library only: this runs on the way to every deep answer and in `aha models`, and must
not pay for importing litellm.

The model the user chose in the TUI ("Choose deep model") is stored in SQLite (`preferences`)
and used when the config leaves the choice open: an explicit `model` or `api_base` in the
config always wins over it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from app.backend.probe import fetch_models, tcp_reachable
from app.config import RouteConfig

AUTO = "auto"
HOST = "127.0.0.1"
DEFAULT_PORTS: tuple[int, ...] = (8000, 8080, 11434)
PROBE_CONNECT_TIMEOUT_S = 0.3
PROBE_MODELS_TIMEOUT_S = 1.5
DEEP_CHOICE_KEY = "deep_model"
SERVER_KINDS = {"vllm": "vLLM", "llamacpp": "llama.cpp", "library": "Ollama", "ollama": "Ollama"}


@dataclass(frozen=True, slots=True)
class DeepChoice:
    """A model the user picked for the deep route, and the server it was listed on."""

    api_base: str
    model: str

    def to_json(self) -> str:
        return json.dumps({"api_base": self.api_base, "model": self.model})

    @classmethod
    def from_json(cls, text: str | None) -> DeepChoice | None:
        try:
            data = json.loads(text or "")
            return cls(str(data["api_base"]), str(data["model"]))
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True, slots=True)
class Server:
    """An OpenAI-compatible server that answered on a probed port."""

    api_base: str
    models: tuple[str, ...]
    kind: str = ""  # "vLLM", "llama.cpp", "Ollama" when its /models says so


@dataclass(frozen=True, slots=True)
class Discovery:
    """Where the deep route should go: `api_base` and `model` (None when nothing answered),
    the models that server lists, a one-line `detail` for badges and `aha models`, and every
    server found (the TUI offers all their models)."""

    api_base: str | None
    models: tuple[str, ...] = ()
    detail: str = ""
    model: str | None = None
    servers: tuple[Server, ...] = field(default_factory=tuple)
    probed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.api_base is not None and self.model is not None

    def apply(self, config: RouteConfig) -> RouteConfig:
        """The route with the found server and model filled in (the config unchanged when
        nothing was found)."""
        if not self.ok:
            return config
        provider = config.model.partition("/")[0] if "/" in config.model else "openai"
        return config.model_copy(
            update={"api_base": self.api_base, "model": f"{provider}/{self.model}"}
        )


def explicit_model(config: RouteConfig) -> str | None:
    """The model the config names, without its provider ("openai/Qwen/Qwen3-8B" ->
    "Qwen/Qwen3-8B"); None for "auto", which leaves the choice to discovery."""
    _, slash, rest = config.model.partition("/")
    name = rest if slash else config.model
    return None if name == AUTO else name


def needs_discovery(config: RouteConfig) -> bool:
    """True when the config leaves the server or the model for aha to find."""
    return config.engine == "litellm" and (
        config.api_base == AUTO or explicit_model(config) is None
    )


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a probed base is not a deep server: nothing listens (`listening` False), or
    something does but gives no model list."""

    listening: bool
    detail: str


def _probe(api_base: str, api_key: str | None) -> Server | Problem:
    reach = tcp_reachable(api_base, timeout=PROBE_CONNECT_TIMEOUT_S)
    if not reach.ok:
        return Problem(False, reach.detail)
    listing = fetch_models(api_base, api_key, timeout=PROBE_MODELS_TIMEOUT_S)
    if not listing.ok:
        return Problem(True, listing.error)
    if not listing.models:
        return Problem(True, f"{api_base} lists no models")
    return Server(api_base, listing.models, SERVER_KINDS.get(listing.owned_by.lower(), ""))


def probe_servers(
    bases: Sequence[str], api_key: str | None = None
) -> tuple[list[Server], list[Problem]]:
    """Probe every base concurrently; (servers that answered, in the given order; why each
    other one is not a server)."""
    if not bases:
        return [], []
    with ThreadPoolExecutor(max_workers=len(bases), thread_name_prefix="aha-probe") as pool:
        results = list(pool.map(lambda base: _probe(base, api_key), bases))
    servers = [r for r in results if isinstance(r, Server)]
    return servers, [r for r in results if isinstance(r, Problem)]


def candidate_bases(ports: Sequence[int]) -> list[str]:
    return [f"http://{HOST}:{port}/v1" for port in ports]


def load_choice() -> DeepChoice | None:
    """The stored TUI choice, read without creating or migrating the database."""
    from app import paths
    from storage.usage_repo import read_preference

    return DeepChoice.from_json(read_preference(paths.database_path(), DEEP_CHOICE_KEY))


class _Stored:
    """Sentinel: read the choice from the database."""


STORED = _Stored()


def discover_deep(
    config: RouteConfig,
    ports: Sequence[int] | None = None,
    choice: DeepChoice | None | _Stored = STORED,
    api_key: str | None = None,
) -> Discovery:
    """Find the server and model for a route that leaves them open (blocking, bounded by the
    probe timeouts). `ports` overrides the config's `discover_ports`; `choice` overrides the
    stored TUI choice (None: ignore it)."""
    if isinstance(choice, _Stored):
        choice = load_choice()
    if config.api_base and config.api_base != AUTO:
        bases, where = [config.api_base], config.api_base
    else:
        wanted = list(ports if ports is not None else config.discover_ports)
        bases = candidate_bases(wanted)
        where = f"{HOST} port{'s' if len(wanted) != 1 else ''} {', '.join(map(str, wanted))}"
    servers, problems = probe_servers(bases, api_key)
    if not servers:
        if config.api_base != AUTO and problems:
            detail = problems[0].detail
        elif not bases:
            detail = "no ports to probe (discover_ports is empty)"
        else:
            # Something that listens but lists no models is worth naming: a wrong port, or a
            # server still loading its model.
            odd = [p.detail for p in problems if p.listening]
            detail = f"no server on {where}" + (f" ({'; '.join(odd)})" if odd else "")
        return Discovery(None, detail=detail, probed=tuple(bases))
    return _choose(config, servers, choice, tuple(bases))


def _choose(
    config: RouteConfig,
    servers: list[Server],
    choice: DeepChoice | None,
    probed: tuple[str, ...],
) -> Discovery:
    """Pick server and model: the config's explicit model, else the stored choice when its
    server still lists it, else the first model of the first server."""
    explicit = explicit_model(config)
    server, model, why = servers[0], servers[0].models[0], "first listed"
    if explicit:
        listing = next((s for s in servers if explicit in s.models), None)
        server, model, why = listing or servers[0], explicit, "from config"
    elif choice is not None:
        chosen = next(
            (s for s in servers if s.api_base == choice.api_base and choice.model in s.models),
            None,
        )
        if chosen is not None:
            server, model, why = chosen, choice.model, "chosen"
    kind = f" ({server.kind})" if server.kind else ""
    return Discovery(
        server.api_base,
        server.models,
        detail=f"{model} at {server.api_base}{kind}, {why}",
        model=model,
        servers=tuple(servers),
        probed=probed,
    )
