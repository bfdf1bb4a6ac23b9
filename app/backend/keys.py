"""API keys come only from environment variables or the OS keyring, never from config or SQLite."""

from __future__ import annotations

import os

KEYRING_SERVICE = "aha"


def api_key_for(route_name: str, env_var: str | None) -> str | None:
    """The key for a route: the named environment variable first, then the keyring entry
    `aha` / route name. Returns None when neither has one."""
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    try:
        import keyring  # imported lazily: its backend discovery costs time at start-up

        return keyring.get_password(KEYRING_SERVICE, route_name)
    except Exception:  # noqa: BLE001 - no usable keyring backend is not an error here
        return None


def keyring_backend_name() -> str:
    try:
        import keyring

        backend = keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__name__}"
    except Exception as exc:  # noqa: BLE001
        return f"unavailable ({exc})"
