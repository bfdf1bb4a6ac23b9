"""The prose of a document, sentence by sentence, with where each one sits.

Rules about the argument (introduction, main claim, long sentences) read this rather than the
raw text: code, headings and link targets are not what a reader reads as the post.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.writing.document import Block, Document
from app.writing.text import sentences, words

PROSE_KINDS = ("paragraph", "list", "quote")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves i'm it's don't can't won't isn't vs via using use how what why new my our
    post notes note part""".split()
)


_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ed", "es", "s", "ly", "e")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    line: int  # best guess at the source line it starts on
    offset: int  # prose words before it in the document
    block: Block


def stem(word: str) -> str:
    """A crude stem: lower case, one common suffix off, at most six letters ("routers",
    "routing" and "route" all give "rout"). Enough to tell whether a passage talks about the
    title's subject, which is all the rules ask of it."""
    word = word.casefold().replace("’", "'").removesuffix("'s").strip("'")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:6]


def content_stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w.casefold() not in STOPWORDS and len(w) > 2}


def _locate(block: Block, lines: list[str], sentence: str, after: int) -> int:
    """The line of `block` where `sentence` starts, searching from line `after`."""
    head = words(sentence)[:3]
    if not head:
        return after
    for number in range(max(after, block.line), block.end_line + 1):
        raw = words(lines[number - 1]) if number - 1 < len(lines) else []
        for start in range(len(raw)):
            if raw[start : start + len(head)] == head or (
                raw[start] == head[0] and start + len(head) > len(raw)
            ):
                return number
    return max(after, block.line)


def prose_sentences(doc: Document, blocks: Iterable[Block] | None = None) -> list[Sentence]:
    """Sentences of the prose blocks (all of the document's, or `blocks`), in order; list
    items and quote lines are cut one item at a time."""
    out: list[Sentence] = []
    offset = 0
    for block in doc.blocks if blocks is None else blocks:
        if block.kind not in PROSE_KINDS:
            continue
        line = block.line
        for chunk in block.text.split("\n"):
            for text in sentences(chunk):
                line = _locate(block, doc.lines, text, line)
                out.append(Sentence(text, line, offset, block))
                offset += len(words(text))
    return out


def title_text(doc: Document) -> str:
    titles = [s.title for s in doc.sections if s.level == 1]
    return doc.front_title or (titles[0] if titles else "")


def intro_blocks(doc: Document) -> list[Block]:
    """Blocks before the first heading below the title: the introduction."""
    out: list[Block] = []
    for block in doc.blocks:
        if block.kind == "heading" and block.level > 1:
            break
        if block.kind != "heading":
            out.append(block)
    return out


def prose_words(blocks: Iterable[Block]) -> int:
    return sum(len(words(b.text)) for b in blocks if b.kind in PROSE_KINDS)
