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
            self.screen.app.call_from_thread(
                self.screen.notify, one_line(str(exc), 300), title="Not attached", severity="error"
            )
            return
        self.screen.app.call_from_thread(self._add, attachment)

    def _add(self, attachment: AttachmentLike) -> None:
        if self.tray.add(attachment):
            self.screen.notify(f"Attached {chip_text(attachment)}", timeout=3)
        else:
            self.screen.notify(f"{one_line(attachment.name, 80)} is attached already", timeout=3)
        self.screen.refresh_bindings()
        self.screen.meter.schedule()

    def remove_last(self) -> None:
        removed = self.tray.remove_last()
        if removed is not None:
            self.screen.notify(f"Removed {one_line(removed.name, 80)}", timeout=3)
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
        """Editing a prompt keeps its attachments (^r removes them one by one)."""
        self.tray.set_items(self.store.attachments_of(prompt_id))
        self.screen.refresh_bindings()
        self.screen.meter.schedule()

    def clear(self) -> None:
        self.tray.set_items([])
        self.screen.refresh_bindings()
        self.screen.meter.schedule()

    def chips_for(self, messages: Sequence[Message]) -> dict[str, list[str]]:
        """Each prompt's chips, by message id (one read for the whole thread)."""
        found = self.store.attachments_for([m.id for m in messages if m.role == "user"])
        return {message_id: [chip_text(a) for a in items] for message_id, items in found.items()}
