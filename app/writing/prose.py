"""The prose of a document, sentence by sentence, with where each one sits.

Rules about the argument (introduction, main claim, long sentences) read this rather than the
raw text: code, headings and link targets are not what a reader reads as the post.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

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
    words: int = 0  # how many words it has


@lru_cache(maxsize=65_536)  # words repeat (Zipf): a long post has few distinct ones
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


class _Locator:
    """Finds the source line each sentence of one block starts on, in one pass.

    The block's source words are split once, each tagged with its line, and a cursor moves
    forward through them as sentences are found, so a paragraph written on one long line, or
    one whose sentences cannot be found in the source (markup changes the words), costs time
    in proportion to its length: re-splitting a line for every sentence on it, and scanning to
    the block's end for every sentence not found, made such paragraphs quadratic.
    """

    # How far past the cursor a sentence's first words are looked for: the words the previous
    # sentence had in the source beyond its plain text (link targets, list markers), so a few
    # per word of it, and a floor for short ones.
    SLACK_WORDS = 200
    SLACK_PER_WORD = 3

    def __init__(self, block: Block, lines: list[str]) -> None:
        self.words: list[str] = []
        self.lines: list[int] = []
        for number in range(block.line, block.end_line + 1):
            if number - 1 < len(lines):
                found = words(lines[number - 1])
                self.words += found
                self.lines += [number] * len(found)
        self.cursor = 0
        self.line = block.line
        self.reach = self.SLACK_WORDS

    def locate(self, sentence_words: list[str]) -> int:
        """The line the sentence with these words starts on; the previous sentence's line
        when its first words are not in the source near where that one was."""
        head = sentence_words[:3]
        if head:
            source = self.words
            stop = min(len(source), self.cursor + self.reach)
            last = len(head) - 1
            for start in range(self.cursor, stop):
                if source[start] != head[0]:
                    continue
                # Where the head would run past its line (or the block), its first word is
                # enough: markup on the next line may change the words that follow.
                if (
                    start + last >= len(source)
                    or self.lines[start + last] != self.lines[start]
                    or source[start : start + len(head)] == head
                ):
                    self.line = self.lines[start]
                    self.cursor = start + 1
                    break
        self.reach = self.SLACK_WORDS + self.SLACK_PER_WORD * len(sentence_words)
        return self.line


def iter_prose_sentences(
    doc: Document, blocks: Iterable[Block] | None = None
) -> Iterator[Sentence]:
    """Sentences of the prose blocks (all of the document's, or `blocks`), in order; list
    items and quote lines are cut one item at a time. Lazy, for the rules that stop early
    (the introduction reads about 150 words of it)."""
    offset = 0
    for block in doc.blocks if blocks is None else blocks:
        if block.kind not in PROSE_KINDS:
            continue
        locator = _Locator(block, doc.lines)
        for chunk in block.text.split("\n"):
            for text in sentences(chunk):
                tokens = words(text)
                yield Sentence(text, locator.locate(tokens), offset, block, len(tokens))
                offset += len(tokens)


def prose_sentences(doc: Document, blocks: Iterable[Block] | None = None) -> list[Sentence]:
    """Every sentence `iter_prose_sentences` gives, as a list; the whole document's is worked
    out once and shared by the rules that read it all (main claim, long sentences)."""
    if blocks is None:
        return doc.memo("prose_sentences", lambda: list(iter_prose_sentences(doc)))
    return list(iter_prose_sentences(doc, blocks))


def title_text(doc: Document) -> str:
    titles = [s.title for s in doc.sections if doc.is_title(s.level, s.title)]
    return doc.front_title or (titles[0] if titles else "")


def intro_blocks(doc: Document) -> list[Block]:
    """Blocks before the first heading below the title: the introduction."""
    out: list[Block] = []
    for block in doc.blocks:
        if block.kind == "heading" and not doc.is_title(block.level, block.text):
            break
        if block.kind != "heading":
            out.append(block)
    return out


def prose_words(blocks: Iterable[Block]) -> int:
    return sum(len(words(b.text)) for b in blocks if b.kind in PROSE_KINDS)
