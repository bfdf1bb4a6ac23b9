"""Session management on the chat screen: rename, archive, delete, export, filter, show
archived. A controller the screen owns; the keys live on the SessionList, which posts
ActionRequested, and the screen's handler calls `SessionController.act`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Input

from app import paths
from app.ui.dialogs import ConfirmDialog, InputDialog

if TYPE_CHECKING:
    from app.ui.chat.screen import MainScreen


EXPORT_SUFFIXES = {".md": "md", ".markdown": "md", ".json": "json"}


def export_filename(title: str, session_id: str) -> str:
    """A file name a shell user would type: lower-case words joined by dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50].rstrip("-")
    return f"{slug or session_id[:12]}.md"


class SessionController:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.store = screen.ctx.store

    async def act(self, action: str, session_id: str | None) -> None:
        """rename / archive / delete / export a session, or filter / show_archived the list."""
        if action == "filter":
            self.screen.query_one("#session-filter", Input).focus()
            return
        if action == "show_archived":
            self.screen.show_archived = not self.screen.show_archived
            self.screen.refresh_sessions()
            self.screen.notify(
                "Showing archived sessions" if self.screen.show_archived else "Archived hidden"
            )
            return
        if session_id is None:
            return
        session = self.store.get_session(session_id)
        if session is None:
            return
        if action == "rename":
            self.screen.app.push_screen(
                InputDialog("Rename session", session.title),
                lambda title: self._rename(session_id, title),
            )
        elif action == "archive":
            if session.archived:
                self.store.unarchive_session(session_id)
                self.screen.notify(f"Unarchived: {session.title}")
            else:
                self.store.archive_session(session_id)
                self.screen.notify(f"Archived: {session.title} (A shows archived sessions)")
            self.screen.refresh_sessions()
        elif action == "export":
            self.screen.app.push_screen(
                InputDialog(
                    "Export to (.md: active branch as Markdown; .json: the whole tree)",
                    str(paths.exports_dir() / export_filename(session.title, session_id)),
                ),
                lambda target: self._export(session_id, target),
            )
        elif action == "delete":
            if session_id == self.screen.session_id and self.screen.busy():
                return
            self.screen.app.push_screen(
                ConfirmDialog(f"Delete “{session.title or 'untitled'}” and all its messages?"),
                lambda yes: self._delete(session_id, bool(yes)),
            )

    def _export(self, session_id: str, target: str | None) -> None:
        if not target or not target.strip():
            return
        path = Path(target.strip()).expanduser()
        fmt = EXPORT_SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            self.screen.notify("Export needs a .md or .json file name.", severity="warning")
            return
        session = self.store.get_session(session_id)
        if session is None:
            return
        from app.transfer.exporting import render_session

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_session(self.store, session, fmt), encoding="utf-8")
        except OSError as exc:
            self.screen.notify(f"Could not write {path}: {exc.strerror or exc}", severity="error")
            return
        self.screen.notify(f"Exported to {path}")

    def _rename(self, session_id: str, title: str | None) -> None:
        if title is not None and title.strip():
            self.store.rename_session(session_id, title.strip())
            self.screen.refresh_sessions()

    async def _delete(self, session_id: str, yes: bool) -> None:
        if not yes:
            return
        self.store.delete_session(session_id)
        if session_id == self.screen.session_id:
            await self.screen.action_new_session()
        self.screen.refresh_sessions()
        self.screen.notify("Session deleted")
