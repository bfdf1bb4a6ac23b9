"""Every key aha binds, with the binding's id (for `[keymap]`) and what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from app.ui.keymap import bindings


class KeysScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    KeysScreen { align: center top; background: $background 60%; }
    KeysScreen > Vertical {
        width: 90%; max-width: 110; height: 80%; margin-top: 2;
        border: thick $primary; background: $surface;
    }
    KeysScreen DataTable { height: 1fr; }
    KeysScreen .hint { color: $text-muted; height: 1; padding: 0 1; }
    """

    BINDINGS = [Binding("escape", "close", "Close", id="keys_list.close")]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with Vertical():
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Label(
                '[keymap] in the config remaps an id: "prompt.attach" = "f9" · Esc close',
                classes="hint",
                markup=False,
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "does", "id")
        for binding_id, binding in sorted(bindings().items()):
            key = self.keymap.get(binding_id, binding.key)
            shown = binding.key_display if binding_id not in self.keymap else None
            table.add_row(shown or key, binding.description or binding.action, binding_id)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
