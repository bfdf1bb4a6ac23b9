"""Agreement across samples: the final result of an answer, extracted deterministically, and
how many samples share the most common one.

The result is the first of these found: a boxed answer (`\\boxed{42}`), an explicit "answer:
X" / "the answer is X", an option letter at the end ("(B)", "B."), yes or no, the last number,
else the last line when it is a short phrase (normalised: lower case, no punctuation). An
answer with none of these has no result and cannot agree or disagree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_BOXED = re.compile(r"\\boxed\{([^{}]{1,80})\}")
_STATED = re.compile(r"(?:final answer|the answer is|answer\s*:)\s*\**\s*([^\n.]{1,60})", re.I)
_OPTION = re.compile(r"(?:^|\s|\()([A-E])(?:\)|\.|\s*$)", re.M)
_YES_NO = re.compile(r"\b(yes|no)\b", re.I)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
SHORT_PHRASE = 40


def _number(text: str) -> str | None:
    found = _NUMBER.findall(text)
    if not found:
        return None
    value = found[-1].replace(",", "")
    return value.rstrip("0").rstrip(".") if "." in value else value


def _phrase(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s-]", " ", text.lower()).split())


def final_result(answer: str) -> str | None:
    text = (answer or "").strip()
    if not text:
        return None
    boxed = _BOXED.findall(text)
    if boxed:
        return _number(boxed[-1]) or _phrase(boxed[-1])
    stated = _STATED.findall(text)
    if stated:
        value = stated[-1].strip(" *`")
        option = re.fullmatch(r"\(?([A-E])\)?", value)
        return option.group(1) if option else (_number(value) or _phrase(value))
    last = text.splitlines()[-1].strip()
    option = _OPTION.findall(last)
    if option and len(last) <= SHORT_PHRASE:
        return option[-1]
    yes_no = _YES_NO.findall(last)
    if yes_no and len(last) <= SHORT_PHRASE:
        return yes_no[-1].lower()
    number = _number(text)
    if number is not None:
        return number
    if len(last) <= SHORT_PHRASE:
        return _phrase(last) or None
    return None


@dataclass(frozen=True, slots=True)
class Agreement:
    samples: int
    share: float  # of all samples, those that share the majority result
    result: str  # the majority result ("" when no sample had one)
    agreeing: int
    results: tuple[str | None, ...]

    def to_dict(self) -> dict[str, object]:
        """The contract `aha ask --samples N --json` prints (add fields, never rename)."""
        return {
            "samples": self.samples,
            "share": round(self.share, 4),
            "result": self.result,
            "agreeing": self.agreeing,
            "results": list(self.results),
        }

    @property
    def badge(self) -> str:
        return f"{self.agreeing}/{self.samples} agree"


def agreement(answers: Sequence[str]) -> Agreement:
    results = tuple(final_result(a) for a in answers)
    counted = Counter(r for r in results if r is not None)
    if not counted:
        return Agreement(len(answers), 0.0, "", 0, results)
    # Ties go to the earliest sample's result: the first answer is the one already shown.
    best = max(counted.values())
    result = next(r for r in results if r is not None and counted[r] == best)
    return Agreement(len(answers), best / len(answers), result, best, results)


def majority_index(agreed: Agreement) -> int:
    """The first sample with the majority result (0 when none has a result)."""
    for index, result in enumerate(agreed.results):
        if result == agreed.result and result is not None:
            return index
    return 0
