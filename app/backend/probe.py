"""Cheap, standard-library checks of OpenAI-compatible servers (no litellm import)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from app.backend.engine import Availability

CONNECT_TIMEOUT_S = 0.5
MODELS_TIMEOUT_S = 2.0


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


def list_models(
    api_base: str, api_key: str | None = None, timeout: float = MODELS_TIMEOUT_S
) -> list[str]:
    """Model ids from GET {api_base}/models; empty when the server does not say."""
    request = urllib.request.Request(api_base.rstrip("/") + "/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = json.loads(response.read(1_000_000))
    except (OSError, ValueError, urllib.error.URLError):
        return []
    data = body.get("data") if isinstance(body, dict) else None
    return [str(m["id"]) for m in data or [] if isinstance(m, dict) and "id" in m]
