"""Cheap, standard-library checks of OpenAI-compatible servers (no litellm import).

Everything here runs before litellm is needed (the route check on every prompt, `aha models`,
discovery of the deep server), so it must stay on the standard library: importing litellm takes
seconds, and a reachability check must not.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.backend.engine import Availability

CONNECT_TIMEOUT_S = 0.5
MODELS_TIMEOUT_S = 2.0
# A /models answer is a short JSON list; anything longer is not what we asked for.
MAX_MODELS_BYTES = 1_000_000


def host_port(api_base: str) -> tuple[str, int]:
    parts = urlsplit(api_base)
    default = 443 if parts.scheme == "https" else 80
    return parts.hostname or "127.0.0.1", parts.port or default


def tcp_reachable(api_base: str, timeout: float = CONNECT_TIMEOUT_S) -> Availability:
    host, port = host_port(api_base)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return Availability(True, f"server at {host}:{port}")
    except OSError:
        return Availability(False, f"no server at {host}:{port}")


@dataclass(frozen=True, slots=True)
class ModelListing:
    """What GET {api_base}/models said: the model ids, and who serves them when the server
    says so (`owned_by`: "vllm", "llamacpp", "library" for Ollama), or why there is no list."""

    models: tuple[str, ...] = ()
    owned_by: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def fetch_models(
    api_base: str, api_key: str | None = None, timeout: float = MODELS_TIMEOUT_S
) -> ModelListing:
    """GET {api_base}/models, bounded by `timeout`; never raises for a network or format
    problem (the reason is in `error`)."""
    request = urllib.request.Request(api_base.rstrip("/") + "/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = json.loads(response.read(MAX_MODELS_BYTES))
    except urllib.error.HTTPError as exc:
        return ModelListing(error=f"HTTP {exc.code} from {api_base}/models")
    except (OSError, urllib.error.URLError):
        return ModelListing(error=f"no answer from {api_base}/models")
    except ValueError:
        return ModelListing(error=f"{api_base}/models did not answer JSON")
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return ModelListing(error=f"{api_base}/models has no model list")
    entries = [m for m in data if isinstance(m, dict) and "id" in m]
    owners = {str(m.get("owned_by") or "") for m in entries} - {""}
    return ModelListing(
        models=tuple(str(m["id"]) for m in entries),
        owned_by=owners.pop() if len(owners) == 1 else "",
    )


def list_models(
    api_base: str, api_key: str | None = None, timeout: float = MODELS_TIMEOUT_S
) -> list[str]:
    """Model ids from GET {api_base}/models; empty when the server does not say."""
    return list(fetch_models(api_base, api_key, timeout).models)
