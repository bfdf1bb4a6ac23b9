"""`aha keys set|list|delete`: API keys in the OS keyring, never in aha's files.

`set` reads the key from a hidden prompt, or from stdin when it is piped, never from the
command line (argv lands in shell history and is visible to every user in `ps`). Nothing here
ever prints a key: `list` shows where each one comes from and at most its last 4 characters.

Where no keyring works (a headless Linux box without a Secret Service) the command says so in
one message, with the environment variable to use instead, and exits 2.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from app.backend.keys import (
    AUTO_API_BASE,
    PROVIDER_NAME,
    KeyringUnavailable,
    env_var_for,
    find_provider_key,
    keyring_delete,
    keyring_set,
    keyring_usable,
    mask,
    provider_of,
)
from app.config import Settings

# Providers `keys list` always looks up, besides those the configured routes name: the common
# ones, so a key stored or exported for one shows up even before a route uses it.
KNOWN_PROVIDERS = (
    "anthropic",
    "deepseek",
    "gemini",
    "groq",
    "mistral",
    "openai",
    "openrouter",
    "together_ai",
    "xai",
)


def _no_keyring(provider: str, backend: str) -> int:
    env_var = env_var_for(provider)
    print(
        f"aha keys: no OS keyring is available here ({backend}).\n"
        f"Put the key in an environment variable instead, e.g. in your shell profile:\n"
        f"  export {env_var}=...\n"
        f"aha reads {env_var} for routes whose model starts with '{provider}/'; a route can"
        f" also name any variable with api_key_env.",
        file=sys.stderr,
    )
    return 2


def _read_key(provider: str) -> str | None:
    if sys.stdin is not None and sys.stdin.isatty():
        try:
            return getpass.getpass(f"{provider} API key (input hidden): ").strip()
        except EOFError:
            return None
    return sys.stdin.read().strip() if sys.stdin is not None else None


def _set(provider: str) -> int:
    usable, backend = keyring_usable()
    if not usable:
        return _no_keyring(provider, backend)
    key = _read_key(provider)
    if not key:
        print("aha keys set: no key given (type it at the prompt, or pipe it in)", file=sys.stderr)
        return 2
    if any(c.isspace() for c in key):
        print("aha keys set: the key has spaces or line breaks; give just the key", file=sys.stderr)
        return 2
    try:
        keyring_set(provider, key)
    except KeyringUnavailable as exc:
        return _no_keyring(provider, str(exc))
    print(f"stored the {provider} key in the keyring (service aha, user {provider})")
    env_var = env_var_for(provider)
    if os.environ.get(env_var):
        print(f"note: {env_var} is set in this environment and takes precedence over it")
    return 0


def _delete(provider: str) -> int:
    try:
        removed = keyring_delete(provider)
    except KeyringUnavailable as exc:
        return _no_keyring(provider, str(exc))
    if not removed:
        print(f"aha keys delete: no {provider} key in the keyring", file=sys.stderr)
        return 1
    print(f"deleted the {provider} key from the keyring")
    return 0


def _providers(settings: Settings) -> tuple[list[str], set[str]]:
    """(every provider to look up, those a configured route names)."""
    named = {
        p
        for r in settings.routes.values()
        if r.engine == "litellm"
        and r.api_base != AUTO_API_BASE  # a discovered local server is sent no provider key
        and (p := provider_of(r.model)) is not None
    }
    return sorted(named | set(KNOWN_PROVIDERS)), named


def _list(settings: Settings) -> int:
    usable, backend = keyring_usable()
    providers, named = _providers(settings)
    rows: list[tuple[str, str, str, str]] = []
    for provider in providers:
        found = find_provider_key(provider)
        if found is not None:
            rows.append((provider, found.source, found.where, mask(found.value)))
        elif provider in named:
            rows.append((provider, "none", f"{env_var_for(provider)} or aha keys set", ""))
    for name, route in settings.routes.items():
        env_var = route.api_key_env
        if env_var:
            value = os.environ.get(env_var)
            rows.append(
                (f"route {name}", "env" if value else "none", env_var, mask(value) if value else "")
            )
    if rows:
        width = max(len("provider"), *(len(r[0]) for r in rows))
        print(f"{'provider':<{width}}  source   where")
        for provider, source, where, masked in rows:
            print(f"{provider:<{width}}  {source:<7}  {where}  {masked}".rstrip())
    else:
        print("no keys found (environment variables or keyring)")
    if not usable:
        print(f"keyring: not available here ({backend}); keys come from the environment only")
    return 0


def run_keys(args: argparse.Namespace, settings: Settings) -> int:
    action = args.keys_command
    if action == "list":
        return _list(settings)
    provider = str(args.provider).strip().lower()
    if not PROVIDER_NAME.match(provider):
        print(
            f"aha keys: {args.provider!r} is not a provider name (like openai, anthropic:"
            " the part before '/' in a route's model)",
            file=sys.stderr,
        )
        return 2
    if action == "set":
        return _set(provider)
    return _delete(provider)
