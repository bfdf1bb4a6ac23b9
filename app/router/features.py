"""Hand-made difficulty features of a prompt.

Why hand-made: router v0 must run before any model is loaded, in well under a millisecond, with
the standard library only, and every number it produces must be explainable to the user in a few
words. Each feature is a float (mostly 0 for "absent", about 1 for "clearly present") paired with a
short phrase shown as a routing reason when that feature tips the decision.

All regexes are compiled at import time. Regex work is capped at ``SAMPLE_CHARS`` characters so a
1 MB paste costs the same as a 20 kB one; the length feature still reflects the whole text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.router import vocabulary as v

SAMPLE_CHARS = 20_000
"""Only this many leading characters are scanned by the regex features."""


@dataclass(frozen=True)
class Feature:
    """One feature value and the phrases that explain it (by sign of its contribution)."""

    name: str
    value: float
    phrase: str
    negative_phrase: str = ""

    def describe(self, contribution: float) -> str:
        """The phrase matching the direction this feature pushed the score."""
        if contribution < 0 and self.negative_phrase:
            return self.negative_phrase
        return self.phrase


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def extract(text: str) -> list[Feature]:
    """Compute every feature of ``text``; cheap enough to run on every keystroke."""
    sample = text[:SAMPLE_CHARS]
    low = sample.lower()
    n_sample = len(sample)

    sample_words = len(v.WORD.findall(low))
    if len(text) > n_sample and n_sample:
        # Scale the word count instead of scanning a huge paste: same order of magnitude, O(1).
        words = sample_words * (len(text) / n_sample)
    else:
        words = float(sample_words)

    # Length: 0 at ~31 words, -1.3 for one word, +1 at ~250 words, capped for huge pastes.
    length = _clamp((math.log2(1.0 + words) - 5.0) / 3.0, -1.5, 2.5)

    questions = len(v.QUESTION.findall(low))
    items = len(v.ITEM.findall(low))
    sequence = len(v.SEQUENCE.findall(low))
    lines = sum(1 for line in sample.splitlines() if line.strip())
    parts = max(questions, items, sequence + 1, 1 + min(lines, 40) // 5)
    multipart = _clamp((parts - 1) / 3.0, 0.0, 1.5)

    math_words = len(v.MATH_WORDS.findall(low))
    symbols = len(v.MATH_SYMBOLS.findall(low))
    density = symbols / max(n_sample, 1)
    latex = len(v.LATEX.findall(sample))
    math_value = _clamp(0.45 * math_words + min(0.5, 3.0 * density) + 0.3 * latex, 0.0, 1.5)

    code_words = len(v.CODE_WORDS.findall(low)) + len(v.SYMBOL_LANGUAGES.findall(low))
    code_symbols = len(v.CODE_SYMBOLS.findall(sample))
    fenced = 1.0 if v.CODE_FENCE.search(sample) else 0.0
    code_asks = len(v.CODE_ASK.findall(low))
    code = _clamp(
        0.35 * code_words
        + min(0.6, 10.0 * code_symbols / max(n_sample, 1))
        + 0.5 * fenced
        + 0.5 * min(code_asks, 2),
        0.0,
        1.5,
    )

    reasoning = _clamp(0.5 * len(v.REASONING.findall(low)), 0.0, 1.5)
    comparison = _clamp(0.6 * len(v.COMPARISON.findall(low)), 0.0, 1.2)
    critique = _clamp(0.45 * len(v.CRITIQUE.findall(low)), 0.0, 1.5)
    ml = _clamp(0.3 * len(v.ML.findall(low)), 0.0, 1.5)

    numbers = len(v.NUMBER.findall(low))
    quantity_asks = len(v.QUANTITY_ASK.findall(low))
    word_problem = (
        _clamp(0.25 * min(numbers, 6) + 0.3 * quantity_asks, 0.0, 1.5)
        if (numbers and quantity_asks)
        else 0.0
    )
    task = _clamp(0.8 * len(v.TASK_ASK.findall(low)), 0.0, 1.2)
    # Structure: a problem stated with many quantities, relations between them and constraints
    # takes many steps, whatever its field. Exam options are choices, not quantities.
    stem = v.MC_OPTION.sub("", low)
    distinct = len(set(v.NUMBER.findall(stem)))
    quantities = _clamp((distinct - 2) / 3.0, 0.0, 1.5)
    steps = _clamp(0.25 * len(v.RELATION.findall(stem)), 0.0, 1.5)
    constraints = _clamp(0.35 * len(v.CONSTRAINT.findall(stem)), 0.0, 1.2)
    exact_output = _clamp(0.35 * len(v.EXACT_FORMAT.findall(low)), 0.0, 1.2)
    open_ended = _clamp(0.5 * len(v.OPEN_ENDED.findall(low)), 0.0, 1.0)

    # Short-prompt markers only count when the prompt really is short, and "what is the area
    # of ...?" with numbers in it is a problem to solve, not a lookup.
    shortness = 1.0 if words <= 15 else 0.5 if words <= 30 else 0.0
    if word_problem or math_value >= 0.5 or code >= 0.5 or task:
        shortness = 0.0
    factual = shortness if v.FACTUAL_START.search(low) else 0.0
    casual = shortness if v.GREETING.search(low) else 0.0

    return [
        Feature("length", length, "long, detailed prompt", "very short prompt"),
        Feature("multipart", multipart, "multi-part request"),
        Feature("math", math_value, "math-heavy"),
        Feature("code", code, "asks for code"),
        Feature("reasoning", reasoning, "multi-step reasoning"),
        Feature("comparison", comparison, "comparison / trade-off"),
        Feature("critique", critique, "asks to critique a whole draft"),
        Feature("ml", ml, "ML research vocabulary"),
        Feature("word_problem", word_problem, "math word problem"),
        Feature("task", task, "asks for a proof, derivation, solution or plan"),
        Feature("quantities", quantities, "many quantities to combine"),
        Feature("steps", steps, "several relations between quantities"),
        Feature("constraints", constraints, "several constraints to satisfy"),
        Feature("exact_output", exact_output, "asks for exact structured output"),
        Feature("open_ended", open_ended, "open-ended writing or role-play"),
        Feature("short_factual", factual, "short factual question"),
        Feature("casual", casual, "casual chat"),
    ]
