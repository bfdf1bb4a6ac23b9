"""Prompts that are not valid text: bytes that are not UTF-8, from argv or stdin.

Python hands undecodable argv bytes over as lone surrogates (PEP 383), which SQLite, the
terminal and every encoder refuse. aha keeps the prompt and replaces each bad byte with
U+FFFD, and says how many it replaced, rather than losing the prompt to an encoding error.
"""

from __future__ import annotations

import re
from typing import BinaryIO

REPLACEMENT = "\ufffd"
# Lone surrogates: what `surrogateescape` makes of a byte that is not UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def repair_text(text: str) -> tuple[str, int]:
    """`text` with every lone surrogate replaced by U+FFFD, and how many there were."""
    repaired, count = _SURROGATE.subn(REPLACEMENT, text)
    return repaired, count


def read_text(stream: BinaryIO) -> str:
    """All of a byte stream as text; bytes that are not UTF-8 become lone surrogates, so
    `repair_text` can count and replace them."""
    return stream.read().decode("utf-8", errors="surrogateescape")
