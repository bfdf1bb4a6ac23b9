"""Context rules: code blocks and links standing alone, with no sentence around them.

A reader meets a block of code or a bare link with no idea why it is there; one sentence
before it ("Here is the loop that...") or after it ("Note that...") gives it a job.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.writing.document import Block, Document
from app.writing.findings import Finding, at


def _is_sentence(block: Block | None) -> bool:
    """Whether a neighbouring block is prose that can introduce or explain (a paragraph
    that is more than links)."""
    return block is not None and block.kind == "paragraph" and not block.only_links


def _neighbours(doc: Document) -> Iterator[tuple[Block | None, Block, Block | None]]:
    """Each block with the blocks just before and after it in the same section (headings
    end a section, so a heading is never a neighbour)."""
    blocks = doc.blocks
    for index, block in enumerate(blocks):
        before = blocks[index - 1] if index > 0 else None
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        yield (
            None if before is None or before.kind == "heading" else before,
            block,
            None if after is None or after.kind == "heading" else after,
        )


def bare_code(doc: Document) -> Iterator[Finding]:
    for before, block, after in _neighbours(doc):
        if block.kind == "code" and not (_is_sentence(before) or _is_sentence(after)):
            yield at(
                doc,
                "bare-code-block",
                "warning",
                block.line,
                "Code block with no sentence around it",
                "Say before it what the code does, or after it what to notice.",
            )


def bare_links(doc: Document) -> Iterator[Finding]:
    for before, block, after in _neighbours(doc):
        if block.kind not in ("paragraph", "list") or not block.only_links:
            continue
        if _is_sentence(before) or _is_sentence(after):
            continue
        what = "A list of links" if block.kind == "list" else "A link"
        yield at(
            doc,
            "bare-link",
            "warning",
            block.line,
            f"{what} with no sentence around it",
            "Say why the reader should follow it.",
        )


RULES = (bare_code, bare_links)
