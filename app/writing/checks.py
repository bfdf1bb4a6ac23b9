"""The deterministic structure checks: instant, offline, the same answer every time.

`check(text)` runs every rule over one parse of the text. Rules live in one module per group
(rules_structure, rules_flow, rules_length, rules_context); each is a function from the parsed
document to findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from app.writing import rules_context, rules_flow, rules_length, rules_structure
from app.writing.document import Document, parse
from app.writing.findings import SEVERITY_ORDER, Finding, Severity

__all__ = ["RULES", "Finding", "Severity", "check", "rule_names"]

Rule = Callable[[Document], Iterable[Finding]]
RULES: tuple[Rule, ...] = (
    *rules_structure.RULES,
    *rules_flow.RULES,
    *rules_length.RULES,
    *rules_context.RULES,
)


def check(text: str) -> list[Finding]:
    """Every finding for the Markdown `text`, by line, then severity (errors first)."""
    doc = parse(text)
    found = [finding for rule in RULES for finding in rule(doc)]
    return sorted(found, key=lambda f: (f.line, SEVERITY_ORDER[f.severity], f.rule))


def rule_names() -> list[str]:
    """The rule names findings can carry (for help text and filters)."""
    return [
        "title",
        "skipped-heading-level",
        "empty-section",
        "duplicate-section",
        "introduction",
        "conclusion",
        "main-claim",
        "section-balance",
        "long-paragraph",
        "long-sentence",
        "readability",
        "bare-code-block",
        "bare-link",
    ]
