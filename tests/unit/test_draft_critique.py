"""The model critique's prompt, the proposed-outline parser on scripted answers (the shapes
models really write), and applying an outline without losing a word."""

from __future__ import annotations

import re

import pytest

from app.writing.apply_outline import LEFTOVER_NOTE
from app.writing.checks import check
from app.writing.critique import (
    SYSTEM_PROMPT,
    apply_outline,
    critique_messages,
    proposed_outline,
)
from app.writing.outline import parse_outline

DRAFT = """\
# Why small routers save money

Small routers save money. This post shows how.

## The cost of always going big

Big models cost a lot per token.

## How a `router` decides

A router scores each prompt.

```python
# a comment, not a heading
route = "deep" if score > t else "fast"
```

### Features

Length and words.

Where routing fails
-------------------

Hard prompts that look easy.

## Conclusion

Route by default.
"""

FENCED = """\
## Thesis
The post claims small routers save money, but buries the evidence.

## Proposed outline

```outline
# Why small routers save money
## Where routing fails
## How a `router` decides
### Features
## The real cost of big models (was: The cost of always going big)
## A worked example
## Conclusion
```
"""


def body_lines(text: str) -> list[str]:
    """Lines that are not headings (ATX or setext underline) nor blank."""
    out = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if not line.strip() or re.match(r"^#{1,6} ", line) or re.match(r"^-{3,}$", line):
            continue
        if re.match(r"^-{3,}$", nxt):  # a setext heading's text
            continue
        out.append(line)
    return out


# The prompt -----------------------------------------------------------------------------------


def test_messages_carry_outline_findings_and_the_text() -> None:
    bad = DRAFT.replace("## Conclusion", "#### Conclusion")
    system, user = critique_messages(bad)
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert user["role"] == "user"
    content = user["content"]
    for part in ("Thesis", "Argument flow", "Cut", "Move", "Add", "Proposed outline", "outline"):
        assert part in SYSTEM_PROMPT
    assert "  - The cost of always going big (line 5, 7 words)" in content
    assert "skipped-heading-level" in content
    # The draft goes in whole, in a fence longer than the backticks inside it.
    assert "````markdown\n" + bad.rstrip() + "\n````" in content


def test_messages_cut_a_huge_draft() -> None:
    huge = "# T\n\n" + "word " * 20_000
    content = critique_messages(huge)[1]["content"]
    assert "cut at 60000 characters" in content and len(content) < 70_000
    small = critique_messages(DRAFT, max_chars=100)[1]["content"]
    assert "cut at 100 characters" in small
    assert "Conclusion (line" in small  # the outline still covers the whole draft
    assert "Route by default." not in small


# The parser -----------------------------------------------------------------------------------


def test_fenced_outline_block() -> None:
    assert proposed_outline(FENCED) == [
        (1, "Why small routers save money"),
        (2, "Where routing fails"),
        (2, "How a `router` decides"),
        (3, "Features"),
        (2, "The real cost of big models (was: The cost of always going big)"),
        (2, "A worked example"),
        (2, "Conclusion"),
    ]


def test_heading_over_a_nested_list() -> None:
    answer = """\
## Cut
Nothing.

## Proposed outline
1. **Why small routers save money**
   1. Where routing fails — lead with the failure case
   2. How a router decides (moved down)
      - Features
   3. Conclusion (new)

## Why this order
Because the failure case is the hook.
"""
    assert proposed_outline(answer) == [
        (1, "Why small routers save money"),
        (2, "Where routing fails"),
        (2, "How a router decides"),
        (3, "Features"),
        (2, "Conclusion"),
    ]


def test_bold_label_flat_list_with_dotted_numbers() -> None:
    answer = """\
Overall the draft is fine.

**Suggested structure:**

- Title: Why small routers save money
- 1 Where routing fails
- 2 Costs [was: The cost of always going big]
- 2.1 Tokens
- 3 Conclusion
"""
    assert proposed_outline(answer) == [
        (1, "Why small routers save money"),
        (2, "Where routing fails"),
        (2, "Costs (was: The cost of always going big)"),
        (3, "Tokens"),
        (2, "Conclusion"),
    ]


def test_advice_under_list_items_is_not_an_outline_entry() -> None:
    answer = """\
## Proposed outline

1. **Introduction**: state the claim that routers save money up front
   - Open with the monthly bill of a team that sends everything to the big model.
   - Then name the claim.
2. **Where routing fails** — the hook
   - Keep the proof example, it is the best one in the post and readers remember it
3. **Costs: a primer**
4. **Conclusion**
"""
    assert proposed_outline(answer) == [
        (2, "Introduction"),
        (2, "Where routing fails"),
        (2, "Costs: a primer"),
        (2, "Conclusion"),
    ]


def test_unfenced_headings_under_the_label() -> None:
    answer = """\
# Critique
## Proposed Outline
# Why small routers save money
## Where routing fails
## Conclusion
## Notes
Keep it short.
"""
    assert proposed_outline(answer) == [
        (1, "Why small routers save money"),
        (2, "Where routing fails"),
        (2, "Conclusion"),
    ]


def test_plain_fence_under_a_revised_outline_label() -> None:
    answer = "### Revised outline\n\n```markdown\n## One\n## Two\n### Two a\n```\n"
    assert proposed_outline(answer) == [(2, "One"), (2, "Two"), (3, "Two a")]


@pytest.mark.parametrize(
    "answer",
    ["", "Looks good to me.", "## Thesis\nClear.\n\n## Cut\n- the second paragraph\n"],
)
def test_no_outline_gives_none(answer: str) -> None:
    assert proposed_outline(answer) is None


# Applying -------------------------------------------------------------------------------------


def test_apply_reorders_renames_adds_and_keeps_every_line() -> None:
    result = apply_outline(DRAFT, proposed_outline(FENCED) or [])
    outline = [(s.level, s.title) for s in parse_outline(result)]
    assert outline == [
        (1, "Why small routers save money"),
        (2, "Where routing fails"),
        (2, "How a router decides"),
        (3, "Features"),
        (2, "The real cost of big models"),
        (2, "A worked example"),
        (2, "Conclusion"),
    ]
    assert sorted(body_lines(result)) == sorted(body_lines(DRAFT))
    assert "## How a `router` decides" in result  # kept exactly as written
    assert "Where routing fails\n-------------------" in result  # unchanged heading, as written
    assert "## The real cost of big models\n\nBig models cost a lot per token." in result
    assert LEFTOVER_NOTE not in result
    # The new section is empty, and the checks say so.
    empty = [f for f in check(result) if f.rule == "empty-section"]
    assert [f.section for f in empty] == ["A worked example"]


def test_sections_left_out_are_kept_at_the_end_under_a_note() -> None:
    proposed = [(2, "Conclusion"), (2, "Where routing fails")]
    result = apply_outline(DRAFT, proposed)
    assert sorted(body_lines(result)) == sorted(body_lines(DRAFT) + [LEFTOVER_NOTE])
    head, tail = result.split(LEFTOVER_NOTE)
    # No title in the proposal: the draft's title and introduction stay on top.
    assert head.startswith("# Why small routers save money\n\nSmall routers save money.")
    assert head.index("## Conclusion") < head.index("Where routing fails\n---")
    assert [s.title for s in parse_outline(tail)] == [
        "The cost of always going big",
        "How a router decides",
        "Features",
    ]


def test_levels_change_and_loose_titles_match() -> None:
    proposed = [(1, "Small routers, big savings"), (2, "Routing failures"), (2, "Features"),
                (2, "The cost of always going big"), (2, "How a router decides"),
                (2, "Conclusion")]  # fmt: skip
    result = apply_outline(DRAFT, proposed)
    assert [(s.level, s.title) for s in parse_outline(result)] == [
        (1, "Small routers, big savings"),
        (2, "Routing failures"),
        (2, "Features"),
        (2, "The cost of always going big"),
        (2, "How a router decides"),
        (2, "Conclusion"),
    ]
    assert "## Routing failures\n\nHard prompts that look easy." in result
    assert "## How a `router` decides" in result  # re-levelled headings keep inline markup
    assert sorted(body_lines(result)) == sorted(body_lines(DRAFT))


def test_text_above_the_first_heading_and_front_matter_stay_on_top() -> None:
    text = "---\ntitle: x\n---\n\nA lead paragraph.\n\n## B\n\nb text\n\n## A\n\na text\n"
    result = apply_outline(text, [(2, "A"), (2, "B")])
    assert result == "---\ntitle: x\n---\n\nA lead paragraph.\n\n## A\n\na text\n\n## B\n\nb text\n"


def test_the_drafts_own_outline_changes_nothing() -> None:
    spaced = DRAFT.replace("Route by default.", "Route by default.  \n\n\n")
    own = [(s.level, s.title) for s in parse_outline(spaced)]
    assert apply_outline(spaced, own) == spaced
    assert apply_outline(spaced, own[1:]) == spaced  # the title left out of the proposal
    assert apply_outline(spaced, own[::-1]) != spaced
