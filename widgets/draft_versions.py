"""A draft's versions (newest first) and a unified diff of one of them against the current text."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from storage.drafts_models import DraftVersion
from widgets.draft_list import moment


def version_diff(old: str, new: str, old_name: str, new_name: str = "current") -> list[str]:
    """The unified diff from `old` to `new`, as lines without their newlines."""
    return list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), fromfile=old_name, tofile=new_name, lineterm=""
        )
    )


def diff_text(lines: Sequence[str], added: str, removed: str, hunk: str) -> Text:
    """Diff lines coloured the usual way: + added, - removed, @@ hunk headers."""
    text = Text(no_wrap=False)
    for line in lines:
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = added
        elif line.startswith("-"):
            style = removed
        elif line.startswith("@@"):
            style = hunk
        else:
            style = ""
        text.append(line + "\n", style=style)
    return text


def version_label(version: DraftVersion, current_id: str | None) -> Text:
    label = Text(no_wrap=True, overflow="ellipsis")
    label.append(moment(version.created_at), style="bold")
    label.append(f" · {version.words}w", style="dim")
    if version.id == current_id:
        label.append(" · current", style="bold")
    label.append(f"\n{version.note}", style="dim")
    return label


class VersionList(OptionList):
    DEFAULT_CSS = """
    VersionList { width: 40; height: 1fr; border: none; background: $surface; }
    """

    def show_versions(self, versions: Sequence[DraftVersion], current_id: str | None) -> None:
        self.clear_options()
        self.add_options(Option(version_label(v, current_id), id=v.id) for v in versions)
        if versions:
            self.highlighted = 0


class DiffView(VerticalScroll):
    DEFAULT_CSS = """
    DiffView { width: 1fr; height: 1fr; padding: 0 1; background: $background; }
    DiffView > Static { width: 1fr; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("", id="diff", markup=False)

    def show_diff(self, version: DraftVersion, current: str) -> None:
        lines = version_diff(version.body, current, f"version {version.created_at}")
        variables = self.app.theme_variables
        if not lines:
            text = Text("This version is the same as the current text.", style="dim")
        else:
            text = diff_text(
                lines,
                added=variables.get("success", "green"),
                removed=variables.get("error", "red"),
                hunk=variables.get("primary", "cyan"),
            )
        self.query_one("#diff", Static).update(text)
        self.scroll_home(animate=False)
