"""Session management on the main screen: rename, archive, delete, filter, show archived.

A mixin of MainScreen; the keys live on the SessionList, which posts ActionRequested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Input

from app.ui.dialogs import ConfirmDialog, InputDialog
from widgets.session_list import SessionList

if TYPE_CHECKING:
    from app.ui.host import ScreenHost as _Base
else:
    _Base = object


class SessionActions(_Base):
    async def on_session_list_action_requested(self, event: SessionList.ActionRequested) -> None:
        action, session_id = event.action, event.session_id
        if action == "filter":
            self.query_one("#session-filter", Input).focus()
            return
        if action == "show_archived":
            self.show_archived = not self.show_archived
            self.refresh_sessions()
            self.notify("Showing archived sessions" if self.show_archived else "Archived hidden")
            return
        if session_id is None:
            return
        session = self.store.get_session(session_id)
        if session is None:
            return
        if action == "rename":
            self.app.push_screen(
                InputDialog("Rename session", session.title),
                lambda title: self._rename(session_id, title),
            )
        elif action == "archive":
            if session.archived:
                self.store.unarchive_session(session_id)
                self.notify(f"Unarchived: {session.title}")
            else:
                self.store.archive_session(session_id)
                self.notify(f"Archived: {session.title} (A shows archived sessions)")
            self.refresh_sessions()
        elif action == "delete":
            if session_id == self.session_id and self._busy():
                return
            self.app.push_screen(
                ConfirmDialog(f"Delete “{session.title or 'untitled'}” and all its messages?"),
                lambda yes: self._delete(session_id, bool(yes)),
            )

    def _rename(self, session_id: str, title: str | None) -> None:
        if title is not None and title.strip():
            self.store.rename_session(session_id, title.strip())
            self.refresh_sessions()

    async def _delete(self, session_id: str, yes: bool) -> None:
        if not yes:
            return
        self.store.delete_session(session_id)
        if session_id == self.session_id:
            await self.action_new_session()
        self.refresh_sessions()
        self.notify("Session deleted")
