"""Between conversations and drafts: an answer (or the part of it selected) goes into a new or
existing draft; a draft opens a conversation about itself with its text as context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from storage import Store
from widgets.draft_list import draft_option

if TYPE_CHECKING:
    from app.ui.drafts_host import DraftsHost as _Base
else:
    _Base = object

NEW_DRAFT = "__new__"
DISCUSS_INTRO = (
    "Here is my draft{title}. Read it; my question about it follows.\n\n"
    "<draft>\n{body}\n</draft>\n\n"
)


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
        draft = store.create_draft(title, text)
        return draft.id, draft.title
    draft = store.get_draft(target)
    if draft is None:
        raise KeyError("that draft no longer exists")
    body = draft.body.rstrip("\n")
    store.save_draft(
        draft.id, f"{body}\n\n{text}\n" if body else f"{text}\n", note="from conversation"
    )
    return draft.id, draft.title


def answer_to_draft(app: App[Any], message_id: str, view: Widget) -> None:
    """Ask where the answer goes, then append it (or just its selected part)."""
    store: Store = app.store  # type: ignore[attr-defined]
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
        app.last_draft_id = draft_id  # type: ignore[attr-defined]
        what = "The selection" if selected else "The answer"
        app.notify(f"{what} is in the draft {name or 'Untitled'!r}. ctrl+d opens drafts.")

    app.push_screen(PickDraftDialog(store, "the selection" if selected else "this answer"), chosen)


class DiscussDraft(_Base):
    async def action_discuss(self) -> None:
        """A new conversation whose first prompt carries the draft's text as context: the
        prompt box is filled in and the cursor waits after it for the question."""
        from app.ui.main_screen import MainScreen

        self.save_now()
        body = self.editor.text
        if not body.strip():
            self.notify("Write something first: the conversation needs the draft's text.")
            return
        draft = self.store.get_draft(self.draft_id) if self.draft_id else None
        title = f" “{draft.title}”" if draft and draft.title else ""
        main = next((s for s in self.app.screen_stack if isinstance(s, MainScreen)), None)
        if main is None:
            return
        if main.streaming:
            self.notify("An answer is streaming: try again when it has finished.")
            return
        while self.app.screen is not main:
            self.app.pop_screen()
        await main.action_new_session()
        box = main.prompt_box
        box.load_text(DISCUSS_INTRO.format(title=title, body=body.strip("\n")))
        box.move_cursor(box.document.end)
        box.focus()
