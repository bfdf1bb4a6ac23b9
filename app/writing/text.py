"""Prose measures the checks share: words, sentences, syllables and a readability grade.

Heuristics, not linguistics: they only need to be right often enough to point a writer at a
paragraph worth a second look, and to give the same answer every time, offline, at once.
"""

from __future__ import annotations

import re
from functools import lru_cache

from storage.drafts_models import count_words

__all__ = ["count_words", "fk_grade", "sentences", "syllables", "words"]

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "prof", "fig", "cf", "approx",
    "st", "jr", "sr", "inc", "ltd", "al",
}  # fmt: skip
# A sentence ends at . ! or ? (plus closing quotes or brackets) followed by space. The next
# one may start in lower case: posts about code start sentences with names ("pyinstrument").
_BOUNDARY = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+(?=\S)")
# Python-Markdown attribute lists ("{ loading=lazy }", "{ .class }", '{ title="a b" }') are
# not prose. A value is quoted or has no space, so each item ends at a known place: a value
# that could also swallow the next items (`[^{}]*`) backtracked exponentially on an unclosed
# "{a b=c b=c ...".
_ATTR_VALUE = r"""(?:"[^"{}]*"|'[^'{}]*'|[^\s{}"']+)"""
_ATTR_ITEM = rf"[.#:]?[\w-]+(?:={_ATTR_VALUE})?"
_ATTR_LIST = re.compile(rf"\{{\s*{_ATTR_ITEM}(?:\s+{_ATTR_ITEM})*\s*\}}")
_VOWELS = re.compile(r"[aeiouy]+")
# TeX math reads as one noun phrase ("the loss $\mathcal{L}$ falls"), not as the dozens of
# "words" its commands split into, and the full stops inside it ("$1.5$") end no sentence.
# Single dollars follow pandoc's rule (no space just inside, no digit just after), so "$5 and
# $10" stays prose.
_MATH = re.compile(
    r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|(?<![\\$])\$(?=\S)[^$\n]*?(?<=\S)\$(?!\d)",
    re.S,
)
MATH_WORD = "formula"


def without_math(text: str) -> str:
    """``text`` with each TeX formula replaced by one word."""
    return _MATH.sub(f" {MATH_WORD} ", text) if "$" in text or "\\" in text else text


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def sentences(text: str) -> list[str]:
    """`text` (plain, one paragraph) cut into sentences.

    One pass over the boundaries: a boundary that is not an end ("e.g. Foo") is judged from the
    word before it alone, never from the text since the last end, so a paragraph of many
    abbreviations or pauses costs no more than any other (slicing that growing text at each
    skipped boundary made such paragraphs quadratic).
    """
    text = " ".join(_ATTR_LIST.sub(" ", without_math(text)).split())
    if not text:
        return []
    out: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start()  # just past the . ! or ?; the closing quotes come after
        space = text.rfind(" ", start, end)
        last = text[space + 1 if space >= 0 else start : end].rstrip(".!?")
        lower_next = text[match.end()].islower()
        stop = text[end - 1]
        if stop == "." and (last.lower() in _ABBREVIATIONS or (len(last) == 1 and last.isupper())):
            continue  # "e.g. Foo", "J. Smith": not an end
        if lower_next and (text.endswith(("...", "…"), start, end) or stop != "."):
            continue  # "wait... and", "really? no": a pause, not an end
        if lower_next and "." in last.rstrip("."):
            continue  # "Node.js. then" is rare; "i.e. x" and "a.k.a. x" are not
        out.append(text[start : end + len(match.group(1))].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


@lru_cache(maxsize=65_536)  # words repeat (Zipf): a long post has few distinct ones
def syllables(word: str) -> int:
    """Vowel groups, less a silent final e; at least one. Within one of a dictionary count
    for most English words, which is all a grade needs."""
    word = word.lower().strip("'’-")
    if not word:
        return 0
    if word.isdigit():
        return max(1, len(word) - 1)  # "2026" is said in about three syllables
    count = len(_VOWELS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if (
        word.endswith(("ed", "es"))
        and count > 1
        and not word.endswith(("ted", "ded", "ses", "zes", "ces", "ges"))
    ):
        count -= 1
    return max(1, count)


def fk_grade(text: str) -> float | None:
    """Flesch-Kincaid grade level of plain prose, or None when there is too little of it
    (a grade from two sentences says nothing)."""
    parts = sentences(text)
    tokens = words(without_math(text))
    if len(parts) < 2 or len(tokens) < 30:
        return None
    total = sum(syllables(w) for w in tokens)
    return 0.39 * len(tokens) / len(parts) + 11.8 * total / len(tokens) - 15.59
