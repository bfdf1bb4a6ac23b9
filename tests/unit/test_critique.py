"""The critique machinery shared by revisions, brainstorm critiques and draft critiques:
numbered problems read back robustly and tied to the passage each quotes."""

from __future__ import annotations

from app.critique import compact, locate, problem_list, problems, problems_by_heading, summary

SOURCE = "# Title\n\nThe model is always right.\nWe trained for 3 epochs\non a tiny set.\n"


def test_numbered_problems_with_quotes_of_every_kind() -> None:
    critique = (
        "Some preamble.\n\n"
        '1. "The model is always right" overclaims; say how often.\n'
        "2) The training is short:\n   > trained for 3 epochs on a tiny set\n"
        "3. **No baseline** is given.\n"
        "4. “the model is ALWAYS right” again.\n"
        "5. `We trained` what?\n"
    )
    found = problems(critique, SOURCE)
    assert [p.number for p in found] == [1, 2, 3, 4, 5]
    assert [p.line for p in found] == [3, 4, None, 3, 4]  # case and line breaks ignored
    assert found[1].quote == "trained for 3 epochs on a tiny set"
    assert not found[2].anchored and found[2].text == "**No baseline** is given."
    assert summary(found) == "5 problems, 4 quoting the text"


def test_a_quote_not_in_the_text_is_a_general_note_never_dropped() -> None:
    (only,) = problems('1. "a sentence the model made up" is weak.', SOURCE)
    assert only.quote and only.line is None


def test_a_cut_quote_matches_on_its_first_part() -> None:
    assert locate("The model is always...", SOURCE) == 3
    assert locate("no", SOURCE) is None  # too short to tie to a place


def test_headings_end_items_and_group_them() -> None:
    critique = '## Idea A\n1. "tiny set" is a risk\n2. costly\n\n## Idea B\n\n1. unclear\n'
    groups = problems_by_heading(critique, SOURCE)
    assert [(t, len(p)) for t, p in groups] == [("Idea A", 2), ("Idea B", 1)]
    assert groups[0][1][0].line == 5
    assert compact(critique) == 'Idea A:\n1. "tiny set" is a risk\n2. costly\n\nIdea B:\n1. unclear'


def test_prose_without_a_list_is_left_as_written() -> None:
    assert problems("Looks fine to me.") == []
    assert compact("Looks fine to me.") == "Looks fine to me."
    assert summary([]) == "no numbered problems"
    assert problem_list(problems("1. a\n2. b")) == "1. a\n2. b"
