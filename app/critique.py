"""Critique machinery shared by every critique aha asks for: an answer's before its revision
(app/checks/revise.py), a brainstorm's critique stage (app/brainstorm/stages.py) and a draft's
model critique (app/writing/critique.py).

Each asks the model for the same thing, a numbered list of concrete problems, each quoting the
passage it is about, and reads the answer back the same way: `problems` parses the list
(numbers as `1.` or `1)`, quotes in straight or curly double quotes, backticks, or a `>` line)
and ties each quote to the line of the text it was found in. A problem whose quote is not
found (or that quotes nothing) is kept as a general note, never dropped: small models
paraphrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROBLEMS_INSTRUCTION = (
    "List the concrete problems as a numbered list. For each: quote the passage it is about "
    'in double quotes ("..."), then say what is wrong (an error, a gap, something unclear or '
    "missing) and how to fix it. Only real problems; no praise."
)

_ITEM = re.compile(r"^\s{0,3}(?:\*\*)?(\d{1,3})[.)](?:\*\*)?\s+(.*)$")
_QUOTE = re.compile(r"\"([^\"\n]{3,400})\"|“([^”\n]{3,400})”|`([^`\n]{3,400})`")
_BLOCKQUOTE = re.compile(r"^\s*>\s?(.*)$")
_SPACE = re.compile(r"\s+")
# A revision's route note starts so; the TUI titles its folded critique "Critique" by it.
REVISED_NOTE = "revised after critique"
# A problem's text shown in one line is cut here.
SHORT_CHARS = 160


@dataclass(frozen=True, slots=True)
class Problem:
    number: int
    text: str  # the whole item, its quote included, on one line
    quote: str  # "" when it quotes nothing
    line: int | None  # 1-based line of the source holding the quote; None: a general note

    @property
    def anchored(self) -> bool:
        return self.line is not None

    def short(self) -> str:
        text = self.text
        return text if len(text) <= SHORT_CHARS else text[: SHORT_CHARS - 1] + "…"


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text.replace("’", "'").replace("‘", "'")).strip().lower()


def locate(quote: str, source: str) -> int | None:
    """The 1-based line of `source` where `quote` starts (case and spacing ignored; a quote
    cut with "..." matches on its first part); None when it is not there."""
    wanted = _normal(quote.strip(" .…"))
    for cut in ("...", "…"):
        if cut in wanted:
            wanted = wanted.split(cut)[0].strip()
    if len(wanted) < 3:
        return None
    lines = source.splitlines()
    for index, line in enumerate(lines):
        if wanted in _normal(line):
            return index + 1
    # A quote across a line break: search the text joined, then map back to a line.
    joined, starts = "", []
    for line in lines:
        starts.append(len(joined))
        joined += _normal(line) + " "
    at = joined.find(wanted)
    if at < 0:
        return None
    return max(i for i, start in enumerate(starts) if start <= at) + 1


def problems(critique: str, source: str = "") -> list[Problem]:
    """The numbered problems of `critique`, each tied to the line of `source` it quotes."""
    items: list[tuple[int, list[str]]] = []
    current: list[str] | None = None  # the lines of the item being read
    for raw in critique.splitlines():
        item = _ITEM.match(raw)
        if item is not None:
            current = [item.group(2)]
            items.append((int(item.group(1)), current))
        elif raw.lstrip().startswith("#"):
            current = None  # a heading ends the item above it
        elif current is not None and raw.strip():
            current.append(raw.strip())
    found = []
    for number, parts in items:
        quote = ""
        for part in parts:
            quoted = _QUOTE.search(part)
            block = _BLOCKQUOTE.match(part)
            if quoted is not None:
                quote = next(g for g in quoted.groups() if g)
                break
            if block is not None and block.group(1).strip():
                quote = block.group(1).strip()
                break
        text = " ".join(p.lstrip("> ").strip() for p in parts)
        line = locate(quote, source) if quote and source else None
        found.append(Problem(number, text, quote, line))
    return found


_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def problems_by_heading(critique: str, source: str = "") -> list[tuple[str, list[Problem]]]:
    """The problems under each Markdown heading of `critique` (one critique per idea or per
    section), in order; problems above the first heading come under ""."""
    groups: list[tuple[str, list[str]]] = [("", [])]
    for line in critique.splitlines():
        heading = _HEADING.match(line)
        if heading is not None:
            groups.append((heading.group(1).strip("*_ "), []))
        else:
            groups[-1][1].append(line)
    found = [(title, problems("\n".join(lines), source)) for title, lines in groups]
    return [(title, listed) for title, listed in found if listed]


def compact(critique: str) -> str:
    """A critique as its problems only, under their headings (for a later prompt, which
    then holds more of them in the same room); the critique as written when it has none."""
    groups = problems_by_heading(critique)
    if not groups:
        return critique
    parts = []
    for title, listed in groups:
        parts.append(f"{title}:\n{problem_list(listed)}" if title else problem_list(listed))
    return "\n\n".join(parts)


def problem_list(found: list[Problem]) -> str:
    """The problems as a compact numbered list (for a later prompt: the revision, the plan)."""
    return "\n".join(f"{i}. {p.text}" for i, p in enumerate(found, 1))


def summary(found: list[Problem]) -> str:
    """One line: how many problems, how many tied to a passage."""
    if not found:
        return "no numbered problems"
    anchored = sum(p.anchored for p in found)
    noun = "problem" if len(found) == 1 else "problems"
    return f"{len(found)} {noun}, {anchored} quoting the text"
