"""Whether a prompt refers back to the turn before it, so it inherits that turn's difficulty.

"And why?", "continue", "fix it", "prove that step" mean nothing alone: they are as hard as the
question they follow. "Give me three tips for writing a clear blog introduction." after a proof
request is a new question and is routed on its own. A prompt refers back when it

- is a continuation cue ("continue", "go on", "more", "why?", "how so", "and then?"),
- asks to act on what came before ("fix it", "explain that", "simplify this", "try again"),
- names the earlier answer ("your answer", "the above", "the previous", "step 3", "the proof"),
- leans on a pronoun with no antecedent of its own (a short prompt opening with "it", "that",
  "this", "they"...) or carries on with a conjunction ("and why does step 2 hold?"), or
- quotes the previous answer (a `>` line, or a quoted passage of three words or more that the
  previous answer contains).

Deterministic and cheap (a few regular expressions): it runs on every prompt with a parent.
"""

from __future__ import annotations

import re

# A prompt this long that opens with a pronoun usually brings its own subject along with it.
SHORT_WORDS = 12

_CUE = re.compile(
    r"^\W*(?:and|but|so|ok(?:ay)?|then|now|great|thanks?)?[\s,]*"
    r"(?:continue|go on|keep going|more|elaborate|expand|why(?: not)?|how so|how come|"
    r"and then|then what|what else|what next|next|again|try again|say more|explain more|"
    r"tell me more|in more detail|go deeper|really|are you sure|is that right|example|"
    r"another one|one more|and\?)\W*$",
    re.IGNORECASE,
)
_ACT_ON = re.compile(
    r"\b(?:fix|explain|simplify|shorten|expand|rewrite|prove|justify|check|verify|correct|"
    r"improve|clarify|continue|finish|redo|refine|optimi[sz]e|translate|summari[sz]e|test|"
    r"debug|derive|elaborate on|unpack|break down)\s+(?:it|that|this|these|those|them)"
    # ...followed by the end or a little word, so "prove that the root of 2..." is new.
    r"(?=\s*(?:[.?!,;:]|$|again|please|up|out|for me|instead|too|step|part|proof|bit|one|code))",
    re.IGNORECASE,
)
_NAMES_EARLIER = re.compile(
    r"\b(?:your (?:answer|reply|response|code|proof|solution|derivation|explanation|list|plan|"
    r"last|previous|second|third|first|point)|the (?:above|previous|last) (?:answer|one|step|"
    r"part|code|proof|point|list)|the above|(?:in|from) step \d+|step \d+|you (?:said|wrote|"
    r"mentioned|suggested|claimed)|that (?:step|part|proof|answer|code|argument|idea|last bit))\b",
    re.IGNORECASE,
)
_OPENING_PRONOUN = re.compile(
    r"^\W*(?:and |but |so |then |ok(?:ay)?,? )?(?:it|that|this|these|those|they|them|he|she|"
    r"which one|what about it|why is (?:it|that|this)|is (?:it|that|this)|does (?:it|that|this)|"
    r"can (?:it|that|this)|what if (?:it|that|this|we))\b",
    re.IGNORECASE,
)
# "And why does the step hold?", "But what if n is odd?": a short prompt opening with a
# conjunction carries on the conversation.
_OPENING_CONJUNCTION = re.compile(r"^\W*(?:and|but|so|also|then)\b[\s,]+\w", re.IGNORECASE)
_QUOTED = re.compile(r"\"([^\"\n]{8,300})\"|“([^”\n]{8,300})”|'([^'\n]{12,300})'")
_SPACE = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def quotes_previous(prompt: str, previous: str) -> bool:
    """The prompt quotes the previous answer: a `>` line or a quoted passage it contains."""
    if not previous:
        return False
    answer = _normal(previous)
    passages = [m for groups in _QUOTED.findall(prompt) for m in groups if m]
    passages += [line.lstrip("> ").strip() for line in prompt.splitlines() if line.startswith(">")]
    return any(len(p.split()) >= 3 and _normal(p) in answer for p in passages)


def refers_back(prompt: str, previous: str = "") -> bool:
    """Whether `prompt` leans on the turn before it (whose answer is `previous`)."""
    text = prompt.strip()
    if not text:
        return False
    words = len(text.split())
    if _CUE.match(text):
        return True
    if _ACT_ON.search(text) or _NAMES_EARLIER.search(text):
        return True
    if words <= SHORT_WORDS and (_OPENING_PRONOUN.match(text) or _OPENING_CONJUNCTION.match(text)):
        return True
    return quotes_previous(text, previous)
