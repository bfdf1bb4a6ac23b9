"""Keep API keys out of every error text aha shows, stores, logs or exports.

A server may echo the request back in its error ("Invalid header: Bearer sk-..."), and an
exception may carry the request's headers in its message. Every error line therefore passes
through `redact` on its way to the screen, stderr, the database or an export.

Three kinds of secret are removed:

1. every key aha itself looked up (`remember_secret` is called by `app.backend.keys` for the
   route's variable, the provider variables and the keyring), so a key of any shape is caught;
2. the values of environment variables whose names say they hold a secret (`*_API_KEY`,
   `*_TOKEN`, `*_SECRET`, ...), even when no route used them;
3. anything shaped like a bearer token or a provider key (`Bearer ...`, `sk-...`, `key-...`),
   whoever's it is.

Standard library only: this runs on every failure path, including before litellm is imported.
"""

from __future__ import annotations

import os
import re
import threading

REDACTED = "[redacted]"
# Shorter values are not treated as secrets: redacting "abc" everywhere would mangle text.
_MIN_SECRET_CHARS = 8
_SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$", re.I)
_GENERIC = re.compile(
    r"""
    # Authorization header values
    (?<![A-Za-z0-9])(?:Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}
    # sk-..., pk-..., key-...: with a digit somewhere, so "sk-learn" stays
    | (?<![A-Za-z0-9])(?:sk|pk|rk|key)[-_](?:[A-Za-z0-9]+[-_])*(?=[A-Za-z]*\d)[A-Za-z0-9]{8,}
    # other vendors' shapes
    | (?<![A-Za-z0-9])(?:ghp|gho|ghs|xox[abp]|hf|AIza)[-_]?[A-Za-z0-9_-]{16,}
    """,
    re.VERBOSE,
)

_remembered: set[str] = set()
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """Add a key aha has looked up to the set every error text is scrubbed of."""
    if value and len(value.strip()) >= _MIN_SECRET_CHARS:
        with _lock:
            _remembered.add(value.strip())


def _environment_secrets() -> set[str]:
    return {
        value.strip()
        for name, value in os.environ.items()
        if _SECRET_NAME.search(name) and len(value.strip()) >= _MIN_SECRET_CHARS
    }


def known_secrets() -> list[str]:
    """Every secret value to remove, longest first (so a key that contains another goes whole)."""
    with _lock:
        found = set(_remembered)
    found |= _environment_secrets()
    return sorted(found, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every known key and every key-shaped token replaced by `[redacted]`."""
    if not text:
        return text
    for secret in known_secrets():
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _GENERIC.sub(_keep_scheme, text)


def _keep_scheme(match: re.Match[str]) -> str:
    """`Bearer sk-...` becomes `Bearer [redacted]`: the reader still learns what was sent."""
    token = match.group(0)
    scheme, space, _ = token.partition(" ")
    if space and scheme in ("Bearer", "Basic", "Token"):
        return f"{scheme} {REDACTED}"
    return REDACTED
