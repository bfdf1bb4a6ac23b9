"""Length rules: sections out of balance, over-long paragraphs and sentences, and sections
that read hard (Flesch-Kincaid grade).

Thresholds are the usual editing rules of thumb for posts read on a screen; they are module
constants so the tests, and anyone tuning them, can see them.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator

from app.writing.document import Document
from app.writing.findings import Finding, at
from app.writing.prose import PROSE_KINDS, prose_sentences
from app.writing.rules_flow import CONCLUSION_HEADING
from app.writing.text import fk_grade, without_math, words

PARAGRAPH_MAX_WORDS = 150
# About the 99.5th percentile of sentence length in the calibration posts (README, *Drafts*):
# a writer sees the few sentences that really are too long, not one in ten.
SENTENCE_MAX_WORDS = 45
# Balance is judged only where there is a median to judge against.
BALANCE_MIN_SECTIONS = 3
BALANCE_MIN_MEDIAN = 40
LONG_FACTOR = 2.5  # a section over 2.5 x the median is one to split
THIN_FACTOR = 0.3  # under 0.3 x the median is one to grow or merge
# Grade 12 is the end of high school; beyond it most readers of a post slow down.
GRADE_MAX = 12.0
GRADE_MIN_WORDS = 50


def _main_sections(doc: Document) -> list[int]:
    """Indexes of the sections at the post's main level: the shallowest level below the
    title (usually '##'; any level under a front-matter title)."""
    sections = doc.body_sections
    if not sections:
        return []
    top = doc.top_level
    return [
        i
        for i, s in enumerate(doc.sections)
        if s.level == top and not doc.is_title(s.level, s.title)
    ]


def balance(doc: Document) -> Iterator[Finding]:
    """Words per main section (with its subsections) against the median of them all."""
    indexes = _main_sections(doc)
    if len(indexes) < BALANCE_MIN_SECTIONS:
        return
    sizes = {i: doc.subtree_words(i) for i in indexes}
    median = statistics.median(sizes.values())
    if median < BALANCE_MIN_MEDIAN:
        return
    for index, size in sizes.items():
        section = doc.sections[index]
        # A long section already cut into subsections has its structure; one long wall of
        # text is what to split.
        subdivided = doc.subtree_end(index) > index + 1
        if size > LONG_FACTOR * median and not subdivided:
            yield at(
                doc,
                "section-balance",
                "warning",
                section.line,
                f"Section '{section.title}' has {size} words, {size / median:.1f}x the median"
                f" ({median:.0f})",
                "Split it, or cut what does not serve the point.",
            )
        elif (
            size < THIN_FACTOR * median
            and index != indexes[-1]  # an ending (a sign-off, a call to action) may be short
            and not CONCLUSION_HEADING.search(section.title)
        ):
            yield at(
                doc,
                "section-balance",
                "warning",
                section.line,
                f"Section '{section.title}' has {size} words against a median of {median:.0f}",
                "Develop it, or merge it into a neighbour.",
            )


def long_paragraphs(doc: Document) -> Iterator[Finding]:
    for block in doc.blocks:
        if block.kind != "paragraph":
            continue
        count = len(words(without_math(block.text)))  # a formula reads as one word
        if count > PARAGRAPH_MAX_WORDS:
            yield at(
                doc,
                "long-paragraph",
                "warning",
                block.line,
                f"Paragraph of {count} words (over {PARAGRAPH_MAX_WORDS})",
                "Break it where the idea turns.",
            )


def long_sentences(doc: Document) -> Iterator[Finding]:
    for sentence in prose_sentences(doc):
        count = sentence.words
        if count > SENTENCE_MAX_WORDS:
            yield at(
                doc,
                "long-sentence",
                "warning",
                sentence.line,
                f"Sentence of {count} words (over {SENTENCE_MAX_WORDS})",
                "Split it in two, or cut a clause.",
            )


def section_grades(doc: Document) -> list[tuple[int, float | None]]:
    """(section index, Flesch-Kincaid grade of its own prose) per section; -1 is the text
    above the first heading. None where there is too little prose to grade."""
    out: list[tuple[int, float | None]] = []
    for index in range(-1, len(doc.sections)):
        prose = [b.text for b in doc.blocks_of(index) if b.kind in PROSE_KINDS]
        # Each list item (a line of a block) ends a sentence, full stop or not: "- `a.b`:
        # set it" items would otherwise run together into one sentence hundreds of words long.
        items = [line.strip() for block in prose for line in block.split("\n") if line.strip()]
        text = " ".join(item if item[-1] in ".!?:" else item + "." for item in items)
        grade = fk_grade(text) if len(words(text)) >= GRADE_MIN_WORDS else None
        if index >= 0 or prose:
            out.append((index, grade))
    return out


def readability(doc: Document) -> Iterator[Finding]:
    """An info note on each section that reads above grade 12."""
    for index, grade in section_grades(doc):
        if grade is None or grade <= GRADE_MAX:
            continue
        line = doc.sections[index].line if index >= 0 else doc.blocks[0].line
        yield at(
            doc,
            "readability",
            "info",
            line,
            f"Reads at grade {grade:.1f} (Flesch-Kincaid; aim for 8-12)",
            "Use shorter sentences and plainer words.",
        )


RULES = (balance, long_paragraphs, long_sentences, readability)
