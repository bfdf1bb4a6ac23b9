"""Ideas out of scripted model answers: lists (nested, numbered), headings, and the noise
around them; near-duplicates across diverge samples."""

from __future__ import annotations

from app.brainstorm.extract import ExtractedIdea, best_match, dedupe, extract_ideas

NOISY_NUMBERED = """Sure! Here are some ideas for detecting label noise:

1. **Confident learning:** estimate the joint of noisy and true labels
2. Train two networks that teach each other (co-teaching)
3) Look at the loss of each example early in training

I hope this helps! Let me know if you want more detail.
"""

NESTED = """- Relabel a small audit set
  - pick 200 images at random
  - two annotators each
    - adjudicate disagreements
- Use the model's own disagreement
  with the given label

  Rank examples by it.
* A bullet list with another marker
"""

HEADINGS = """# Ideas

## Noise-robust loss
Symmetric cross-entropy down-weights examples the model strongly disagrees with.

## Data augmentation consistency
Predictions that flip under augmentation point at ambiguous labels.

## Summary
Both are cheap to try.
"""


def test_numbered_lists_with_noise_around_them() -> None:
    ideas = extract_ideas(NOISY_NUMBERED)
    assert [i.text for i in ideas] == [
        "Confident learning: estimate the joint of noisy and true labels",
        "Train two networks that teach each other (co-teaching)",
        "Look at the loss of each example early in training",
    ]
    assert all(i.detail == "" for i in ideas)


def test_nested_items_are_detail_of_their_parent_not_ideas() -> None:
    ideas = extract_ideas(NESTED)
    assert [i.text for i in ideas] == [
        "Relabel a small audit set",
        "Use the model's own disagreement with the given label",
        "A bullet list with another marker",
    ]
    assert ideas[0].detail == (
        "- pick 200 images at random\n- two annotators each\n  - adjudicate disagreements"
    )
    assert ideas[1].detail == "Rank examples by it."


def test_headings_with_a_paragraph_are_ideas_and_framing_headings_are_not() -> None:
    ideas = extract_ideas(HEADINGS)
    assert ideas == [
        ExtractedIdea(
            "Noise-robust loss",
            "Symmetric cross-entropy down-weights examples the model strongly disagrees with.",
        ),
        ExtractedIdea(
            "Data augmentation consistency",
            "Predictions that flip under augmentation point at ambiguous labels.",
        ),
    ]


def test_headings_over_lists_name_sections() -> None:
    answer = "## Data\n- Relabel an audit set\n- Clean with cleanlab\n\n## Models\n1. Co-teaching\n"
    ideas = extract_ideas(answer)
    assert [(i.text, i.section) for i in ideas] == [
        ("Relabel an audit set", "Data"),
        ("Clean with cleanlab", "Data"),
        ("Co-teaching", "Models"),
    ]


def test_code_blocks_quotes_and_plain_prose_are_not_ideas() -> None:
    answer = (
        "Here is what I think.\n\n```\n- not an idea\n1. nor this\n```\n\n"
        "> - quoted list\n\nThat is all."
    )
    assert extract_ideas(answer) == []


def test_dedupe_drops_near_identical_ideas_across_samples() -> None:
    first = extract_ideas("1. Use confident learning to find noisy labels\n2. Co-teaching\n")
    second = extract_ideas(
        "1. Use confident-learning to find noisy labels.\n2. Mixup\n3. co-teaching\n"
    )
    kept = dedupe(second, existing=[i.text for i in first])
    assert [i.text for i in kept] == ["Mixup"]
    assert [i.text for i in dedupe(first + first)] == [i.text for i in first]


def test_best_match_finds_the_board_idea_a_cluster_item_copies() -> None:
    board = ["Confident learning", "Train two networks (co-teaching)", "Mixup"]
    assert best_match("train two networks, co-teaching", board) == 1
    assert best_match("Something else entirely", board) is None


def test_a_list_item_holding_only_a_list_gives_the_inner_item() -> None:
    """Small models write "1. 1. idea"; the inner item is the idea, not an empty one."""
    ideas = extract_ideas("1. 1. Find mislabelled images\n\n2. 2. Use kNN label voting\n")
    assert [i.text for i in ideas] == ["Find mislabelled images", "Use kNN label voting"]
