"""The draft checks do work in proportion to the text (issue 14, item 9).

`aha draft check` took 68 s on a 10 MB post: some steps scanned every section or block once per
finding or per section, and one re-split a line for every sentence on it. Time is no fair
judge on a shared machine, so these tests count work instead: the lines of `app/writing`
that run (a `sys.settrace` counter) for a post and for the same post four times as long. Linear
work gives a ratio near 4; the old code gave about 10 at these sizes and more beyond.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import app.writing
from app.writing import document, prose, text
from app.writing.checks import check

WRITING = str(Path(app.writing.__file__).resolve().parent)
# Linear work on 4x the text is about 4x the lines (a little less: fixed costs); quadratic
# work is about 16x. 5 leaves room for the fixed costs to move without letting 16 through.
MAX_RATIO = 5.0


def lines_run(work: Callable[[], Any]) -> int:
    """How many lines of app/writing run during `work()` (every other frame is left alone,
    so the count is exact and the same on every run)."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(WRITING) else None

    for cached in (document.parse, text.syllables, prose.stem):
        clear = getattr(cached, "cache_clear", None)
        if clear is not None:
            clear()  # a warm cache from another test would hide work
    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        work()
    finally:
        sys.settrace(previous)
    return count


def post(sections: int) -> str:
    """A post that grows in every direction the old code was quadratic in: sections (each
    with findings, whose section is looked up per finding), blocks per section, a paragraph
    on one long line (many sentences per line), and a paragraph whose sentences cannot be
    found word for word in the source (each starts with a link)."""
    parts = ["# Scaling the checks\n", "This post argues that the checks should scale.\n"]
    for i in range(sections):
        long_sentence = " ".join(["word"] * 50)  # over the long-sentence limit
        parts += [
            f"## Part {i}\n",
            f"Part {i} says one thing. {long_sentence}.\n",
            "```\ncode()\n```\n",
        ]
        if i % 10 == 0:
            parts.append(f"### Empty {i}\n")  # an empty-section error
    one_line = " ".join(f"Sentence {i} is short." for i in range(sections * 4))
    linked = "\n".join(f"[Read](https://example.com/{i}/x/y) this {i}." for i in range(sections))
    parts += ["## Long lines\n", one_line + "\n", linked + "\n", "## Conclusion\n", "Done.\n"]
    return "\n".join(parts)


def test_draft_check_work_is_linear_in_the_text() -> None:
    small, large = post(60), post(240)
    assert len(check(large)) > 3 * len(check(small))  # findings grow with the text too
    ratio = lines_run(lambda: check(large)) / lines_run(lambda: check(small))
    assert ratio < MAX_RATIO, f"4x the text ran {ratio:.1f}x the lines of app/writing"


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("See item 1, e.g. this one. See item 2, e.g. that one.", 2),
        ("Really? no. Wait... and see. Fine.", 3),
        ("J. R. Smith, Dr. Who and i.e. me. Next.", 2),
    ],
)
def test_sentence_splitting_gives_the_same_answers(paragraph: str, expected: int) -> None:
    """Boundaries that do not end a sentence are now judged from the word before them, not
    by slicing the text since the last end again at each one (C-level copying, so no line
    count shows it: these pin the answers it must keep)."""
    assert len(text.sentences(paragraph)) == expected
    repeated = " ".join([paragraph] * 50)
    assert len(text.sentences(repeated)) == 50 * expected
    assert " ".join(text.sentences(repeated)) == repeated


def test_sentence_locations_are_found_in_one_pass() -> None:
    """Sentences on one long line, and sentences not found word for word, get their line
    without rescanning: the same lines as before for a paragraph that wraps."""
    wrapped = "# T\n\nFirst one here.\nSecond one\nhere. Third\none here.\n"
    lines = [s.line for s in prose.prose_sentences(document.parse(wrapped))]
    assert lines == [3, 4, 5]
    for size in (100, 400):
        one_line = "# T\n\n" + " ".join(f"Sentence {i} is short." for i in range(size)) + "\n"
        found = prose.prose_sentences(document.parse(one_line))
        assert len(found) == size and {s.line for s in found} == {3}


def test_attribute_lists_cannot_backtrack() -> None:
    """`{a b=c b=c ...` with no closing brace took exponential time: an unquoted value could
    stretch over the items after it (`[^{}]*`), so every way to split them was tried. A value
    is now quoted or stops at a space, so every item has one reading; quoted values with
    spaces are still attribute lists."""
    attr = text._ATTR_LIST
    assert attr.search("{ k=a (b) }") is None  # the old value ran on over "(b)"
    strip = attr.sub
    assert strip("|", 'A {.big #id title="a b" width=50%} x {a b=c b=c') == "A | x {a b=c b=c"
    assert text.sentences("An image { loading=lazy } here. Done.") == ["An image here.", "Done."]
