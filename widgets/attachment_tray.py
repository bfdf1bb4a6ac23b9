"""The attachments waiting to go with the next prompt, as chips above the prompt box."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from app.sanitize import one_line
from storage.attachments_repo import AttachmentLike


def chip_text(attachment: AttachmentLike) -> str:
    """A chip: name, kind and tokens, short enough that a few fit on a line. The name may be
    a page's title or a file's name: one clean line, never an escape sequence."""
    name = one_line(attachment.name, 200)
    name = name if len(name) <= 40 else "…" + name[-39:]
    return f"📎 {name} · {attachment.kind} · ~{attachment.tokens:,} tok"


class AttachmentTray(Static):
    """Hidden while nothing is attached; sending the prompt takes (and clears) its items."""

    DEFAULT_CSS = """
    AttachmentTray {
        height: auto;
        margin: 0 1;
        padding: 0 1;
        color: $text-muted;
        display: none;
    }
    AttachmentTray.-has-items { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__("", id=id, markup=False)
        self._items: list[AttachmentLike] = []

    @property
    def items(self) -> list[AttachmentLike]:
        return list(self._items)

    def add(self, attachment: AttachmentLike) -> bool:
        """Attach; False when the same name and text is already waiting."""
        if any(a.name == attachment.name and a.text == attachment.text for a in self._items):
            return False
        self._items.append(attachment)
        self._redraw()
        return True

    def set_items(self, items: Sequence[AttachmentLike]) -> None:
        self._items = list(items)
        self._redraw()

    def remove_last(self) -> AttachmentLike | None:
        removed = self._items.pop() if self._items else None
        self._redraw()
        return removed

    def take(self) -> list[AttachmentLike]:
        """The items, for the prompt being sent; the tray is empty afterwards."""
        items, self._items = self._items, []
        self._redraw()
        return items

    def _redraw(self) -> None:
        self.set_class(bool(self._items), "-has-items")
        line = Text()
        for index, item in enumerate(self._items):
            if index:
                line.append("   ")
            line.append(chip_text(item))
        if self._items:
            line.append("   ^r removes the last", style="dim")
        self.update(line)
