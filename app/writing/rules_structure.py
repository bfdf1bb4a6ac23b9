"""Structure rules: one title, no skipped heading levels, no empty or duplicate sections.

These are errors (except duplicates): a post that breaks them renders with a broken table of
contents, or shows a heading with nothing under it.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.writing.document import Document
from app.writing.findings import Finding, at

# Two sections whose own text is the same, this long or longer, are a paste gone wrong.
DUPLICATE_MIN_WORDS = 8


def title(doc: Document) -> Iterator[Finding]:
    """Exactly one level-1 heading, or a front matter title (then a level-1 heading is
    optional: many site generators print the front matter title as the page heading)."""
    if doc.front_title:
        return  # the title is the front matter's; a '#' repeating it is that title shown twice
    titles = [s for s in doc.sections if s.level == 1]
    if not titles:
        yield at(
            doc, "title", "error", 1, "The post has no title", "Start with one '# Title' line."
        )
    for extra in titles[1:]:
        yield at(
            doc,
            "title",
            "error",
            extra.line,
            f"A second title '{extra.title}' (the first is on line {titles[0].line})",
            "Keep one '# Title'; make this a '## Section'.",
        )


def skipped_levels(doc: Document) -> Iterator[Finding]:
    """Each heading is at most one level deeper than the one before it. Below a '#' title the
    first section is a '##'; below a front-matter title the post's shallowest level is where
    its sections start ('####' sections under the page title are a choice, not a skip)."""
    sections = doc.body_sections
    if doc.front_title:
        previous = doc.top_level - 1
    else:
        previous = 1 if doc.has_title else (sections[0].level if sections else 1)
    for section in sections:
        if section.level > previous + 1:
            yield at(
                doc,
                "skipped-heading-level",
                "error",
                section.line,
                f"Heading level {section.level} follows level {previous}",
                f"Make it a level {previous + 1} heading ({'#' * (previous + 1)}).",
            )
        previous = section.level


def empty_sections(doc: Document) -> Iterator[Finding]:
    """A heading with nothing under it (HTML comments aside) and no subsection."""
    for index, section in enumerate(doc.sections):
        has_children = doc.subtree_end(index) > index + 1
        content = [b for b in doc.blocks_of(index) if not _is_comment(b.text)]
        if not has_children and not content:
            yield at(
                doc,
                "empty-section",
                "error",
                section.line,
                f"Section '{section.title}' is empty",
                "Write it, or delete the heading.",
            )


def _is_comment(text: str) -> bool:
    """An HTML comment (a note to the writer, never rendered) is not content."""
    text = text.strip()
    return text.startswith("<!--") and text.endswith("-->")


def _key(title: str) -> str:
    return " ".join(title.casefold().split()).strip(" .:!?")


def _parents(doc: Document) -> list[int]:
    """Each section's parent (the nearest shallower heading before it), -1 at the top."""
    parents: list[int] = []
    stack: list[int] = []
    for index, section in enumerate(doc.sections):
        while stack and doc.sections[stack[-1]].level >= section.level:
            stack.pop()
        parents.append(stack[-1] if stack else -1)
        stack.append(index)
    return parents


def duplicate_sections(doc: Document) -> Iterator[Finding]:
    """Two sibling headings with the same words, or two sections with the same text. The
    same heading under different parents ("Loss function" under each model of a survey) is
    a pattern, not a repeat."""
    seen_titles: dict[tuple[int, str], int] = {}
    seen_bodies: dict[str, tuple[str, int]] = {}
    parents = _parents(doc)
    for index, section in enumerate(doc.sections):
        key = (parents[index], _key(section.title))
        if key[1] and key in seen_titles:
            yield at(
                doc,
                "duplicate-section",
                "warning",
                section.line,
                f"Heading '{section.title}' repeats line {seen_titles[key]}",
                "Merge the two sections, or name each for what it says.",
            )
        seen_titles.setdefault(key, section.line)
        body = " ".join(" ".join(b.text.split()) for b in doc.blocks_of(index)).casefold()
        if section.words >= DUPLICATE_MIN_WORDS and body:
            if body in seen_bodies:
                other, line = seen_bodies[body]
                yield at(
                    doc,
                    "duplicate-section",
                    "warning",
                    section.line,
                    f"Section '{section.title}' has the same text as '{other}' (line {line})",
                    "Keep one copy.",
                )
            else:
                seen_bodies[body] = (section.title, section.line)


RULES = (title, skipped_levels, empty_sections, duplicate_sections)
