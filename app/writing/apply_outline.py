"""Applying a proposed outline to a draft: reorder, rename, re-level and add sections while
every section keeps its own text, word for word.

Matching a proposed entry to a section: a rename's "(was: Old title)" first, then the same
title, then the most similar one (shared content words). Sections the proposal leaves out are
never dropped: they follow the new outline under a note, for the writer to place, merge or cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.writing.document import Document, parse
from app.writing.prose import content_stems

# How a proposed entry says it renames a section: "New title (was: Old title)".
WAS = "(was: {})"
WAS_PATTERN = re.compile(r"\s*\(was:\s*(.+?)\)\s*$", re.IGNORECASE)  # critique reads it too
_ATX = re.compile(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
LEFTOVER_NOTE = (
    "<!-- aha: the proposed outline left out the sections below; place, merge or cut them -->"
)
# Shared content words, as a share of the smaller title's, for a loose title match.
SIMILAR_AT_LEAST = 0.5


@dataclass(frozen=True, slots=True)
class _Part:
    level: int
    title: str  # plain
    raw_title: str  # as written, inline markup kept
    heading: list[str]  # the heading's source lines
    body: list[str]  # the lines under it, up to the next heading, blank edges trimmed


def _trim(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _parts(doc: Document) -> tuple[list[str], list[_Part]]:
    """The lines above the first heading, and each section as a _Part."""
    headings = [b for b in doc.blocks if b.kind == "heading"]
    if not headings:
        return doc.lines, []
    parts: list[_Part] = []
    for index, block in enumerate(headings):
        stop = headings[index + 1].line - 1 if index + 1 < len(headings) else len(doc.lines)
        source = doc.lines[block.line - 1 : block.end_line]
        atx = _ATX.match(source[0])
        raw = atx.group(1) if atx else source[0].strip()
        body = _trim(doc.lines[block.end_line : stop])
        parts.append(_Part(block.level, block.text, raw, source, body))
    return _trim(doc.lines[: headings[0].line - 1]), parts


def _norm(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


def _similarity(a: str, b: str) -> float:
    sa, sb = content_stems(a), content_stems(b)
    if not sa or not sb:
        return 1.0 if _norm(a) == _norm(b) and _norm(a) else 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def _match(title: str, source: str, level: int, parts: list[_Part], used: set[int]) -> int | None:
    free = [i for i in range(len(parts)) if i not in used]
    for wanted in (source, title):
        if wanted:
            for i in free:
                if _norm(parts[i].title) == _norm(wanted):
                    return i
    if level == 1:  # the proposed title stands for the draft's title, whatever its words
        for i in free:
            if parts[i].level == 1:
                return i
    scored = [(_similarity(title, parts[i].title), i) for i in free]
    best = max(scored, default=(0.0, -1))
    return best[1] if best[0] >= SIMILAR_AT_LEAST else None


def _heading_line(level: int, title: str) -> str:
    return f"{'#' * max(1, min(6, level))} {title}"


def _same_outline(parts: list[_Part], proposed: list[tuple[int, str]]) -> bool:
    """Whether `proposed` is the draft's own outline (its title optional)."""
    own = [(part.level, _norm(part.title)) for part in parts]
    wanted = [(level, _norm(title)) for level, title in proposed]
    if own and own[0][0] == 1 and not any(level == 1 for level, _ in proposed):
        own = own[1:]
    return own == wanted


def apply_outline(text: str, proposed: list[tuple[int, str]]) -> str:
    """`text` rearranged to follow `proposed` ((level, title) pairs, as proposed_outline
    gives them). A matched section keeps its text; a new entry becomes an empty section (the
    empty-section check then asks for its text); the draft's title section stays on top when
    the proposal has no title; unmatched sections follow under LEFTOVER_NOTE."""
    preamble, parts = _parts(parse(text))
    if _same_outline(parts, proposed):
        return text  # nothing to move: leave even the blank lines as the writer had them
    used: set[int] = set()
    chunks: list[list[str]] = [preamble] if preamble else []
    has_title = any(level == 1 for level, _ in proposed)
    if not has_title:
        for index, part in enumerate(parts):
            if part.level == 1:
                used.add(index)
                chunks.append(part.heading + ([""] + part.body if part.body else []))
                break
    for level, entry in proposed:
        renamed = WAS_PATTERN.search(entry)
        title = entry[: renamed.start()].strip() if renamed else entry.strip()
        source = renamed.group(1).strip() if renamed else ""
        index = _match(title, source, level, parts, used)
        if index is None:
            chunks.append([_heading_line(level, title)])
            continue
        used.add(index)
        part = parts[index]
        if level == part.level and _norm(title) == _norm(part.title):
            heading = part.heading  # unchanged: keep it exactly as written
        elif _norm(title) == _norm(part.title):
            heading = [_heading_line(level, part.raw_title)]  # keeps inline markup
        else:
            heading = [_heading_line(level, title)]
        chunks.append(heading + ([""] + part.body if part.body else []))
    leftovers = [part for index, part in enumerate(parts) if index not in used]
    if leftovers:
        chunks.append([LEFTOVER_NOTE])
        for part in leftovers:
            chunks.append(part.heading + ([""] + part.body if part.body else []))
    return "\n\n".join("\n".join(chunk) for chunk in chunks) + "\n"
