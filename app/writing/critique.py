"""The model's structure critique: the prompt sent to the deep route, and the proposed outline
read back out of its answer.

The prompt gives the model what the deterministic checks already know (the outline with words
per section, the findings), so it spends its answer on what they cannot judge: the thesis, the
flow of the argument, what to cut, move or add. It asks for the proposed outline in a fenced
`outline` block of Markdown headings; `proposed_outline` also reads the shapes models drift into
(a "Proposed outline" heading over a list, numbered items, bold labels, notes after a dash).
"""

from __future__ import annotations

import re

from app.backend.events import ChatMessage
from app.critique import PROBLEMS_INSTRUCTION, problems
from app.writing.apply_outline import WAS, WAS_PATTERN, apply_outline
from app.writing.checks import check
from app.writing.document import parse
from app.writing.findings import Finding
from app.writing.outline import parse_outline

__all__ = [
    "CRITIQUE_ROUTE",
    "apply_outline",
    "critique_messages",
    "model_findings",
    "proposed_outline",
]

# Judging an argument is the work the deep route is for.
CRITIQUE_ROUTE = "deep"
# Past this the draft is cut (with a note to the model): a long post still fits a 32k context.
MAX_TEXT_CHARS = 60_000
# A list item longer than this is advice, not a section title.
NOTE_MIN_WORDS = 12
# "Title: a note of more than this many words" keeps only the title.
COLON_NOTE_WORDS = 4

SYSTEM_PROMPT = """\
You are a demanding, practical editor of technical blog posts. You critique STRUCTURE, not \
grammar: what the post claims, whether each section earns its place, and the order that makes \
the argument land. Be specific: name sections by their titles and quote short phrases.

Answer in Markdown with exactly these sections:

## Thesis
The post's main claim in one sentence, as the draft states it now; say if it is missing, \
buried or vague, and give a sharper version.

## Argument flow
How the sections lead from the claim to the conclusion; where a reader gets lost or a step \
is missing.

## Cut
What to remove, and why (sections, paragraphs, digressions). "Nothing" if nothing.

## Move
What belongs elsewhere, and where.

## Add
What is missing (evidence, an example, a counter-argument, a conclusion).

## Problems
{problems}

## Proposed outline
The outline you recommend, as Markdown headings in one fenced block with the info string \
`outline`, one heading per line, nothing else in the block:

```outline
# Post title
## Section title
### Subsection title
```

Keep the exact title of every section you keep, so its text can be carried over. For a \
renamed section write `## New title (was: Old title)`. A new section gets a new title. Leave \
out sections you propose to cut."""

SYSTEM_PROMPT = SYSTEM_PROMPT.replace("{problems}", PROBLEMS_INSTRUCTION)

_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w-]*)")
_LABEL = re.compile(
    r"^\s*(?:#{1,6}\s*|\*\*|__)?\s*(?:\d+[.)]\s*)?"
    r"(?:proposed|suggested|revised|new|recommended|improved|restructured)?\s*"
    r"(?:structure|outline)\b.*$",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+(?:\.\d+)*[.)]?)\s+(.*)$")
_NUMBERING = re.compile(r"^(\d+(?:\.\d+)*)[.)]?\s+")
_TITLE_PREFIX = re.compile(r"^(?:title|h1)\s*:\s*", re.IGNORECASE)
_NOTE = re.compile(
    r"\s*[(\[](?:new|kept|keep|moved?[^)\]]*|merged?[^)\]]*|expanded|shortened|optional|"
    r"unchanged|same|cut[^)\]]*|added|from [^)\]]*)[)\]]\s*$",
    re.IGNORECASE,
)
_RENAMED = re.compile(
    r"\s*[(\[](?:was|formerly|renamed from|previously|originally)\s*:?\s*"
    r"[\"'“]?(.+?)[\"'”]?[)\]]\s*$",
    re.IGNORECASE,
)
_CRITIQUE_PART = re.compile(
    r"^\W*(thesis|argument( flow)?|flow|cut|move|add|rationale|why this (order|outline)|notes?"
    r"|summary of changes|changes)\W*$",
    re.IGNORECASE,
)
_EMPHASIS = re.compile(r"(\*\*|__)")
# "Title — what it does": a dash with spaces starts a note, not part of the title.
_DASH_NOTE = re.compile(r"\s+[—–-]\s+.*$")


def _fence_for(text: str) -> str:
    """A backtick fence longer than any run of backticks inside `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def critique_messages(text: str, *, max_chars: int = MAX_TEXT_CHARS) -> list[ChatMessage]:
    """The chat messages for a structure critique of `text`: the editor's brief (system), then
    the outline, the checks' findings and the draft itself (user). The draft is cut at
    `max_chars` (a small context, such as the embedded model's 2048 tokens, wants less); the
    outline and the findings always cover all of it."""
    outline = parse_outline(text)
    outline_lines = [
        f"{'  ' * (s.level - 1)}- {s.title} (line {s.line}, {s.words} words)" for s in outline
    ] or ["(no headings)"]
    findings = [f"- line {f.line}: {f.severity}: {f.rule}: {f.message}" for f in check(text)] or [
        "(none)"
    ]
    body = text
    note = ""
    if len(body) > max_chars:
        body = body[:max_chars]
        note = f"\n(The draft is cut at {max_chars} characters; judge what is shown.)"
    fence = _fence_for(body)
    user = (
        "Critique the structure of this draft.\n\n"
        "Outline (heading level by indent, with words per section):\n"
        + "\n".join(outline_lines)
        + "\n\nFindings of the automatic checks (already shown to the writer; do not repeat"
        " them, but use them):\n"
        + "\n".join(findings)
        + f"\n\nThe draft:{note}\n\n{fence}markdown\n{body.rstrip()}\n{fence}\n"
    )
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _clean_title(raw: str) -> str:
    """An outline entry's title without markup, numbering or editor's notes; a rename is
    kept in one form, `New (was: Old)`, which apply_outline reads."""
    title = _EMPHASIS.sub("", raw).strip()
    title = _TITLE_PREFIX.sub("", _NUMBERING.sub("", title))
    renamed = _RENAMED.search(title)
    source = ""
    if renamed:
        source = renamed.group(1).strip()
        title = title[: renamed.start()]
    while (note := _NOTE.search(title)) is not None:
        title = title[: note.start()]
    title = _DASH_NOTE.sub("", title).strip().strip("\"'“”").rstrip(":").strip()
    head, colon, rest = title.partition(": ")
    if colon and len(rest.split()) > COLON_NOTE_WORDS:  # "Intro: state the claim up front"
        title = head.strip()
    if source and source.casefold() != title.casefold():
        return f"{title} {WAS.format(source)}"
    return title


def _fenced_blocks(lines: list[str]) -> list[tuple[str, int, list[str]]]:
    """(info string, line index of the opener, content lines) of each fenced block."""
    blocks: list[tuple[str, int, list[str]]] = []
    index = 0
    while index < len(lines):
        opener = _FENCE_OPEN.match(lines[index])
        if not opener:
            index += 1
            continue
        marker, info = opener.group(1), opener.group(2).lower()
        content: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(marker):
            content.append(lines[index])
            index += 1
        blocks.append((info, index - len(content) - 1, content))
        index += 1
    return blocks


def _entries(lines: list[str]) -> list[tuple[int, str]]:
    """Headings and list items of an outline passage, as (level, title)."""
    headings: list[tuple[int, str]] = []
    items: list[tuple[int, str, str]] = []  # (indent, numbering, text)
    for line in lines:
        if not line.strip() or _FENCE_OPEN.match(line):
            continue
        heading = _HEADING.match(line)
        if heading:
            headings.append((len(heading.group(1)), heading.group(2)))
            continue
        item = _ITEM.match(line.expandtabs(4))
        if item:
            number = _NUMBERING.match(line.strip()) or _NUMBERING.match(item.group(2))
            items.append((len(item.group(1)), number.group(1) if number else "", item.group(2)))
    out: list[tuple[int, str]] = []
    if headings and len(headings) >= len(items):
        out = [(level, _clean_title(text)) for level, text in headings]
    elif items:
        out = _list_levels(items)
    return [(level, title) for level, title in out if title]


def _list_levels(items: list[tuple[int, str, str]]) -> list[tuple[int, str]]:
    """Levels of list items: by indent, or by dotted numbering ("2.1") when flat. A single
    top item over all the others is the title (level 1); otherwise top items are sections."""
    indents = sorted({indent for indent, _, _ in items})
    depth = [indents.index(indent) for indent, _, _ in items]
    if len(indents) == 1:
        depth = [number.count(".") if number else 0 for _, number, _ in items]
    texts = [text for _, _, text in items]
    leading = [_HEADING.match(text) for text in texts]
    if all(leading):
        return [(len(m.group(1)), _clean_title(m.group(2))) for m in leading if m]
    tops = [i for i, d in enumerate(depth) if d == 0]
    single_title = tops == [0] and len(items) > 1
    titled = bool(_TITLE_PREFIX.match(_EMPHASIS.sub("", texts[0]).strip()))
    base = 1 if single_title else 2
    out = [(min(6, base + d), _clean_title(t)) for d, t in zip(depth, texts, strict=True)]
    if titled and not single_title:
        out[0] = (1, out[0][1])
    # Sub-bullets that are advice ("Open with the cost example."), not titles, are left out.
    return [(level, title) for level, title in out if not _is_note(title)]


def _is_note(title: str) -> bool:
    """Whether a list item reads as a sentence of advice rather than a section title."""
    bare = WAS_PATTERN.sub("", title).strip()
    ends_as_sentence = bare.endswith(".") and not bare.endswith("...")
    return ends_as_sentence or len(bare.split()) > NOTE_MIN_WORDS


def proposed_outline(answer: str) -> list[tuple[int, str]] | None:
    """The outline a critique proposes, as (level, title) in order, or None when the answer
    has none. A renamed section's title ends in "(was: Old title)"."""
    lines = answer.splitlines()
    fenced = _fenced_blocks(lines)
    for info, _, content in fenced:
        if info == "outline" and (found := _entries(content)):
            return found
    for index, line in enumerate(lines):
        if not _LABEL.match(line) or len(line) > 80:
            continue
        label_level = len(m.group(1)) if (m := _HEADING.match(line)) else 7
        rest = lines[index + 1 :]
        # Headings right under the label are the outline itself (unfenced); then only a
        # heading naming another part of the critique ends it.
        heading_mode = bool(_HEADING.match(next((r for r in rest if r.strip()), "")))
        passage: list[str] = []
        for following in rest:
            heading = _HEADING.match(following)
            if heading and len(heading.group(1)) <= label_level:
                if not heading_mode or _CRITIQUE_PART.match(heading.group(2)):
                    break
            passage.append(following)
        inside = [c for info, start, c in fenced if index < start <= index + len(passage)]
        for content in inside:
            if found := _entries(content):
                return found
        if found := _entries(passage):
            return found
    return None


_PROBLEMS_HEADING = re.compile(
    r"^ {0,3}#{1,6}\s*(?:\*\*)?problems\b.*$", re.IGNORECASE | re.MULTILINE
)
_ANY_HEADING = re.compile(r"^ {0,3}#{1,6}\s", re.MULTILINE)
MODEL_RULE = "model-critique"


def _problems_section(critique: str) -> str:
    """The critique's "## Problems" section; the whole critique when it has none."""
    found = _PROBLEMS_HEADING.search(critique)
    if found is None:
        return critique
    rest = critique[found.end() :]
    end = _ANY_HEADING.search(rest)
    return rest[: end.start()] if end else rest


def model_findings(critique: str, text: str) -> list[Finding]:
    """The critique's numbered problems as findings of the draft `text` (rule
    `model-critique`): at the line each quotes, or, quoting nothing found there, a general
    note at line 1. Located afresh against each text, so they follow the writer's edits."""
    doc = parse(text)
    findings = []
    for problem in problems(_problems_section(critique), text):
        line = problem.line or 1
        where = "" if problem.anchored else "general: "
        findings.append(
            Finding(
                MODEL_RULE,
                "info",
                line,
                doc.section_title_at(line) if problem.anchored else "",
                f"model · {where}{problem.short()}",
                "",
            )
        )
    return findings
