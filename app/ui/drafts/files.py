"""Versions, export and $EDITOR: a controller the drafts screen owns, and the versions dialog.

A restore, an edit made in $EDITOR and an applied outline are all new versions: history only
grows, so whatever text they replace stays one step back.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList

from app import paths
from app.ui.dialogs import InputDialog
from storage.drafts_models import DraftVersion
from widgets.draft_versions import DiffView, VersionList

if TYPE_CHECKING:
    from app.ui.drafts.screen import DraftsScreen


def draft_slug(title: str, draft_id: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")
    return slug or f"draft-{draft_id[:8]}"


class VersionsScreen(ModalScreen[str | None]):
    """A draft's versions, newest first, and the diff of the highlighted one against the
    current text; Enter or r restores it (returns its id), Escape closes."""

    DEFAULT_CSS = """
    VersionsScreen { align: center middle; background: $background 60%; }
    VersionsScreen > Vertical {
        width: 95%; height: 90%; border: thick $primary; background: $surface;
    }
    VersionsScreen Horizontal { height: 1fr; }
    VersionsScreen .hint { color: $text-muted; height: 1; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="versions.close"),
        Binding("r", "restore", "Restore", id="versions.restore"),
    ]

    def __init__(
        self, title: str, versions: list[DraftVersion], current: str, current_id: str | None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.versions = versions
        self.current = current
        self.current_id = current_id

    def compose(self) -> ComposeResult:
        with Vertical():
            count = len(self.versions)
            yield Label(
                f" {self.title_text} · {count} version{'s' if count != 1 else ''}",
                classes="hint",
            )
            with Horizontal():
                yield VersionList(id="versions")
                yield DiffView(id="version-diff")
            yield Label(
                "↑↓ choose · diff: - that version, + now · Enter/r restore · Esc close",
                classes="hint",
            )

    def on_mount(self) -> None:
        versions = self.query_one(VersionList)
        versions.show_versions(self.versions, self.current_id)
        versions.focus()
        if self.versions:
            self.query_one(DiffView).show_diff(self.versions[0], self.current)

    @on(OptionList.OptionHighlighted, "#versions")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        version = self._version(event.option.id)
        if version is not None:
            self.query_one(DiffView).show_diff(version, self.current)

    @on(OptionList.OptionSelected, "#versions")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def _version(self, version_id: str | None) -> DraftVersion | None:
        return next((v for v in self.versions if v.id == version_id), None)

    def action_restore(self) -> None:
        versions = self.query_one(VersionList)
        if versions.highlighted is not None:
            self.dismiss(versions.get_option_at_index(versions.highlighted).id)

    def action_close(self) -> None:
        self.dismiss(None)


class DraftFiles:
    def __init__(self, screen: DraftsScreen) -> None:
        self.screen = screen
        self.store = screen.ctx.store

    # Versions ---------------------------------------------------------------------------------

    def versions(self) -> None:
        self.screen.save_now()
        if self.screen.draft_id is None:
            self.screen.notify("Nothing saved yet: versions appear as you write.")
            return
        draft = self.store.get_draft(self.screen.draft_id)
        if draft is None:
            return
        versions = self.store.list_versions(draft.id)
        self.screen.app.push_screen(
            VersionsScreen(
                draft.title or "this draft", versions, draft.body, draft.current_version_id
            ),
            self._restore,
        )

    def _restore(self, version_id: str | None) -> None:
        if version_id is None or self.screen.draft_id is None:
            return
        self.screen.save_now()  # what is on screen now stays one step back
        try:
            version = self.store.restore_version(self.screen.draft_id, version_id)
        except KeyError as exc:
            self.screen.notify(f"Could not restore: {exc}", severity="error")
            return
        self.screen.show_saved_text(version.body)
        self.screen.notify(f"Restored as a new version ({version.note}).")

    # Export -----------------------------------------------------------------------------------

    def export(self) -> None:
        self.screen.save_now()
        draft = self.store.get_draft(self.screen.draft_id) if self.screen.draft_id else None
        if draft is None:
            self.screen.notify("Nothing to export yet: write something first.", severity="warning")
            return
        default = str(paths.exports_dir() / f"{draft_slug(draft.title, draft.id)}.md")
        self.screen.app.push_screen(
            InputDialog("Export the draft as Markdown with front matter to:", default),
            self._export_to,
        )

    def _export_to(self, path_text: str | None) -> None:
        from app.writing.export import draft_markdown

        if not path_text or not path_text.strip() or self.screen.draft_id is None:
            return
        draft = self.store.get_draft(self.screen.draft_id)
        if draft is None:
            return
        path = Path(path_text.strip()).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(draft_markdown(draft), encoding="utf-8")
        except OSError as exc:
            self.screen.notify(f"Could not write {path}: {exc.strerror or exc}", severity="error")
            return
        self.screen.notify(f"Exported to {path}", title="Draft exported")

    # $EDITOR ----------------------------------------------------------------------------------

    def external_editor(self) -> None:
        """Hand the draft to $VISUAL / $EDITOR and take the result back as a new version."""
        command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not command or not command.strip():
            self.screen.notify(
                "Set $EDITOR (for example: export EDITOR=vim) to edit drafts in your editor.",
                severity="warning",
            )
            return
        self.screen.save_now()
        text = self.screen.editor.text
        with tempfile.NamedTemporaryFile(
            "w", suffix=".md", prefix="aha-draft-", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(text)
            temp = Path(handle.name)
        try:
            returncode = self._run_editor(shlex.split(command) + [str(temp)])
            if returncode is None:
                return
            if returncode != 0:
                self.screen.notify(
                    f"$EDITOR ({command}) exited with status {returncode}: the draft is unchanged.",
                    severity="error",
                )
                return
            edited = temp.read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            self.screen.notify(f"Could not run $EDITOR ({command}): {exc}", severity="error")
            return
        finally:
            temp.unlink(missing_ok=True)
        if edited == text:
            self.screen.notify("No changes from $EDITOR.")
            return
        if self.screen.draft_id is None:
            self.screen.draft_id = self.store.create_draft(body=edited).id
        else:
            self.store.save_draft(self.screen.draft_id, edited, note="from $EDITOR")
        self.screen.show_saved_text(edited)
        self.screen.notify("Saved the text from $EDITOR as a new version.")

    def _run_editor(self, argv: list[str]) -> int | None:
        try:
            with self.screen.app.suspend():
                return subprocess.run(argv, check=False).returncode
        except SuspendNotSupported:
            if self.screen.app.is_headless:
                # No terminal to hand over (tests, scripts): the editor runs on its own.
                return subprocess.run(argv, check=False, stdin=subprocess.DEVNULL).returncode
            self.screen.notify("This terminal cannot hand over to $EDITOR.", severity="error")
            return None
