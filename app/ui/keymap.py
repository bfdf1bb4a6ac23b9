"""The `[keymap]` table: binding ids to keys, checked before the TUI starts.

Every binding aha declares has an id (`prompt.attach`, `session.new`, ...). The config maps
ids to keys, as Textual's keymap does, e.g. `"prompt.attach" = "ctrl+a"` or two keys at once,
`"session.new" = "ctrl+n,f9"`. An id aha does not have, or a key Textual would never send, is
a config error naming the file and the line, so a typo is not a silently dead key.
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Iterator, Mapping

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, Keys

MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
# Where the screens and widgets with bindings live: imported so that each is known.
UI_MODULES = (
    "app.ui.app",
    "app.ui.chat.screen",
    "app.ui.chat.check_output",
    "app.ui.drafts.screen",
    "app.ui.drafts.files",
    "app.ui.drafts.to_draft",
    "app.ui.brainstorm.screen",
    "app.ui.brainstorm.picker",
    "app.ui.search",
    "app.ui.usage",
    "app.ui.dialogs",
    "app.ui.attach_picker",
)
_NAMED = {k.value for k in Keys if "+" not in k.value and not k.value.startswith("<")}
_NAMED |= set(KEY_NAME_REPLACEMENTS.values())


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def bindings() -> dict[str, Binding]:
    """Every binding aha declares that has an id, by id, as declared (default keys)."""
    for name in UI_MODULES:
        importlib.import_module(name)
    found: dict[str, Binding] = {}
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith(("app.", "widgets.")):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, binding)
    return found


def binding_ids() -> dict[str, str]:
    """Every binding id aha declares, with its default key."""
    return {binding_id: b.key for binding_id, b in bindings().items()}


def key_problem(key: str) -> str | None:
    """Why Textual would never send ``key`` ("ctrl+shift+x", "f5", "question_mark"), or None."""
    *modifiers, name = key.strip().split("+")
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"'{key}': {', '.join(unknown)} is not a modifier ({', '.join(sorted(MODIFIERS))})"
    if not name:
        return f"'{key}': no key after the modifiers"
    if len(name) == 1 and name.isprintable() and not name.isspace():
        return None
    if name in _NAMED:
        return None
    try:
        unicodedata.lookup(name.replace("_", " "))  # Textual's names for punctuation
    except KeyError:
        return f"'{key}': Textual has no key named '{name}'"
    return None


def keymap_problem(keymap: Mapping[str, str]) -> tuple[str, str] | None:
    """The first (binding id, problem) of ``keymap``, or None when every entry is good."""
    if not keymap:
        return None
    known = binding_ids()
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            close = [k for k in sorted(known) if k.split(".")[0] == binding_id.split(".")[0]]
            hint = f" (ids like it: {', '.join(close[:6])})" if close else ""
            return binding_id, f"no binding has the id '{binding_id}'{hint}"
        for key in keys.split(","):
            problem = key_problem(key)
            if problem:
                return binding_id, problem
    return None
