"""Beside the editor: the draft's outline (words per section) and the structure findings.

Both are lists; choosing an entry posts `JumpTo` with the 1-based line, and the screen moves
the editor's cursor there. The panel only shows what it is given: it never parses Markdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

SEVERITY_MARK = {"error": "✖", "warning": "▲", "info": "●"}
SEVERITY_STYLE = {"error": "$error", "warning": "$warning", "info": "$primary"}


def section_option(section: Any) -> Option:
    label = Text(no_wrap=True, overflow="ellipsis")
    label.append("  " * max(section.level - 1, 0))
    label.append(section.title or "(untitled)", style="bold" if section.level <= 2 else "")
    label.append(f" {section.words}w", style="dim")
    return Option(label, id=f"line-{section.line}")


def finding_option(finding: Any, index: int, styles: dict[str, str]) -> Option:
    label = Text()
    mark = SEVERITY_MARK.get(finding.severity, "●")
    label.append(f"{mark} L{finding.line} ", style=styles.get(finding.severity, ""))
    label.append(finding.message)
    if finding.section and finding.section not in finding.message:
        label.append(f" · § {finding.section}", style="dim")
    if finding.suggestion:
        label.append(f"\n  → {finding.suggestion}", style="dim")
    return Option(label, id=f"finding-{index}")


class OutlineList(OptionList):
    DEFAULT_CSS = "OutlineList { height: 1fr; border: none; background: $surface; }"


class FindingsList(OptionList):
    DEFAULT_CSS = "FindingsList { height: 1fr; border: none; background: $surface; }"


class DraftOutline(Vertical):
    """The outline above, the findings below; each has its own title with a count."""

    DEFAULT_CSS = """
    DraftOutline { height: 1fr; }
    DraftOutline > OptionList {
        border-top: solid $border-blurred;
        border-title-color: $text-muted;
    }
    DraftOutline > OptionList:focus { border-top: solid $border; }
    """

    class JumpTo(Message):
        """Move the editor's cursor to this 1-based line."""

        def __init__(self, line: int) -> None:
            super().__init__()
            self.line = line

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._sections: list[tuple[int, str, int, int]] = []
        self._findings: list[Any] = []
        self._finding_keys: list[tuple[str, int, str, str]] = []

    def compose(self) -> ComposeResult:
        yield OutlineList(id="outline")
        yield FindingsList(id="findings")

    def on_mount(self) -> None:
        self.show([], [])

    def show(
        self, sections: Sequence[Any], findings: Sequence[Any], words: int | None = None
    ) -> None:
        """Replace the lists, but only when something changed (the highlight stays put).
        `words`: the draft's count, as the status line and the drafts list show it (headings
        and text before the first one included); without it, the sections' sum."""
        outline = self.query_one(OutlineList)
        keys = [(s.level, s.title, s.line, s.words) for s in sections]
        if keys != self._sections or not outline.option_count:
            self._sections = keys
            highlighted = outline.highlighted
            outline.clear_options()
            outline.add_options(section_option(s) for s in sections)
            if not sections:
                outline.add_option(Option(Text("no headings yet", style="dim"), disabled=True))
            elif highlighted is not None:
                outline.highlighted = min(highlighted, len(sections) - 1)
        total = words if words is not None else sum(s.words for s in sections)
        outline.border_title = f"Outline · {len(sections)} sections · {total} words"
        self._show_findings(findings)

    def _show_findings(self, findings: Sequence[Any]) -> None:
        box = self.query_one(FindingsList)
        keys = [(f.rule, f.line, f.message, f.severity) for f in findings]
        if keys != self._finding_keys or not box.option_count:
            self._finding_keys = keys
            self._findings = list(findings)
            variables = self.app.theme_variables
            styles = {
                severity: variables.get(name.lstrip("$"), "")
                for severity, name in SEVERITY_STYLE.items()
            }
            highlighted = box.highlighted
            box.clear_options()
            box.add_options(finding_option(f, i, styles) for i, f in enumerate(findings))
            if not findings:
                box.add_option(Option(Text("no findings", style="dim"), disabled=True))
            elif highlighted is not None:
                box.highlighted = min(highlighted, len(findings) - 1)
        counts = {s: sum(f.severity == s for f in findings) for s in SEVERITY_MARK}
        summary = " ".join(f"{SEVERITY_MARK[s]}{n}" for s, n in counts.items() if n)
        box.border_title = f"Findings · {summary or 'none'}"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("line-"):
            self.post_message(self.JumpTo(int(option_id.removeprefix("line-"))))
        elif option_id.startswith("finding-"):
            finding = self._findings[int(option_id.removeprefix("finding-"))]
            self.post_message(self.JumpTo(finding.line))
