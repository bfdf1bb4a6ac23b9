"""Attaching in the chat screen: the picker, the tray of waiting attachments, and the chips
each stored prompt shows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.attach_sources import Source, load
from app.attachments import AttachmentError
from app.sanitize import one_line
from storage.attachments_repo import AttachmentLike
from storage.models import Message
from widgets.attachment_tray import AttachmentTray, chip_text

if TYPE_CHECKING:
    from app.ui.chat.screen import MainScreen


class AttachController:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.store = screen.store
        self.loading = 0  # attachments still being read (a PDF or a page takes a moment)
        self._before_edit: list[AttachmentLike] | None = None  # the tray an edit set aside

    @property
    def tray(self) -> AttachmentTray:
        return self.screen.query_one(AttachmentTray)

    def open_picker(self, typed_at: bool = False) -> None:
        """Show the picker; when it was opened by typing `@` and nothing is chosen, the `@`
        goes into the prompt after all."""
        from app.ui.attach_picker import AttachPicker

        def picked(source: Source | None) -> None:
            if source is None:
                if typed_at:
                    self.screen.prompt_box.insert_at_sign()
                self.screen.prompt_box.focus()
                return
            self.loading += 1
            self.screen.run_worker(
                lambda: self._load(source), thread=True, group="attach", exit_on_error=False
            )
            self.screen.prompt_box.focus()

        self.screen.app.push_screen(AttachPicker(self.store, Path.cwd()), picked)

    def _load(self, source: Source) -> None:
        """In a thread: a PDF or a page takes a moment to read. One line on failure, and
        nothing attached."""
        try:
            attachment = load(source, self.store, Path.cwd())
        except AttachmentError as exc:
            self.screen.app.call_from_thread(self._failed, one_line(str(exc), 300))
            return
        except Exception as exc:  # a reader's own bug must not kill the app, nor hide
            self.screen.app.call_from_thread(
                self._failed, f"{source.label}: could not be read ({type(exc).__name__})"
            )
            return
        self.screen.app.call_from_thread(self._add, attachment)

    def _failed(self, line: str) -> None:
        self.loading -= 1
        # markup=False: names and errors are the user's and the page's text, not markup.
        self.screen.notify(line, title="Not attached", severity="error", markup=False)

    def _add(self, attachment: AttachmentLike) -> None:
        self.loading -= 1
        if self.tray.add(attachment):
            self.screen.notify(f"Attached {chip_text(attachment)}", timeout=3, markup=False)
        else:
            name = one_line(attachment.name, 80)
            self.screen.notify(f"{name} is attached already", timeout=3, markup=False)
        self.screen.refresh_bindings()
        self.screen.meter.schedule()

    def remove_last(self) -> None:
        removed = self.tray.remove_last()
        if removed is not None:
            self.screen.notify(f"Removed {one_line(removed.name, 80)}", timeout=3, markup=False)
        self.screen.refresh_bindings()
        self.screen.meter.schedule()

    def waiting(self) -> bool:
        return bool(self.tray.items)

    def take(self) -> list[AttachmentLike]:
        items = self.tray.take()
        self.screen.refresh_bindings()
        self.screen.meter.schedule()
        return items

    def give_back(self, items: Sequence[AttachmentLike]) -> None:
        """A prompt the database refused: its attachments wait in the tray again."""
        if items and not self.tray.items:
            self.tray.set_items(items)
            self.screen.refresh_bindings()
        self.screen.meter.schedule()

    def keep_for_edit(self, prompt_id: str) -> None:
        """Editing a prompt keeps its attachments (^r removes them one by one); what was
        waiting for a new prompt is set aside until the edit ends."""
        if self._before_edit is None:
            self._before_edit = self.tray.items
        self.tray.set_items(self.store.attachments_of(prompt_id))
        self.screen.refresh_bindings()
        self.screen.meter.schedule()

    def end_edit(self) -> None:
        """The edit was sent or abandoned: what waited before it waits again."""
        self.tray.set_items(self._before_edit or [])
        self._before_edit = None
        self.screen.refresh_bindings()
        self.screen.meter.schedule()

    def chips_for(self, messages: Sequence[Message]) -> dict[str, list[str]]:
        """Each prompt's chips, by message id (one read for the whole thread)."""
        found = self.store.attachments_for([m.id for m in messages if m.role == "user"])
        return {message_id: [chip_text(a) for a in items] for message_id, items in found.items()}
