"""The cascade: cheap checks that mark a finished answer as weak, so a fast answer can be
asked again on the deep route (`router.escalate` in the config: "ask", "auto" or "never").

Pure and standard library only. Each check is a heuristic that must stay quiet on ordinary
good answers; a reason is a few readable words, shown on the answer's status line and kept in
its `route_note` as "weak: repeats itself, cut at the token limit" (so it survives restarts).
"""

from __future__ import annotations

import re
from collections import Counter

EMPTY = "empty answer"
REPEATS = "repeats itself"
CUT = "cut at the token limit"
DECLINED = "declined to answer"
UNSURE = "says it is unsure"

WEAK_PREFIX = "weak: "
NOTE_SEPARATOR = " · "

# Repetition: judged over the last TAIL_WORDS words, once there are at least MIN_WORDS.
MIN_WORDS = 24
TAIL_WORDS = 200
MIN_DISTINCT_RATIO = 0.15  # prose is around 0.5-0.7 over 200 words, a templated list 0.2
NGRAM = 4
NGRAM_SHARE = 0.5  # one 4-gram repeated so often that its copies cover half the tail
MIN_LINE_REPEATS = 4  # the same line (3+ words) four times, and a third of all lines
LINE_SHARE = 1 / 3
# Without a finish reason, an answer this close to max_tokens (about 4 characters a token)
# was probably cut.
CHARS_PER_TOKEN = 4
NEAR_LIMIT = 0.95

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_LEAD = re.compile(r"^[\s#>*_`\-\"'“]+")
_REFUSAL = re.compile(
    r"^(?:(?:i['’]?m |i am )?sorry,? (?:but )?)?"
    r"(?:as an ai\b"
    r"|(?:i (?:can['’]?t|cannot|can not|won['’]?t|will not|am unable to|am not able to)"
    r"|i['’]m (?:unable to|not able to))"
    r"\s+(?:help|assist|answer|provide|do|comply|fulfil|fulfill|support|share|give|write"
    r"|create|generate|discuss|engage|respond|complete|offer|talk))",
    re.IGNORECASE,
)
_UNSURE = re.compile(
    r"\bi(?:['’]m| am) (?:not (?:sure|certain|confident)|unsure|uncertain)\b"
    r"|\bi (?:don['’]?t|do not) (?:really )?know\b"
    r"|\bi have no idea\b"
    r"|\bi(?:['’]m| am) not (?:entirely|completely|totally|100%) (?:sure|certain)\b",
    re.IGNORECASE,
)
# Where a hedge counts: the opening and the closing of the answer, not a passing clause.
UNSURE_WINDOW = 300


def weak_reasons(text: str, finish_reason: str | None, max_tokens: int | None) -> list[str]:
    """Why `text` (a finished answer) looks weak; an empty list when it looks fine."""
    reasons: list[str] = []
    stripped = text.strip()
    if not stripped:
        reasons.append(EMPTY)
    elif _repeats(stripped):
        reasons.append(REPEATS)
    if _cut(stripped, finish_reason, max_tokens):
        reasons.append(CUT)
    if stripped and _declined(stripped):
        reasons.append(DECLINED)
    elif stripped and _unsure(stripped):
        reasons.append(UNSURE)
    return reasons


def _cut(text: str, finish_reason: str | None, max_tokens: int | None) -> bool:
    if finish_reason is not None:
        return finish_reason == "length"
    return bool(max_tokens) and len(text) / CHARS_PER_TOKEN >= NEAR_LIMIT * (max_tokens or 0)


def _repeats(text: str) -> bool:
    lines = [" ".join(line.split()).lower() for line in text.splitlines()]
    lines = [line for line in lines if len(_WORD.findall(line)) >= 3]
    if lines:
        line, count = Counter(lines).most_common(1)[0]
        if count >= MIN_LINE_REPEATS and count >= LINE_SHARE * len(lines):
            return True
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return False
    tail = words[-TAIL_WORDS:]
    if len(set(tail)) / len(tail) < MIN_DISTINCT_RATIO:
        return True
    grams = Counter(tuple(tail[i : i + NGRAM]) for i in range(len(tail) - NGRAM + 1))
    _, top = grams.most_common(1)[0]
    return top * NGRAM >= NGRAM_SHARE * len(tail)


def _declined(text: str) -> bool:
    return bool(_REFUSAL.match(_LEAD.sub("", text)))


def _unsure(text: str) -> bool:
    head, tail = text[:UNSURE_WINDOW], text[-UNSURE_WINDOW:]
    return bool(_UNSURE.search(head) or _UNSURE.search(tail))


# The reasons in a route note -----------------------------------------------------------------


def with_weak_note(note: str | None, reasons: list[str]) -> str | None:
    """`note` with "weak: a, b" appended (or replacing an earlier weak part)."""
    rest, _ = split_weak_note(note)
    if not reasons:
        return rest
    weak = WEAK_PREFIX + ", ".join(reasons)
    return NOTE_SEPARATOR.join(n for n in (rest, weak) if n)


def split_weak_note(note: str | None) -> tuple[str | None, list[str]]:
    """(the note without its weak part, the weak reasons it lists)."""
    if not note:
        return note, []
    rest: list[str] = []
    reasons: list[str] = []
    for part in note.split(NOTE_SEPARATOR):
        if part.startswith(WEAK_PREFIX):
            reasons.extend(r.strip() for r in part[len(WEAK_PREFIX) :].split(",") if r.strip())
        else:
            rest.append(part)
    return (NOTE_SEPARATOR.join(rest) or None), reasons
