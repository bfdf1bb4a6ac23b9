"""Argument rules: an introduction that says what the post is about, a conclusion, and the
main claim stated early.

Heuristics over words, not understanding: they look for the signals an editor looks for first
(the title's subject named early, signposts such as "this post shows", a closing section), and
say where they looked, so a writer can judge a false alarm in a second.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from app.writing.document import Document
from app.writing.findings import Finding, at
from app.writing.prose import (
    Sentence,
    content_stems,
    intro_blocks,
    iter_prose_sentences,
    prose_sentences,
    prose_words,
    title_text,
)
from app.writing.text import words

# "Within its first 150 words or so": the slack is the "or so".
INTRO_WORDS = 150
INTRO_SLACK_WORDS = 30
# A post this long, or with this many sections, needs an ending.
CONCLUSION_MIN_WORDS = 300
CONCLUSION_MIN_SECTIONS = 2
# A claim first stated past this many words of prose is stated late.
CLAIM_LATE_WORDS = 200

_SIGNPOST = re.compile(
    r"\b(this|the) (post|article|essay|piece|note|guide|tutorial|write-?up)\b"
    r"|\bin (this|the following) (post|article|piece)\b"
    r"|\b(i|we)(['’]ll| will| want to| am going to| are going to) "
    r"(show|explain|argue|walk|look|cover|describe|compare|discuss)"
    r"|\byou(['’]ll| will) (learn|see|find)\b"
    r"|\bhere(['’]s| is) (how|why|what)\b"
    r"|\b(i|we) (argue|claim|propose|show)\b"
    r"|\bthis is (about|how|why)\b",
    re.IGNORECASE,
)
CONCLUSION_HEADING = re.compile(
    r"\b(conclusions?|summary|summing up|wrap(ping)?[- ]up|takeaways?|final thoughts"
    r"|closing( thoughts)?|lessons( learned)?|tl;? ?dr|what['’]?s next|next steps|recap"
    r"|bottom line|so what|in short|the end|where (this|we) go)\b",
    re.IGNORECASE,
)
# Sections after the argument that no one ends a post's argument with: a post whose last
# section is "References" has its conclusion (or not) just before them.
BACK_MATTER = re.compile(
    r"^\W*(references?|bibliography|citations?|cited as|cite this|further reading|reading list"
    r"|appendix|appendices|acknowledge?ments?|thanks|notes|footnotes|resources|links"
    r"|papers mentioned|sources|credits|changelog|updates?)\b",
    re.IGNORECASE,
)
_CONCLUDING = re.compile(
    r"\b(in conclusion|to conclude|to sum (it )?up|in summary|to summari[sz]e|in short"
    r"|all in all|overall|in the end|the takeaway|the lesson|the bottom line|to wrap up"
    r"|that['’]s why|so next time|next time you)\b",
    re.IGNORECASE,
)
_STRONG_CLAIM = re.compile(
    r"\b(i|we) (really |strongly |firmly )?(argue|think|believe|claim|propose|contend"
    r"|recommend|suggest that)\b"
    r"|\bmy (point|claim|argument|thesis|advice)\b"
    r"|\bthe (point|key|lesson|answer|takeaway|thesis|claim|bottom line|short version) (is|here)\b"
    r"|\b(this|the) (post|article|essay|piece|write-?up) (argues|shows|claims|makes the case"
    r"|explains|is about|is a tour|describes|covers)\b"
    r"|\bin this (post|article|essay|piece)\b"
    r"|\bin short\b|\bturns out\b|\bthe (real|main|biggest) (problem|reason|idea|lesson)\b",
    re.IGNORECASE,
)
# A hedge or a denial is not a claim: "I don't think", "we are not sure".
_NOT_A_CLAIM = re.compile(
    r"\b(i|we) (do not|don['’]t|didn['’]t|never|no longer|can['’]t|cannot) "
    r"(think|believe|claim|know|recommend)\b|\bnot sure\b",
    re.IGNORECASE,
)
_WEAK_CLAIM = re.compile(
    r"\b(should|must|need to|needs to|is better|are better|is worse|is wrong|are wrong"
    r"|is overrated|is underrated|matters|beats|outperforms|because)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Claim:
    """The sentence the checks take for the post's main claim, and where it sits."""

    sentence: str
    line: int
    offset: int  # prose words before it


def _claim_score(sentence: Sentence, subject: set[str]) -> int:
    """2 for a strong claim signal, 1 for a weak one, and up to 2 for naming the subject; 0
    for a sentence with no signal at all, however much of the subject it names (it cannot be
    the claim, so its stems are not worth working out: most sentences of a long post are
    such)."""
    if _NOT_A_CLAIM.search(sentence.text) or sentence.text.rstrip().endswith("?"):
        return 0  # a hedge, a denial or a question states no claim
    score = 2 if _STRONG_CLAIM.search(sentence.text) else 0
    score += 1 if _WEAK_CLAIM.search(sentence.text) else 0
    if score == 0:
        return 0
    overlap = len(content_stems(sentence.text) & subject)
    return score + min(overlap, 2)


def main_claim(doc: Document) -> Claim | None:
    """The first sentence that reads as the post's main claim: a claim signal ("I argue",
    "the point is", "should", "because") about the title's subject. None when no sentence
    has both a signal and the subject, or a strong signal alone."""
    subject = content_stems(title_text(doc))
    best: Sentence | None = None
    for sentence in prose_sentences(doc):
        score = _claim_score(sentence, subject)
        if score >= 3:
            return Claim(sentence.text, sentence.line, sentence.offset)
        if score >= 2 and best is None and _STRONG_CLAIM.search(sentence.text):
            best = sentence
    return Claim(best.text, best.line, best.offset) if best else None


def introduction(doc: Document) -> Iterator[Finding]:
    """Text before the first section that, within about 150 words, names the title's subject
    or says what the post does ("this post shows", "here is why")."""
    blocks = intro_blocks(doc)
    first_section = next(iter(doc.body_sections), None)
    title_line = next((s.line for s in doc.sections if doc.is_title(s.level, s.title)), 1)
    if prose_words(blocks) == 0:
        if first_section is None and not doc.sections:
            return  # not a post yet: no headings and no prose
        yield at(
            doc,
            "introduction",
            "warning",
            title_line,
            "No introduction before the first section",
            "Open with a paragraph that says what the post is about and why it matters.",
        )
        return
    head_words: list[str] = []
    head_text: list[str] = []
    for sentence in iter_prose_sentences(doc, blocks):
        if len(head_words) >= INTRO_WORDS + INTRO_SLACK_WORDS:
            break
        head_text.append(sentence.text)
        head_words += words(sentence.text)
    head = " ".join(head_text)
    subject = content_stems(title_text(doc)) or content_stems(
        " ".join(s.title for s in doc.body_sections)
    )
    if _SIGNPOST.search(head) or (subject and content_stems(head) & subject):
        return
    line = next((b.line for b in blocks if b.kind in ("paragraph", "list", "quote")), title_line)
    yield at(
        doc,
        "introduction",
        "warning",
        line,
        f"The first {INTRO_WORDS} words do not say what the post is about",
        "Name the subject of the title early, or say what the post shows.",
    )


def conclusion(doc: Document) -> Iterator[Finding]:
    """A closing section (Conclusion, Takeaways, Next steps...) or a last paragraph that
    sums up, in any post long enough to need one."""
    sections = doc.body_sections
    total = prose_words(doc.blocks)
    if total < CONCLUSION_MIN_WORDS and len(sections) < CONCLUSION_MIN_SECTIONS:
        return
    end_line = len(doc.lines) + 1
    while sections and BACK_MATTER.search(sections[-1].title):
        end_line = sections[-1].line  # the argument ends before References, Appendix...
        sections = sections[:-1]
    if sections and CONCLUSION_HEADING.search(sections[-1].title):
        return
    prose = [b for b in doc.blocks if b.kind in ("paragraph", "list", "quote")]
    last = [b for b in prose if b.line < end_line][-1:]
    if last and _CONCLUDING.search(last[0].text):
        return
    line = sections[-1].line if sections else (last[0].line if last else 1)
    yield at(
        doc,
        "conclusion",
        "info",  # advice: many good surveys and tutorials end on their last topic
        line,
        "The post has no conclusion",
        "End with a short section that sums up the point and what to do with it.",
    )


def claim_position(doc: Document) -> Iterator[Finding]:
    """Where the main claim first appears: within the first 200 words of prose, or it is
    late (or missing)."""
    if prose_words(doc.blocks) < INTRO_WORDS:
        return  # too short to have a buried lede
    claim = main_claim(doc)
    if claim is None:
        yield at(
            doc,
            "main-claim",
            "warning",
            next((s.line for s in doc.sections), 1),
            "No sentence reads as the main claim",
            "State the one point of the post plainly, e.g. 'I argue that…'.",
        )
    elif claim.offset > CLAIM_LATE_WORDS:
        yield at(
            doc,
            "main-claim",
            "warning",
            claim.line,
            f'The main claim first appears after {claim.offset} words: "{_short(claim.sentence)}"',
            "Move it into the introduction.",
        )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


RULES = (introduction, conclusion, claim_position)
