"""What went wrong with a remote route, in a few words, and whether trying again can help.

litellm wraps every provider's failure in its own exception classes, and the mapping is not
what one would guess: a refused connection arrives as `InternalServerError` (status 500), an
HTTP 504 as `Timeout`, a stream cut by the server or a chunk that is not JSON as
`MidStreamFallbackError` (status 500 again). So the classes and status codes alone cannot say
whether the server is down, busy or broken; `classify` walks the exception's chain of causes
too and reduces everything to a handful of kinds, each with one line a user can act on and a
decision: retry or not, and whether another route may answer instead.

Nothing here imports litellm, httpx or aiohttp: third-party exceptions are recognised by
class name, so this module stays cheap and independent of their versions.
"""

from __future__ import annotations

import errno
import json
import random
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from app.backend.events import Failed
from app.sanitize import error_line

# A Retry-After longer than this is not waited for: the user would rather see an answer from
# another route, or the reason, than a frozen spinner.
MAX_RETRY_AFTER_S = 10.0
# Ceiling on one computed backoff wait, whatever the route's base.
MAX_BACKOFF_S = 8.0
_DETAIL_CHARS = 160


class FailureKind(StrEnum):
    UNREACHABLE = "unreachable"  # connection refused, DNS, no route to host
    TIMEOUT = "timeout"  # no first byte in time, or the stream stalled
    RATE_LIMITED = "rate_limited"  # HTTP 429
    SERVER_ERROR = "server_error"  # HTTP 5xx
    CUT = "cut"  # the connection closed before the stream finished
    MALFORMED = "malformed"  # the server sent something that is not a chunk
    AUTH = "auth"  # HTTP 401/403
    REJECTED = "rejected"  # other HTTP 4xx: bad request, unknown model, context too long
    OTHER = "other"


# Kinds that say "this server cannot answer right now", not "this request is wrong": worth
# another try, and (before any text was shown) worth asking another route.
TRANSIENT = frozenset(
    {
        FailureKind.UNREACHABLE,
        FailureKind.TIMEOUT,
        FailureKind.RATE_LIMITED,
        FailureKind.SERVER_ERROR,
        FailureKind.CUT,
    }
)


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed attempt: its kind, a short reason ("HTTP 503"), and whether to retry."""

    kind: FailureKind
    reason: str
    retryable: bool
    status: int | None = None
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class RouteFailed(Failed):
    """A `Failed` event that also says why, so the chat service can decide on a fallback.

    `message` is the whole line shown to the user ("deep route: HTTP 503 after 3 tries");
    `reason` is the part in brackets of a fallback note; `can_fall_back` is true only when the
    failure is transient and no text of this answer reached the user.
    """

    reason: str = ""
    kind: FailureKind = FailureKind.OTHER
    can_fall_back: bool = False


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then its causes: `__cause__`, `__context__` and litellm's
    `original_exception`, each at most once."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending and len(seen) < 32:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (
            getattr(current, "original_exception", None),
            current.__cause__,
            current.__context__,
        ):
            if isinstance(linked, BaseException):
                pending.append(linked)


def _names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _status(exc: BaseException) -> int | None:
    for candidate in (getattr(exc, "status_code", None), getattr(exc, "status", None)):
        if isinstance(candidate, int) and 100 <= candidate <= 599:
            return candidate
        if isinstance(candidate, str) and candidate.isdigit():
            return int(candidate)
    return None


def _headers(exc: BaseException) -> dict[str, str]:
    found: dict[str, str] = {}
    response = getattr(exc, "response", None)
    for source in (
        getattr(exc, "litellm_response_headers", None),
        getattr(response, "headers", None),
    ):
        try:
            found.update({str(k).lower(): str(v) for k, v in dict(source or {}).items()})
        except (TypeError, ValueError):
            continue
    return found


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def server_detail(exc: BaseException) -> str:
    """The server's own error message, when it gave one (OpenAI's `{"error": {"message"}}`)."""
    body: Any = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return _short(str(message))
    text = str(getattr(exc, "message", "") or exc)
    # litellm prefixes: "litellm.BadRequestError: OpenAIException - <the server's words>"
    text = text.rsplit(" - ", 1)[-1] if " - " in text else text
    try:
        parsed = json.loads(text)
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
            text = str(parsed["error"].get("message") or text)
    except ValueError:
        pass
    return _short(text)


def _short(text: str) -> str:
    """One line of at most `_DETAIL_CHARS`, without control sequences or keys: an error body is
    as untrusted as an answer (a server may echo the request's Authorization header), and it
    reaches stderr, the badge and the database."""
    return error_line(text, _DETAIL_CHARS)


def _mid_stream(chain: list[BaseException]) -> Failure | None:
    """A failure after the response started: a cut connection or a chunk that is not JSON."""
    if not any("MidStreamFallbackError" in _names(e) for e in chain):
        return None
    if any(isinstance(e, json.JSONDecodeError) for e in chain):
        return Failure(FailureKind.MALFORMED, "malformed data from the server", retryable=False)
    return Failure(FailureKind.CUT, "the stream was cut", retryable=True)


_RESPONSE_NAMES = frozenset({"HTTPStatusError", "APIStatusError"})
_NO_RESPONSE_NAMES = frozenset(
    {
        "APIConnectionError",  # openai: the request got no HTTP response (timeouts included)
        "ConnectError",
        "ReadError",
        "RemoteProtocolError",
        "ServerDisconnectedError",
        "ClientConnectorError",
        "ClientOSError",
    }
)
_CONNECT_NAMES = frozenset({"ConnectError", "ClientConnectorError", "ConnectTimeout"})
_TIMEOUT_NAMES = frozenset({"Timeout", "APITimeoutError", "ReadTimeout", "TimeoutException"})


def _no_response(chain: list[BaseException]) -> bool:
    """True when the request never got an HTTP response (refused, dropped, timed out), which
    litellm still reports with a status code (500 or 408). The outermost exception is
    litellm's own and carries that code, so only its causes are evidence."""
    below = chain[1:]
    if any(_names(e) & _RESPONSE_NAMES for e in below):
        return False
    return any(isinstance(e, ConnectionError) or _names(e) & _NO_RESPONSE_NAMES for e in below)


def _refused(chain: list[BaseException]) -> bool:
    """Nothing accepted the connection: refused, unknown host, no route, connect timeout."""
    return any(
        isinstance(e, ConnectionRefusedError | socket.gaierror)
        or (isinstance(e, OSError) and e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH))
        or _names(e) & _CONNECT_NAMES
        for e in chain
    )


def _timeout(chain: list[BaseException]) -> bool:
    return any(isinstance(e, TimeoutError) or _names(e) & _TIMEOUT_NAMES for e in chain)


def classify(exc: BaseException, where: str = "the server") -> Failure:
    """Reduce an exception from litellm (or below it) to a `Failure`.

    `where` names the server for the unreachable case ("127.0.0.1:8000").
    """
    chain = list(causes(exc))
    mid = _mid_stream(chain)
    if mid is not None:
        return mid
    if _refused(chain):
        return Failure(FailureKind.UNREACHABLE, f"no server at {where}", retryable=True)
    status = _status(exc)
    if _no_response(chain):
        if _timeout(chain):
            return Failure(FailureKind.TIMEOUT, "the server did not answer in time", True)
        return Failure(FailureKind.CUT, "the server closed the connection", retryable=True)
    if status is not None and 300 <= status < 400:
        return Failure(FailureKind.REJECTED, redirect_reason(status, _headers(exc)), False, status)
    if status is not None and status >= 500:
        return Failure(FailureKind.SERVER_ERROR, f"HTTP {status}", retryable=True, status=status)
    if _timeout(chain):
        return Failure(FailureKind.TIMEOUT, "the server did not answer in time", retryable=True)
    if status == 429:
        wait = parse_retry_after(_headers(exc).get("retry-after"))
        small = wait is None or wait <= MAX_RETRY_AFTER_S
        reason = "rate limited (HTTP 429)" if small else f"rate limited for {wait:.0f} s (HTTP 429)"
        return Failure(FailureKind.RATE_LIMITED, reason, small, status=429, retry_after=wait)
    if status in (401, 403):
        return Failure(
            FailureKind.AUTH, f"the server refused the key (HTTP {status})", False, status=status
        )
    if status is not None and 400 <= status < 500:
        detail = server_detail(exc)
        reason = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
        return Failure(FailureKind.REJECTED, reason, retryable=False, status=status)
    detail = server_detail(exc)
    return Failure(FailureKind.OTHER, detail or type(exc).__name__, retryable=False, status=status)


def redirect_reason(status: int, headers: dict[str, str]) -> str:
    """A redirect is never followed (it could carry the key or the prompt to another origin):
    it is an error that says where it pointed, so the user can fix `api_base`."""
    location = error_line(headers.get("location", ""), _DETAIL_CHARS)
    where = f" to {location}" if location else ""
    return f"redirected (HTTP {status}){where}; aha does not follow redirects, set api_base to it"


def classify_in_stream(exc: BaseException, where: str = "the server") -> Failure:
    """A failure raised while reading a response that had started. The openai SDK raises
    what went wrong as it is (a JSON error for a chunk that is not JSON, the HTTP client's
    protocol or read error for a cut), where litellm wraps it in MidStreamFallbackError."""
    chain = list(causes(exc))
    mid = _mid_stream(chain)
    if mid is not None:
        return mid
    if any(isinstance(e, json.JSONDecodeError) for e in chain):
        return Failure(FailureKind.MALFORMED, "malformed data from the server", retryable=False)
    if not any(_names(e) & _RESPONSE_NAMES for e in chain) and any(
        isinstance(e, ConnectionError) or _names(e) & _NO_RESPONSE_NAMES for e in chain
    ):
        return Failure(FailureKind.CUT, "the stream was cut", retryable=True)
    return classify(exc, where)


def retry_delay(failure: Failure, retry_number: int, base: float) -> float:
    """Seconds to wait before retry number `retry_number` (1, 2, ...).

    A small Retry-After is honoured as given; otherwise exponential backoff from `base` with
    a little jitter (so several clients do not hammer a recovering server in step).
    """
    if failure.retry_after is not None and failure.retry_after <= MAX_RETRY_AFTER_S:
        return failure.retry_after
    delay = min(MAX_BACKOFF_S, base * (2 ** max(0, retry_number - 1)))
    return delay * random.uniform(1.0, 1.25)  # noqa: S311 - jitter, not cryptography


def tries_text(count: int) -> str:
    return "1 try" if count == 1 else f"{count} tries"
