"""The drafts screen: blog drafts with versions, a live outline, findings and critique."""

from app.ui.drafts.commands import draft_commands
from app.ui.drafts.screen import DraftsScreen
from app.ui.drafts.to_draft import answer_to_draft

__all__ = ["DraftsScreen", "answer_to_draft", "draft_commands"]
