"""Structure checks: each rule fires on a bad example and stays quiet on a good one.

GOOD is a short, well-built post that no rule objects to; each bad example changes one thing
about it (or is a small post built to break one rule), and the test names the rule it expects.
"""

from __future__ import annotations

import pytest

from app.writing import rules_length
from app.writing.checks import RULES, Finding, check, rule_names
from app.writing.document import parse
from app.writing.rules_flow import main_claim

INTRO = (
    "This post argues that a small router saves money on most prompts. Most prompts are easy,"
    " so a small model can answer them well. Only the hard ones need the big model. I will"
    " show how to measure the savings and where the idea fails."
)
COST = (
    "A big model is slow and costs a lot per token. Most people send it every prompt anyway."
    " They ask it to fix a typo, to name a variable or to sum two numbers. The big model"
    " answers those as well as a small one would. It just takes longer and costs more. Over a"
    " month of work that adds up to real money. It also adds up to a lot of waiting at the"
    " keyboard."
)
DECIDES = (
    "A router reads the prompt and gives it a score between zero and one. A high score means"
    " the prompt is hard. The router sends hard prompts to the big model and easy ones to the"
    " small model. The score comes from a few plain features, such as length and the words in"
    " the prompt. Here is the loop that does it:\n\n"
    '```python\nroute = "deep" if score(prompt) > threshold else "fast"\n```\n\n'
    "The threshold is the only knob. Move it up and fewer prompts go to the big model."
)
FAILS = (
    "Routing fails when an easy looking prompt hides a hard problem. A short question about a"
    " proof is one example. The router sees few words and picks the small model. The small"
    " answer is then wrong. A second pass can catch this, because it asks the big model when"
    " the small answer looks weak. The [RouteLLM paper](https://example.com/routellm) measures"
    " how often this happens on public data."
)
CONCLUSION = (
    "Routing by default saves money and time on the many easy prompts. Keep the big model for"
    " the few hard ones, and check the small answers that look weak. Start with a simple"
    " router and tune its threshold on your own prompts."
)


def post(
    title: str = "# Why small routers save money",
    intro: str = INTRO,
    sections: list[tuple[str, str]] | None = None,
) -> str:
    if sections is None:
        sections = [
            ("## The cost of always going big", COST),
            ("## How a router decides", DECIDES),
            ("## Where routing fails", FAILS),
            ("## Conclusion", CONCLUSION),
        ]
    parts = [title, intro] if title else [intro]
    for heading, body in sections:
        parts += [heading, body] if body else [heading]
    return "\n\n".join(p for p in parts if p) + "\n"


GOOD = post()


def fired(text: str, rule: str) -> list[Finding]:
    return [f for f in check(text) if f.rule == rule]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_good_post_is_quiet() -> None:
    assert check(GOOD) == []


def test_every_rule_is_named_and_every_name_has_a_rule() -> None:
    assert len(RULES) == 13 == len(rule_names())


# Structure --------------------------------------------------------------------------------------


def test_title_missing_is_an_error() -> None:
    bad = post(title="")
    [finding] = fired(bad, "title")
    assert (finding.severity, finding.line) == ("error", 1)


def test_second_title_is_an_error_at_it() -> None:
    bad = GOOD.replace("## Where routing fails", "# Where routing fails")
    [finding] = fired(bad, "title")
    assert finding.severity == "error"
    assert finding.line == line_of(bad, "# Where routing fails")
    assert finding.section == "Where routing fails"


def test_front_matter_title_counts_as_the_title() -> None:
    text = '---\ntitle: "Why small routers save money"\ndate: 2026-01-01\n---\n\n' + post(title="")
    assert fired(text, "title") == [] and fired(text, "skipped-heading-level") == []
    assert check(text) == []


def test_skipped_heading_level_is_an_error() -> None:
    bad = GOOD.replace("## How a router decides", "#### How a router decides")
    [finding] = fired(bad, "skipped-heading-level")
    assert finding.severity == "error"
    assert finding.line == line_of(bad, "#### How a router decides")
    assert "level 4 follows level 2" in finding.message
    assert fired(GOOD.replace("## How a router", "### How a router"), "skipped-heading-level") == []


def test_empty_section_is_an_error() -> None:
    bad = post(sections=[("## Costs", COST), ("## Empty one", ""), ("## Fails", FAILS),
                         ("## Conclusion", CONCLUSION)])  # fmt: skip
    [finding] = fired(bad, "empty-section")
    assert (finding.severity, finding.section) == ("error", "Empty one")
    # A parent whose text is all in its subsections is not empty.
    nested = post(sections=[("## Costs", ""), ("### Tokens", COST), ("### Time", FAILS),
                            ("## Conclusion", CONCLUSION)])  # fmt: skip
    assert fired(nested, "empty-section") == []


def test_duplicate_heading_and_duplicate_text_are_flagged() -> None:
    bad = GOOD.replace("## Where routing fails", "## How a router decides")
    [finding] = fired(bad, "duplicate-section")
    assert finding.severity == "warning" and "repeats line" in finding.message
    pasted = post(sections=[("## A", COST), ("## B", COST), ("## Conclusion", CONCLUSION)])
    [finding] = fired(pasted, "duplicate-section")
    assert finding.section == "B" and "same text" in finding.message


# Flow -------------------------------------------------------------------------------------------


def test_no_introduction() -> None:
    bad = post(intro="")
    [finding] = fired(bad, "introduction")
    assert (finding.severity, finding.line) == ("warning", 1)


def test_introduction_that_does_not_say_what_the_post_is_about() -> None:
    weather = (
        "It rained all week. I stayed in and made tea. The cat slept on the sofa and the"
        " radio played old songs. Then the sun came out on Friday."
    )
    bad = post(intro=weather)
    [finding] = fired(bad, "introduction")
    assert finding.line == line_of(bad, "It rained")
    # The subject named early, or a signpost, is enough.
    assert fired(post(intro="Routers are cheap. " + weather), "introduction") == []
    assert fired(post(intro="In this post I will show one trick. " + weather), "introduction") == []


def test_introduction_subject_past_150_words_is_late() -> None:
    filler = " ".join(["The weather was grey and the days were long."] * 20)
    bad = post(intro=filler + " Routers save money.")
    assert len(fired(bad, "introduction")) == 1


def test_missing_conclusion() -> None:
    bad = post(sections=[("## The cost of always going big", COST),
                         ("## How a router decides", DECIDES), ("## Where routing fails", FAILS)])  # fmt: skip
    [finding] = fired(bad, "conclusion")
    assert finding.line == line_of(bad, "## Where routing fails")
    # A closing paragraph that sums up also counts.
    ending = post(sections=[("## The cost of always going big", COST),
                            ("## Where routing fails", FAILS + "\n\nIn short, route by default.")])  # fmt: skip
    assert fired(ending, "conclusion") == []
    renamed = GOOD.replace("## Conclusion", "## Takeaways")
    assert fired(renamed, "conclusion") == []


def test_main_claim_found_early_in_the_good_post() -> None:
    claim = main_claim(parse(GOOD))
    assert claim is not None and claim.offset == 0 and claim.line == 3
    assert claim.sentence.startswith("This post argues")


def test_main_claim_stated_late() -> None:
    intro = "Routers are everywhere these days. Everyone has one. Let us look around."
    late = CONCLUSION + " I argue that a small router saves money on most prompts."
    bad = post(intro=intro, sections=[("## The cost of always going big", COST),
                                      ("## How a router decides", DECIDES),
                                      ("## Where routing fails", FAILS),
                                      ("## Conclusion", late)])  # fmt: skip
    [finding] = fired(bad, "main-claim")
    assert finding.line == line_of(bad, "I argue that")
    assert "after" in finding.message and finding.section == "Conclusion"


def test_main_claim_missing() -> None:
    flat = "The sky was blue. A bird sang in a tree. The grass was long and green. We sat there."
    bad = post(intro=flat, sections=[("## Part one", " ".join([flat] * 4)),
                                     ("## Part two", " ".join([flat] * 4))])  # fmt: skip
    [finding] = fired(bad, "main-claim")
    assert "No sentence" in finding.message


# Length -----------------------------------------------------------------------------------------


def test_section_balance_long_and_thin() -> None:
    long_body = "\n\n".join([COST] * 5)
    bad = post(sections=[("## The cost of always going big", long_body),
                         ("## How a router decides", DECIDES), ("## Where routing fails", FAILS),
                         ("## A thin one", "Too short here."), ("## Conclusion", CONCLUSION)])  # fmt: skip
    findings = fired(bad, "section-balance")
    assert [f.section for f in findings] == ["The cost of always going big", "A thin one"]
    assert "x the median" in findings[0].message
    # The conclusion is allowed to be short, and so is a last section (a sign-off).
    assert all(f.section != "Conclusion" for f in findings)
    signed_off = bad.replace("## Conclusion\n\n" + CONCLUSION, "## Join us\n\nSay hello.")
    assert [f.section for f in fired(signed_off, "section-balance")] == [
        "The cost of always going big",
        "A thin one",
    ]


def test_long_paragraph() -> None:
    long_para = " ".join(["Short plain words fill this line."] * 27)  # 162 words, short sentences
    bad = post(sections=[("## The cost of always going big", long_para),
                         ("## How a router decides", DECIDES), ("## Where routing fails", FAILS),
                         ("## Conclusion", CONCLUSION)])  # fmt: skip
    [finding] = fired(bad, "long-paragraph")
    assert "162 words" in finding.message
    assert fired(bad, "long-sentence") == []


def test_long_sentence_points_at_its_line() -> None:
    sentence = "This sentence " + " ".join(["goes on and on"] * 12) + " until it stops."
    bad = GOOD.replace(
        "The threshold is the only knob.", "The threshold is the only knob.\n" + sentence
    )
    [finding] = fired(bad, "long-sentence")
    assert finding.line == line_of(bad, "This sentence goes on")
    assert finding.section == "How a router decides"


def test_readability_grade_note_on_a_hard_section() -> None:
    hard = (
        "Computational considerations regarding probabilistic classification necessitate"
        " comprehensive experimentation across heterogeneous configurations. Organizational"
        " infrastructure requirements fundamentally complicate reproducibility evaluation"
        " methodologies considerably. Consequently, sophisticated characterization of"
        " generalization capabilities remains extraordinarily problematic. Additionally,"
        " institutional documentation practices systematically underrepresent operational"
        " variability."
    )
    bad = GOOD.replace(FAILS, FAILS + "\n\n" + hard)
    [finding] = fired(bad, "readability")
    assert (finding.severity, finding.section) == ("info", "Where routing fails")
    assert "grade" in finding.message
    grades = dict(rules_length.section_grades(parse(GOOD)))
    assert all(g is None or g < 12 for g in grades.values())


# Context ----------------------------------------------------------------------------------------


def test_bare_code_block() -> None:
    code = "```sh\naha draft check post.md\n```"
    bad = post(sections=[("## The cost of always going big", COST), ("## Run it", code),
                         ("## Where routing fails", FAILS), ("## Conclusion", CONCLUSION)])  # fmt: skip
    [finding] = fired(bad, "bare-code-block")
    assert finding.line == line_of(bad, "```sh")
    # The good post's code block has a sentence before it.
    assert fired(GOOD, "bare-code-block") == []


def test_bare_link_and_link_list() -> None:
    links = "[RouteLLM](https://example.com/a)"
    bad = post(sections=[("## The cost of always going big", COST), ("## Read more", links),
                         ("## Where routing fails", FAILS), ("## Conclusion", CONCLUSION)])  # fmt: skip
    [finding] = fired(bad, "bare-link")
    assert finding.line == line_of(bad, "[RouteLLM]")
    link_list = "- [One](https://a.example)\n- <https://b.example>\n- https://c.example"
    bad_list = bad.replace(links, link_list)
    [finding] = fired(bad_list, "bare-link")
    assert finding.message.startswith("A list of links")
    introduced = bad.replace(links, "The paper behind the numbers:\n\n" + links)
    assert fired(introduced, "bare-link") == []


# The whole ----------------------------------------------------------------------------------------


def test_findings_are_sorted_and_carry_section_and_suggestion() -> None:
    bad = post(title="", intro="")
    findings = check(bad)
    assert findings == sorted(findings, key=lambda f: f.line)
    assert all(f.suggestion and f.message for f in findings)
    assert {f.severity for f in findings} <= {"error", "warning", "info"}


def test_headings_in_code_are_not_structure() -> None:
    text = GOOD.replace('route = "deep"', '# Not a title\nroute = "deep"')
    assert check(text) == []


@pytest.mark.parametrize("text", ["", "\n\n", "just a line", "# Only a title\n"])
def test_tiny_texts_do_not_crash(text: str) -> None:
    check(text)


FRONT = '---\ntitle: "Why small routers save money"\ndate: 2026-01-01\n---\n\n'


def test_sections_under_a_front_matter_title_start_at_any_level() -> None:
    """A site prints the front matter's title as the page heading: `####` or `#` sections
    below it are the writer's choice, not a skipped level or a second title."""
    deep = FRONT + post(title="").replace("## ", "#### ")
    assert fired(deep, "skipped-heading-level") == [] and check(deep) == []
    top = FRONT + post(title="").replace("## ", "# ")
    assert fired(top, "title") == [] and check(top) == []
    # A real skip below the post's own top level is still one.
    skip = deep.replace("#### How a router decides", "###### How a router decides")
    [finding] = fired(skip, "skipped-heading-level")
    assert "level 6 follows level 4" in finding.message


def test_jekyll_highlight_blocks_are_code_not_headings() -> None:
    code = "{% highlight python linenos %}\n# a comment, not a heading\nx = 1\n{% endhighlight %}"
    text = GOOD.replace(
        "The threshold is the only knob.", code + "\n\nThe threshold is the only knob."
    )
    assert [s.title for s in parse(text).sections if "comment" in s.title] == []
    assert fired(text, "skipped-heading-level") == [] and fired(text, "empty-section") == []


def test_a_formula_counts_as_one_word() -> None:
    formula = "$" + " + ".join(f"x_{i}" for i in range(40)) + "$"
    text = GOOD.replace("The threshold is the only knob.", f"The loss is {formula} at the end.")
    assert fired(text, "long-sentence") == []


def test_the_same_heading_under_different_parents_is_a_pattern() -> None:
    survey = post(sections=[
        ("## The cost of always going big", COST), ("### Loss function", FAILS),
        ("## How a router decides", DECIDES), ("### Loss function", CONCLUSION),
        ("## Conclusion", CONCLUSION),
    ])  # fmt: skip
    assert [f.message for f in fired(survey, "duplicate-section") if "Heading" in f.message] == []
    siblings = survey.replace("## How a router decides", "### How a router decides")
    assert fired(siblings, "duplicate-section")  # two siblings with one name are a repeat


def test_back_matter_is_not_where_the_conclusion_is_looked_for() -> None:
    ending = post(sections=[("## The cost of always going big", COST),
                            ("## Where routing fails", FAILS + "\n\nIn short, route by default."),
                            ("## References", "1. A paper.")])  # fmt: skip
    assert fired(ending, "conclusion") == []
    bare = post(sections=[("## The cost of always going big", COST),
                          ("## Where routing fails", FAILS), ("## References", "1. A paper.")])  # fmt: skip
    [finding] = fired(bare, "conclusion")
    assert finding.severity == "info"  # advice, not a warning: many good surveys end on a topic


def test_a_long_section_already_cut_into_subsections_is_not_flagged() -> None:
    long_body = "\n\n".join([COST] * 5)
    split = post(sections=[("## The cost of always going big", "Costs, part by part."),
                           ("### Tokens", long_body), ("## How a router decides", DECIDES),
                           ("## Where routing fails", FAILS), ("## Conclusion", CONCLUSION)])  # fmt: skip
    assert [f for f in fired(split, "section-balance") if "x the median" in f.message] == []
