"""Prose measures behind the checks: sentences, syllables, the Flesch-Kincaid grade."""

from __future__ import annotations

import pytest

from app.writing.text import count_words, fk_grade, sentences, syllables


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("J. R. Smith wrote it, e.g. here. Next.", ["J. R. Smith wrote it, e.g. here.", "Next."]),
        ("It lands on line 3. This is why.", ["It lands on line 3.", "This is why."]),
        ('He said "stop." pyinstrument then ran.', ['He said "stop."', "pyinstrument then ran."]),
        ("Version 3.5 is out. Wait... and see.", ["Version 3.5 is out.", "Wait... and see."]),
        ("Really? no. Fine.", ["Really? no.", "Fine."]),
        ("An image { loading=lazy } here. Done.", ["An image here.", "Done."]),
        ("   ", []),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("word", "count"),
    [("the", 1), ("cat", 1), ("make", 1), ("table", 2), ("walked", 1),
     ("readability", 5), ("experiment", 4), ("2026", 3)],
)  # fmt: skip
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_grade_orders_plain_below_dense_and_needs_enough_text() -> None:
    plain = "The cat sat on the mat. It was a warm day. " * 4
    dense = (
        "Computational considerations necessitate comprehensive experimentation. "
        "Organizational infrastructure fundamentally complicates reproducibility. " * 3
    )
    assert fk_grade("Too short. Really.") is None
    plain_grade, dense_grade = fk_grade(plain), fk_grade(dense)
    assert plain_grade is not None and dense_grade is not None
    assert plain_grade < 4 < 16 < dense_grade


def test_count_words_ignores_markup() -> None:
    assert (
        count_words("# Title\n\n- **bold** `code` [link](https://x.example) don't well-known") == 9
    )
