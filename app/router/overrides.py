"""Routing overrides typed into the prompt itself: ``/deep ...`` and ``/fast ...``.

Why a prefix: it is the one way to force a route from any input (the TUI's box, ``aha ask``,
pasted text) without a new key or flag. The stored user message keeps the prefix as typed (the
conversation shows what was written, and a regeneration is forced the same way); the text the
router scores and the model receives has it removed (see ``app/chat.py``).

Rules: the prefix is the first word of the prompt (leading blanks are ignored), in any case, and
must be followed by a blank: ``/deepx`` or ``/deep:`` are ordinary text, and so is ``/deep`` with
nothing after it (there is nothing to route).
"""

from __future__ import annotations

import re

_PREFIX = re.compile(r"\A\s*/(deep|fast)\s+(?=\S)", re.IGNORECASE)


def split_override(text: str) -> tuple[str | None, str]:
    """(forced route or None, the prompt without the prefix)."""
    match = _PREFIX.match(text)
    if match is None:
        return None, text
    return match.group(1).lower(), text[match.end() :]
