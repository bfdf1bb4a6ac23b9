"""The drafts' entries in the command palette (ctrl+p)."""

from __future__ import annotations

from collections.abc import Iterator

from textual.app import SystemCommand
from textual.screen import Screen

from app.ui.drafts_screen import DraftsScreen
from app.ui.main_screen import MainScreen

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


def drafts_commands(screen: Screen[object]) -> Iterator[SystemCommand]:
    if isinstance(screen, MainScreen):
        app = screen.app
        yield SystemCommand(
            "Drafts",
            "Write blog posts with a live outline and structure critique (ctrl+d)",
            app.action_open_drafts,  # type: ignore[attr-defined]
        )
    elif isinstance(screen, DraftsScreen):
        for action, title, help_text in DRAFT_COMMANDS:
            yield SystemCommand(title, help_text, getattr(screen, f"action_{action}"))
        yield SystemCommand(
            "Back to conversations", "Leave the drafts (ctrl+d)", screen.app.pop_screen
        )
