"""What a check reports: one problem at one place, with a one-line way to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from app.writing.document import Document

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str  # a stable kebab-case name, e.g. "skipped-heading-level"
    severity: Severity  # error: broken structure; warning: worth fixing; info: a note
    line: int  # 1-based line the finding points at
    section: str  # title of the section holding `line`; "" above the first heading
    message: str
    suggestion: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def at(
    doc: Document, rule: str, severity: Severity, line: int, message: str, suggestion: str
) -> Finding:
    """A finding at `line`, named after the section that holds it."""
    return Finding(rule, severity, line, doc.section_title_at(line), message, suggestion)
