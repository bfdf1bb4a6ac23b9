"""From a conversation to a draft: an answer (or the part of it selected) goes into a new or
existing draft the user picks."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from app.ui.context import AhaContext
from storage import Store
from widgets.draft_list import draft_option

NEW_DRAFT = "__new__"


def selected_text_in(widget: Widget) -> str:
    """Text the user selected (with the mouse) inside `widget`, or ""."""
    parts: list[str] = []
    for selected, selection in widget.screen.selections.items():
        if selected is widget or widget in selected.ancestors:
            extracted = selected.get_selection(selection) if selected.is_attached else None
            if extracted is not None:
                parts.append(extracted[0])
    return "".join(parts).strip("\n")


class PickDraftDialog(ModalScreen[str | None]):
    """Where an answer goes: a new draft (first) or one of the drafts; Escape cancels."""

    DEFAULT_CSS = """
    PickDraftDialog { align: center middle; background: $background 60%; }
    PickDraftDialog > Vertical {
        width: 70; height: auto; max-height: 80%; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    PickDraftDialog OptionList { height: auto; max-height: 20; border: none; }
    PickDraftDialog .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick_draft.cancel")]

    def __init__(self, store: Store, what: str) -> None:
        super().__init__()
        self.store = store
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Append {self.what} to:")
            yield OptionList(id="pick-draft")
            yield Label("Enter choose · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.add_option(Option(Text("+ New draft", style="bold"), id=NEW_DRAFT))
        options.add_options(draft_option(d) for d in self.store.list_drafts())
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#pick-draft")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def append_to_draft(store: Store, target: str, text: str, title: str = "") -> tuple[str, str]:
    """Append `text` to draft `target` (or a new draft for NEW_DRAFT); (draft id, its title)."""
    if target == NEW_DRAFT:
        created = store.create_draft(title, text)
        return created.id, created.title
    draft = store.get_draft(target)
    if draft is None:
        raise KeyError("that draft no longer exists")
    body = draft.body.rstrip("\n")
    store.save_draft(
        draft.id, f"{body}\n\n{text}\n" if body else f"{text}\n", note="from conversation"
    )
    return draft.id, draft.title


def answer_to_draft(ctx: AhaContext, app: App[Any], message_id: str, view: Widget) -> None:
    """Ask where the answer goes, then append it (or just its selected part)."""
    store = ctx.store
    message = store.get_message(message_id)
    if message is None or not message.content.strip():
        app.notify("This answer has no text to put in a draft.", severity="warning")
        return
    selected = selected_text_in(view)
    text = selected or message.content.strip()
    session = store.get_session(message.session_id)
    title = session.title if session else ""

    def chosen(target: str | None) -> None:
        if target is None:
            return
        try:
            draft_id, name = append_to_draft(store, target, text, title)
        except KeyError as exc:
            app.notify(str(exc), severity="error")
            return
        ctx.last_draft_id = draft_id
        what = "The selection" if selected else "The answer"
        app.notify(f"{what} is in the draft {name or 'Untitled'!r}. ctrl+d opens drafts.")

    app.push_screen(PickDraftDialog(store, "the selection" if selected else "this answer"), chosen)
