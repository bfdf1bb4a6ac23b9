"""The word lists and patterns behind the router's hand-made features (``features.py``).

Each pattern runs on lower-cased text (``CODE_SYMBOLS`` and ``LATEX`` on the original) and is
compiled once at import. They name kinds of request, not benchmark questions: a pattern earns its
place by describing prompts where a small model falls short of a big one (or does not).
"""

from __future__ import annotations

import re


def _words(*alternatives: str) -> re.Pattern[str]:
    """A case-sensitive (input is lower-cased once) word-bounded alternation."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


WORD = re.compile(r"\w+")
QUESTION = re.compile(r"\?")
ITEM = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-*\u2022]|\(?[a-h]\))[ \t]+", re.MULTILINE)
SEQUENCE = _words(
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

MATH_WORDS = _words(
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
MATH_SYMBOLS = re.compile(r"[0-9+\-*/^=<>\u2211\u222b\u221a\u03c0\u2264\u2265\u00b1]")
LATEX = re.compile(
    r"\\(?:frac|sum|int|sqrt|prod|lim|mathbb|mathcal|alpha|beta|theta|partial|cdot|leq|geq)|\$[^$\n]+\$"
)

CODE_WORDS = _words(
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
    r"recursion",
    r"recursive",
    r"arrays?",
    r"linked list",
    r"binary tree",
    r"nodes?",
    r"complexity",
    r"html",
    r"css",
    r"parallelize",
)
SYMBOL_LANGUAGES = re.compile(r"(?<![\w+#])(?:c\+\+|c#|f#)(?![\w+#])")
"""Languages whose names end in a symbol, which a word-bounded pattern never matches."""
CODE_ASK = re.compile(
    r"\b(?:write|implement|develop|create|build|code|fix|debug)\b[^.?!\n]{0,60}"
    r"\b(?:function|program|script|class|method|query|algorithm|website|web page|app|api|bug)\b"
    r"|\bo\([^)]{1,12}\)"
)
"""Asks for code to be written or fixed (or names a complexity bound): the
clearest case for the big model."""
CODE_SYMBOLS = re.compile(r"`|[{};]|=>|->|::|\(\)")
CODE_FENCE = re.compile(r"```")

REASONING = _words(
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
    r"puzzles?",
    r"riddles?",
    r"deduce",
    r"infer",
    r"logic(?:al)?",
    r"true, false,? or uncertain",
    r"how do you solve",
)
COMPARISON = _words(
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
CRITIQUE = _words(
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
ML = _words(
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
# A sentence that demands a proof, a derivation, a solution or a plan (not one that only
# mentions the words): a chain of steps the small model cannot check. Code requests are
# CODE_ASK's.
TASK_ASK = re.compile(
    r"(?:^|[.!?:;]\s+|\n)\s*(?:(?:please|now|then|can you|could you|would you)\s+)?"
    r"(?:prove|show that|derive|demonstrate that|solve|find all|determine whether|"
    r"work out|design (?:an?|the) (?:\w+ ){0,3}(?:algorithm|experiment|system|study|schema)|"
    r"(?:propose|outline|draft|lay out) (?:an?|the) (?:\w+ ){0,3}(?:plan|experiment|"
    r"ablation|study|strategy))\b"
)

FACTUAL_START = re.compile(
    r"^\s*(?:what(?:'s| is| are| was| were)|who|whom|when|where|which|define|definition of|"
    r"how many|how much|how old|how tall|how far|name the|list the|capital of|meaning of|"
    r"translate|spell|is it true)\b"
)
GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|hiya|yo|thanks|thank you|thx|ty|good (?:morning|afternoon|evening|night)|"
    r"how are you|what's up|sup|ok|okay|cool|nice|great|lol|bye|cheers)\b"
)

# A number in running text ("25 people", "$8000", "58%", "3.5"); digits inside words don't count.
NUMBER = re.compile(r"(?<![\w.])\$?\d+(?:[.,]\d+)?%?(?![\w])")
QUANTITY_ASK = _words(
    r"how many",
    r"how much",
    r"how long",
    r"how far",
    r"what(?:'s| is| was| are) the (?:total|probability|value|area|sum|average|remainder|number|"
    r"ratio|percentage|difference|cost|price|speed|volume|perimeter|length)",
    r"find (?:the )?(?:value|x|y|n|all)",
    r"express",
    r"probability",
    r"remainder",
    r"percent(?:age)?",
    r"at least",
    r"at most",
    r"in total",
    r"solve",
    r"calculate",
    r"compute",
)
"""A question whose answer is a number: with numbers in the prompt, a word problem."""
# Structure of a problem (how many steps it takes, not which field it is from): each relation
# between quantities ("twice as many", "the rest", "per hour") is one step of arithmetic, and
# each constraint ("at least", "no more than", "must not") is one more condition to check.
RELATION = _words(
    r"twice",
    r"thrice",
    r"half",
    r"double[sd]?",
    r"triple[sd]?",
    r"a (?:third|quarter|fifth)",
    r"\d+ times (?:as|more|less|the)",
    r"(?:more|less|fewer|older|younger|longer|shorter|faster|slower) than",
    r"each",
    r"per",
    r"every",
    r"remaining",
    r"the rest",
    r"left (?:over|with)",
    r"altogether",
    r"combined",
    r"in all",
    r"difference",
    r"ratio",
    r"average",
    r"discount",
    r"profit",
    r"interest",
    r"rate",
)
CONSTRAINT = _words(
    r"at least",
    r"at most",
    r"no (?:more|less|fewer) than",
    r"not (?:exceed|more than|less than)",
    r"exactly",
    r"must(?: not)?",
    r"cannot",
    r"without",
    r"such that",
    r"subject to",
    r"only if",
    r"provided that",
    r"given that",
    r"assuming",
    r"unless",
    r"constraints?",
    r"none of",
    r"neither",
)
MC_OPTION = re.compile(r"^[ \t]*\(?[A-Ha-h][.)][ \t].*$", re.MULTILINE)
"""The answer options of an exam question: their numbers are choices, not quantities."""

EXACT_FORMAT = _words(
    r"json",
    r"yaml",
    r"csv",
    r"xml",
    r"table",
    r"in the format",
    r"output format",
    r"format of",
    r"extract",
    r"identify",
    r"classify",
    r"categori[sz]e",
    r"assign",
    r"count",
    r"sort",
    r"rank",
    r"parse",
    r"return the results?",
    r"one per line",
)
"""Asks for an exact, checkable output (extraction, a fixed format): small models slip on it."""
OPEN_ENDED = _words(
    r"compose",
    r"craft",
    r"pretend",
    r"persona",
    r"role of",
    r"roleplay",
    r"role-play",
    r"act as",
    r"imagine yourself",
    r"picture yourself",
    r"suppose you are",
    r"you are an? \w+",
    r"speak like",
    r"in the style of",
    r"write an? (?:\w+ ){0,3}(?:story|poem|limerick|haiku|song|letter|email|speech|tweet|"
    r"paragraph|blog post|essay|headline|slogan|pitch|script|dialogue|toast|description)",
    r"describe an? (?:vivid|unique|memorable|fictional|\w+ character)",
    r"persuasive",
    r"catchy",
    r"captivating",
    r"engaging",
    r"vivid",
    r"creative",
    r"fictional",
)
"""Open-ended writing and role-play: many answers are good, and judges rate a small model's prose
close to a big one's; where it pays, it is the critique of a draft, which has its own rule."""
