"""Cheap, standard-library checks of OpenAI-compatible servers (no litellm import).

Everything here runs before litellm is needed (the route check on every prompt, `aha models`,
discovery of the deep server), so it must stay on the standard library: importing litellm takes
seconds, and a reachability check must not.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from app.backend.engine import Availability
from app.sanitize import one_line

CONNECT_TIMEOUT_S = 0.5
MODELS_TIMEOUT_S = 2.0
# A /models answer is a short JSON list; anything longer is not what we asked for.
MAX_MODELS_BYTES = 1_000_000
# The longest model id kept; a longer one is cut (it is shown on one line, in a badge).
MAX_MODEL_ID_CHARS = 200
_READ_BYTES = 65_536


class _Redirected(Exception):
    """The server answered with a redirect; aha never follows one (it would carry the key)."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(status, location)
        self.status = status
        self.location = location


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib follows redirects by default and keeps the Authorization header on the way,
    even to another origin: refuse them all, naming where they pointed."""

    def redirect_request(  # type: ignore[override]
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> None:
        raise _Redirected(code, urljoin(req.full_url, newurl))


_opener = urllib.request.build_opener(_NoRedirects)


class _TooSlow(Exception):
    """The whole request took longer than its deadline (a server dripping bytes)."""


class _TooBig(Exception):
    """The answer was longer than the cap."""


def bounded_get(url: str, headers: dict[str, str], timeout: float, max_bytes: int) -> bytes:
    """GET `url` and return its body, within `timeout` seconds for the whole request (the
    socket timeout alone bounds each read, so a server sending a byte a second would never
    trip it) and at most `max_bytes`; never follows a redirect."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=headers)
    with _opener.open(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise _TooBig
        body = bytearray()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _TooSlow
            # Each read waits at most what is left of the deadline.
            sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
            if sock is not None:
                sock.settimeout(max(0.01, left))
            piece = (
                response.read1(_READ_BYTES)
                if hasattr(response, "read1")
                else response.read(_READ_BYTES)
            )
            if not piece:
                return bytes(body)
            body += piece
            if len(body) > max_bytes:
                raise _TooBig


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
    # Each model's context window where the server says it (vLLM: `max_model_len`).
    windows: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error


def fetch_models(
    api_base: str, api_key: str | None = None, timeout: float = MODELS_TIMEOUT_S
) -> ModelListing:
    """GET {api_base}/models, bounded by `timeout`; never raises for a network or format
    problem (the reason is in `error`)."""
    url = api_base.rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        body = json.loads(bounded_get(url, headers, timeout, MAX_MODELS_BYTES))
    except _Redirected as exc:
        where = one_line(exc.location, 200)
        return ModelListing(
            error=f"{url} redirected (HTTP {exc.status}) to {where}; aha does not follow redirects"
        )
    except urllib.error.HTTPError as exc:
        return ModelListing(error=f"HTTP {exc.code} from {url}")
    except (_TooSlow, TimeoutError):
        return ModelListing(error=f"{url} did not finish answering within {timeout:g} s")
    except _TooBig:
        return ModelListing(error=f"{url} answered more than {MAX_MODELS_BYTES // 1000} kB")
    except (OSError, urllib.error.URLError):
        return ModelListing(error=f"no answer from {url}")
    except ValueError:
        return ModelListing(error=f"{url} did not answer JSON")
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        return ModelListing(error=f"{api_base}/models has no model list")
    entries = [m for m in data if isinstance(m, dict) and "id" in m]
    # Names from a server are untrusted: an id may hold an OSC 52 clipboard write or a
    # clear-screen sequence, and it ends up in badges, stderr and the model column.
    ids = (one_line(str(m["id"]), MAX_MODEL_ID_CHARS) for m in entries)
    owners = {one_line(str(m.get("owned_by") or ""), 40) for m in entries} - {""}
    windows = {
        one_line(str(m["id"]), MAX_MODEL_ID_CHARS): m["max_model_len"]
        for m in entries
        if isinstance(m.get("max_model_len"), int) and m["max_model_len"] > 0
    }
    return ModelListing(
        models=tuple(dict.fromkeys(i for i in ids if i)),
        owned_by=owners.pop() if len(owners) == 1 else "",
        windows=windows,
    )


def list_models(
    api_base: str, api_key: str | None = None, timeout: float = MODELS_TIMEOUT_S
) -> list[str]:
    """Model ids from GET {api_base}/models; empty when the server does not say."""
    return list(fetch_models(api_base, api_key, timeout).models)
