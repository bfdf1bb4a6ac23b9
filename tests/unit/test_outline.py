"""The outline: headings with their lines, extents and words, from markdown-it-py's parse."""

from __future__ import annotations

from app.writing.outline import Section, parse_outline, section_at

TEXT = """\
# Title here

Intro has four words.

## First part

One two three.

```python
# a comment, not a heading
x = 1
```

### Nested bit
Five words are in here.

Second part
-----------

> # quoted heading is not structure

- # nor is one in a list

## Last
"""


def test_headings_levels_lines_and_titles() -> None:
    outline = parse_outline(TEXT)
    assert [(s.level, s.title, s.line) for s in outline] == [
        (1, "Title here", 1),
        (2, "First part", 5),
        (3, "Nested bit", 14),
        (2, "Second part", 17),
        (2, "Last", 24),
    ]


def test_end_lines_stop_before_the_next_heading_and_skip_blank_lines() -> None:
    outline = parse_outline(TEXT)
    assert [s.end_line for s in outline] == [3, 12, 15, 22, 24]


def test_words_per_section_leave_out_headings_and_subsections() -> None:
    outline = parse_outline(TEXT)
    words = {s.title: s.words for s in outline}
    assert words["Title here"] == 4
    assert words["Nested bit"] == 5
    assert words["Last"] == 0
    # "First part": its own text and the code as written (the fence's "python" too, as the
    # drafts list counts the whole body), not "Nested bit".
    assert words["First part"] == 3 + 8


def test_inline_markup_is_not_in_titles() -> None:
    [section] = parse_outline("## Use `aha` with **care** and [links](https://x.example) ##\n")
    assert section.title == "Use aha with care and links"


def test_front_matter_keeps_line_numbers_and_is_not_a_heading() -> None:
    text = "---\ntitle: Post\ntags: [a]\n---\n\n## Section\n\ntext\n"
    assert parse_outline(text) == [Section(2, "Section", 6, 8, 1)]


def test_unclosed_front_matter_is_ordinary_text() -> None:
    outline = parse_outline("---\n# Real title\n")
    assert [(s.title, s.line) for s in outline] == [("Real title", 2)]


def test_empty_and_headingless_texts() -> None:
    assert parse_outline("") == []
    assert parse_outline("just prose\n\nmore prose") == []


def test_section_at_a_line() -> None:
    outline = parse_outline(TEXT)
    assert section_at(outline, 1).title == "Title here"  # type: ignore[union-attr]
    assert section_at(outline, 9).title == "First part"  # type: ignore[union-attr]
    assert section_at(outline, 15).title == "Nested bit"  # type: ignore[union-attr]
    assert section_at(outline, 99).title == "Last"  # type: ignore[union-attr]
    assert section_at(parse_outline("text\n\n# T\n"), 1) is None
