"""The drafts screen's entries in the command palette (ctrl+p)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from app.ui.drafts.screen import DraftsScreen

DRAFT_COMMANDS = (
    ("critique", "Critique structure", "Ask the model (deep route) to critique the draft (ctrl+r)"),
    (
        "apply_outline",
        "Apply proposed outline",
        "Reorder sections as the critique proposes (ctrl+t)",
    ),
    ("versions", "Draft versions", "Every saved version, a diff against now, restore (ctrl+g)"),
    ("export", "Export draft", "Write the draft as Markdown with front matter (ctrl+s)"),
    ("external_editor", "Edit draft in $EDITOR", "Hand the draft to your editor and back (F2)"),
    ("discuss", "Discuss draft", "A new conversation with the draft as context (ctrl+l)"),
    ("new_draft", "New draft", "Start an empty draft (ctrl+n)"),
)


def draft_commands(screen: DraftsScreen) -> Iterator[SystemCommand]:
    for action, title, help_text in DRAFT_COMMANDS:
        yield SystemCommand(title, help_text, getattr(screen, f"action_{action}"))
