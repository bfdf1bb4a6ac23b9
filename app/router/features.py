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
import re
from dataclasses import dataclass

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


def _words(*alternatives: str) -> re.Pattern[str]:
    """A case-sensitive (input is lower-cased once) word-bounded alternation."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_WORD = re.compile(r"\w+")
_QUESTION = re.compile(r"\?")
_ITEM = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-*\u2022]|\(?[a-h]\))[ \t]+", re.MULTILINE)
_SEQUENCE = _words(
    "then",
    "also",
    "additionally",
    "finally",
    "afterwards",
    "next",
    "secondly",
    "furthermore",
    "as well as",
    "in addition",
)

_MATH_WORDS = _words(
    r"prove",
    r"proof",
    r"derive",
    r"derivation",
    r"integral",
    r"integrate",
    r"equations?",
    r"theorem",
    r"lemma",
    r"derivative",
    r"differentiate",
    r"matrix",
    r"matrices",
    r"eigen\w*",
    r"polynomial",
    r"probability",
    r"expected value",
    r"variance",
    r"solve",
    r"calculate",
    r"compute",
    r"sum of",
    r"limit of",
    r"converge\w*",
    r"inequality",
    r"logarithm",
    r"modulo",
    r"prime",
    r"factorial",
    r"vector",
    r"series",
    r"bound",
)
_MATH_SYMBOLS = re.compile(r"[0-9+\-*/^=<>\u2211\u222b\u221a\u03c0\u2264\u2265\u00b1]")
_LATEX = re.compile(
    r"\\(?:frac|sum|int|sqrt|prod|lim|mathbb|mathcal|alpha|beta|theta|partial|cdot|leq|geq)|\$[^$\n]+\$"
)

_CODE_WORDS = _words(
    r"def",
    r"class",
    r"function",
    r"functions",
    r"method",
    r"sql",
    r"regex",
    r"regexp",
    r"import",
    r"return",
    r"lambda",
    r"async",
    r"await",
    r"api",
    r"bug",
    r"traceback",
    r"stack trace",
    r"exception",
    r"compile",
    r"compiler",
    r"python",
    r"javascript",
    r"typescript",
    r"rust",
    r"c\+\+",
    r"java",
    r"bash",
    r"script",
    r"algorithm",
    r"refactor",
    r"unit tests?",
    r"select",
    r"join",
    r"query",
    r"implement",
    r"code",
    r"program",
    r"write an? (?:\w+ )?(?:function|script|program|class|query)",
)
_CODE_SYMBOLS = re.compile(r"`|[{};]|=>|->|::|\(\)")
_CODE_FENCE = re.compile(r"```")

_REASONING = _words(
    r"why",
    r"explain",
    r"step[- ]by[- ]step",
    r"derive",
    r"prove",
    r"design",
    r"analy[sz]e",
    r"analysis",
    r"evaluate",
    r"justify",
    r"reason(?:ing)?",
    r"how would",
    r"what would happen",
    r"implications?",
    r"hypothes[ie]s",
    r"propose",
    r"plan",
    r"strategy",
    r"strategies",
    r"diagnose",
    r"figure out",
    r"think through",
    r"in depth",
    r"rigorous\w*",
)
_COMPARISON = _words(
    r"compare",
    r"comparing",
    r"comparison",
    r"versus",
    r"vs\.?",
    r"trade[- ]?offs?",
    r"pros and cons",
    r"better than",
    r"worse than",
    r"difference between",
    r"which is better",
    r"advantages",
    r"disadvantages",
    r"contrast",
)
_CRITIQUE = _words(
    r"critique",
    r"criticize",
    r"criticise",
    r"review my",
    r"feedback on",
    r"restructure",
    r"outline",
    r"blog post",
    r"draft",
    r"essay",
    r"structure",
    r"rewrite",
    r"edit my",
    r"improve (?:my|this) (?:draft|essay|post|writing|text|paragraph)",
    r"flow",
    r"argument",
    r"thesis",
)
_ML = _words(
    r"gradients?",
    r"transformers?",
    r"loss",
    r"overfit\w*",
    r"underfit\w*",
    r"ablations?",
    r"hyper-?parameters?",
    r"datasets?",
    r"benchmarks?",
    r"fine-?tun\w*",
    r"embeddings?",
    r"attention",
    r"baselines?",
    r"regulari[sz]ation",
    r"learning rate",
    r"batch size",
    r"epochs?",
    r"validation",
    r"generali[sz]ation",
    r"llms?",
    r"neural",
    r"training",
    r"inference",
    r"checkpoints?",
    r"tokeni[sz]\w*",
    r"optimi[sz]er",
    r"adam",
    r"sgd",
    r"backprop\w*",
    r"convergence",
    r"distillation",
    r"reward model",
    r"rlhf",
    r"dropout",
    r"scaling laws?",
    r"experiments?",
    r"metrics?",
    r"classifier",
    r"pretrain\w*",
)
_FACTUAL_START = re.compile(
    r"^\s*(?:what(?:'s| is| are| was| were)|who|whom|when|where|which|define|definition of|"
    r"how many|how much|how old|how tall|how far|name the|list the|capital of|meaning of|"
    r"translate|spell|is it true)\b"
)
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|hiya|yo|thanks|thank you|thx|ty|good (?:morning|afternoon|evening|night)|"
    r"how are you|what's up|sup|ok|okay|cool|nice|great|lol|bye|cheers)\b"
)


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def extract(text: str) -> list[Feature]:
    """Compute every feature of ``text``; cheap enough to run on every keystroke."""
    sample = text[:SAMPLE_CHARS]
    low = sample.lower()
    n_sample = len(sample)

    sample_words = len(_WORD.findall(low))
    if len(text) > n_sample and n_sample:
        # Scale the word count instead of scanning a huge paste: same order of magnitude, O(1).
        words = sample_words * (len(text) / n_sample)
    else:
        words = float(sample_words)

    # Length: 0 at ~31 words, -1.3 for one word, +1 at ~250 words, capped for huge pastes.
    length = _clamp((math.log2(1.0 + words) - 5.0) / 3.0, -1.5, 2.5)

    questions = len(_QUESTION.findall(low))
    items = len(_ITEM.findall(low))
    sequence = len(_SEQUENCE.findall(low))
    lines = sum(1 for line in sample.splitlines() if line.strip())
    parts = max(questions, items, sequence + 1, 1 + min(lines, 40) // 5)
    multipart = _clamp((parts - 1) / 3.0, 0.0, 1.5)

    math_words = len(_MATH_WORDS.findall(low))
    symbols = len(_MATH_SYMBOLS.findall(low))
    density = symbols / max(n_sample, 1)
    latex = len(_LATEX.findall(sample))
    math_value = _clamp(0.45 * math_words + min(0.5, 3.0 * density) + 0.3 * latex, 0.0, 1.5)

    code_words = len(_CODE_WORDS.findall(low))
    code_symbols = len(_CODE_SYMBOLS.findall(sample))
    fenced = 1.0 if _CODE_FENCE.search(sample) else 0.0
    code = _clamp(
        0.35 * code_words + min(0.6, 10.0 * code_symbols / max(n_sample, 1)) + 0.5 * fenced,
        0.0,
        1.5,
    )

    reasoning = _clamp(0.5 * len(_REASONING.findall(low)), 0.0, 1.5)
    comparison = _clamp(0.6 * len(_COMPARISON.findall(low)), 0.0, 1.2)
    critique = _clamp(0.45 * len(_CRITIQUE.findall(low)), 0.0, 1.5)
    ml = _clamp(0.3 * len(_ML.findall(low)), 0.0, 1.5)

    # Short-prompt markers only count when the prompt really is short.
    shortness = 1.0 if words <= 15 else 0.5 if words <= 30 else 0.0
    factual = shortness if _FACTUAL_START.search(low) else 0.0
    casual = shortness if _GREETING.search(low) else 0.0

    return [
        Feature("length", length, "long, detailed prompt", "very short prompt"),
        Feature("multipart", multipart, "multi-part request"),
        Feature("math", math_value, "math-heavy"),
        Feature("code", code, "asks for code"),
        Feature("reasoning", reasoning, "multi-step reasoning"),
        Feature("comparison", comparison, "comparison / trade-off"),
        Feature("critique", critique, "asks to critique a whole draft"),
        Feature("ml", ml, "ML research vocabulary"),
        Feature("short_factual", factual, "short factual question"),
        Feature("casual", casual, "casual chat"),
    ]
