"""Where a growing Markdown text can be cut into parts that render exactly as the whole does.

A streamed answer is shown as a row of stock `Markdown` widgets: settled segments that never
change, and one open tail that takes the new text. Cutting is only right where parsing the two
sides apart gives the same blocks as parsing the whole, and where the gap between the blocks
comes out the same:

- at the start line of a top-level block that is complete (another block follows it), since
  only the last block of a text can still change as text arrives (a paragraph can turn into a
  setext heading or a table; an open fence swallows everything after it);
- before a paragraph, a list or a table only: those have no top margin, so the previous
  segment's bottom margin alone makes the gap, exactly as the collapsed margin between the two
  blocks does inside one widget (a heading or a fence has a top margin, which would add up);
- never once the text defines a link reference (`[x]: url`), which reaches across blocks.

No Textual here: this is plain text in, a character offset out, so it is tested on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

# Blocks whose widgets have no top margin in Textual's Markdown (see the module docstring).
SAFE_STARTS = frozenset({"paragraph_open", "bullet_list_open", "ordered_list_open", "table_open"})


@dataclass(frozen=True)
class Block:
    """A top-level block: its token type and its first line."""

    kind: str
    line: int


def parser() -> MarkdownIt:
    """The parser Textual's Markdown widget uses by default."""
    return MarkdownIt("gfm-like")


def top_blocks(text: str, md: MarkdownIt | None = None) -> tuple[list[Block], bool]:
    """The top-level blocks of `text`, and whether it defines link references."""
    env: dict[str, object] = {}
    tokens = (md or parser()).parse(text, env)
    blocks = [
        Block(token.type, token.map[0])
        for token in tokens
        if token.level == 0 and token.map is not None and token.nesting >= 0
    ]
    return blocks, bool(env.get("references"))


# What a link reference definition can start with; only text with such a line is parsed whole
# to find out (most answers have none).
_MAYBE_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.MULTILINE)


def defines_references(text: str, md: MarkdownIt | None = None) -> bool:
    """Whether `text` defines link references (`[x]: url`), which reach across blocks."""
    return bool(_MAYBE_REFERENCE.search(text)) and top_blocks(text, md)[1]


def line_starts(text: str) -> list[int]:
    """The character offset where each line starts, plus one past the end."""
    starts = [0]
    find = text.find
    newline = find("\n")
    while newline >= 0:
        starts.append(newline + 1)
        newline = find("\n", newline + 1)
    starts.append(len(text))
    return starts


def line_offset(text: str, line: int) -> int:
    """The character offset where `line` (0-based) starts."""
    starts = line_starts(text)
    return starts[min(line, len(starts) - 1)]


def settled_cut(text: str, min_blocks: int = 1, md: MarkdownIt | None = None) -> int | None:
    """The offset of the last place `text` can be cut so that at least `min_blocks` blocks lie
    before it (see the module docstring), or None when there is no such place."""
    blocks, has_references = top_blocks(text, md)
    if has_references:
        return None
    # The last block is still open; the one cut before must be complete, so index <= n - 2.
    for index in range(len(blocks) - 2, min_blocks - 1, -1):
        if blocks[index].kind in SAFE_STARTS:
            return line_offset(text, blocks[index].line)
    return None


def split_settled(text: str, max_blocks: int = 8) -> list[str]:
    """A finished text cut into parts of about `max_blocks` blocks (a stored long answer)."""
    blocks, has_references = top_blocks(text)
    if has_references or len(blocks) <= max_blocks:
        return [text]
    starts = line_starts(text)
    parts: list[str] = []
    start, count = 0, 0
    for block in blocks:
        if count >= max_blocks and block.kind in SAFE_STARTS:
            parts.append(text[start : starts[block.line]])
            start, count = starts[block.line], 0
        count += 1
    parts.append(text[start:])
    return parts
