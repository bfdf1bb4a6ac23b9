"""API keys come only from environment variables or the OS keyring, never from config or SQLite.

A route's provider is the prefix of its litellm model string ("anthropic/claude-..." ->
"anthropic"). Its key is looked up, first hit wins:

1. the environment variable the route names in `api_key_env`;
2. `PROVIDER_API_KEY` (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...), the names litellm and the
   providers' own tools use, so a key exported for them works here too;
3. the keyring entry service "aha", username = provider (`aha keys set PROVIDER`);
4. the keyring entry "aha" / route name, as older versions of aha stored it.

A deep route found by probing 127.0.0.1 (`api_base = "auto"`) skips 2 and 3: whatever happens
to listen on a local port must not be handed the user's real provider key. Local servers take
any key, and `api_key_env` still names one when a server wants it.

`keyring` is imported lazily: its backend discovery costs time at start-up, and a local answer
never needs it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.redact import remember_secret

if TYPE_CHECKING:
    from app.config import RouteConfig

KEYRING_SERVICE = "aha"
AUTO_API_BASE = "auto"
PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class KeyringUnavailable(Exception):
    """No usable OS keyring here (headless Linux without a Secret Service, for one)."""


@dataclass(frozen=True, slots=True)
class FoundKey:
    """A key and where it came from. `where` names the place (an environment variable, or
    the keyring entry), never the key; `repr` hides the value so a stray log line cannot
    carry it."""

    value: str
    source: str  # "env" or "keyring"
    where: str

    def __repr__(self) -> str:
        return f"FoundKey(source={self.source!r}, where={self.where!r}, value=<hidden>)"


def provider_of(model: str) -> str | None:
    """The provider a litellm model string names: "openai/gpt-4o" -> "openai"; a bare name
    ("gpt-4o", "auto") names none."""
    provider, slash, _ = model.partition("/")
    return provider.lower() if slash and provider else None


def env_var_for(provider: str) -> str:
    """OPENAI_API_KEY for "openai", TOGETHER_AI_API_KEY for "together_ai"."""
    return re.sub(r"[^A-Z0-9]", "_", provider.upper()) + "_API_KEY"


def mask(key: str) -> str:
    """At most the last 4 characters, and none of a short key (a 6-character key would give
    most of itself away)."""
    return "…" + key[-4:] if len(key) >= 12 else "…"


def _keyring() -> Any:
    import keyring

    return keyring


def keyring_usable() -> tuple[bool, str]:
    """(usable, backend name). The `fail` and `null` backends are what keyring falls back to
    when it finds no real store; writing to them either raises or silently keeps nothing."""
    try:
        backend = _keyring().get_keyring()
    except Exception as exc:  # noqa: BLE001 - a broken keyring install is "unusable"
        return False, f"unavailable ({type(exc).__name__})"
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    return name not in ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"), name


def keyring_get(username: str) -> str | None:
    """The keyring entry aha/`username`, or None when there is none or no keyring at all."""
    try:
        return _keyring().get_password(KEYRING_SERVICE, username) or None
    except Exception:  # noqa: BLE001 - no usable keyring is not an error when reading
        return None


def keyring_set(provider: str, key: str) -> None:
    usable, name = keyring_usable()
    if not usable:
        raise KeyringUnavailable(name)
    try:
        _keyring().set_password(KEYRING_SERVICE, provider, key)
    except Exception as exc:  # noqa: BLE001 - e.g. a locked store refusing the write
        raise KeyringUnavailable(f"{name}: {type(exc).__name__}") from None


def keyring_delete(provider: str) -> bool:
    """Remove aha/`provider`; False when there was no such entry."""
    usable, name = keyring_usable()
    if not usable:
        raise KeyringUnavailable(name)
    if keyring_get(provider) is None:
        return False
    try:
        _keyring().delete_password(KEYRING_SERVICE, provider)
    except Exception as exc:  # noqa: BLE001
        raise KeyringUnavailable(f"{name}: {type(exc).__name__}") from None
    return True


def find_provider_key(provider: str) -> FoundKey | None:
    """PROVIDER_API_KEY from the environment, else the keyring entry aha/provider."""
    env_var = env_var_for(provider)
    if os.environ.get(env_var):
        return FoundKey(os.environ[env_var], "env", env_var)
    stored = keyring_get(provider)
    remember_secret(stored)
    return FoundKey(stored, "keyring", f"{KEYRING_SERVICE}/{provider}") if stored else None


def find_key(route_name: str, config: RouteConfig) -> FoundKey | None:
    """The key a litellm route will send, and where it came from (order in the module doc)."""
    env_var = config.api_key_env
    if env_var and os.environ.get(env_var):
        return FoundKey(os.environ[env_var], "env", env_var)
    provider = provider_of(config.model)
    if provider and config.api_base != AUTO_API_BASE:
        found = find_provider_key(provider)
        if found is not None:
            return found
    stored = keyring_get(route_name)
    remember_secret(stored)
    return FoundKey(stored, "keyring", f"{KEYRING_SERVICE}/{route_name}") if stored else None


def api_key_for(route_name: str, config: RouteConfig) -> str | None:
    """The key for a route, or None when no place has one. A key found is remembered, so
    that an error text echoing it is redacted wherever it goes (app/redact.py)."""
    found = find_key(route_name, config)
    if found is None:
        return None
    remember_secret(found.value)
    return found.value
