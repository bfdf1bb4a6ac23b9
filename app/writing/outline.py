"""The live outline: a draft's headings with their lines and words per section."""

from __future__ import annotations

from app.writing.document import Section, parse

__all__ = ["Section", "parse_outline", "section_at"]


def parse_outline(text: str) -> list[Section]:
    """Every top-level heading of `text` in order (ATX and setext; headings inside code
    fences, quotes and lists are not structure and are left out)."""
    return list(parse(text).sections)


def section_at(sections: list[Section], line: int) -> Section | None:
    """The section holding the 1-based `line` (the cursor's), or None above the first
    heading."""
    found = None
    for section in sections:
        if section.line > line:
            break
        found = section
    return found
