"""Ways into a brainstorm: ctrl+b and the palette open the picker (a new brainstorm, or one
of the earlier ones); a new one asks for the problem statement first."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from app.ui.context import AhaContext
from app.ui.dialogs import DIALOG_CSS, InputDialog
from storage.brainstorm_repo import BrainstormError

NEW = "__new__"


class BrainstormPicker(ModalScreen[str | None]):
    """A new brainstorm or an earlier one; returns NEW, a session id, or None."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="BrainstormPicker")
        + """
    BrainstormPicker OptionList { height: auto; max-height: 16; }
    """
    )
    BINDINGS = [Binding("escape", "dismiss_none", "Cancel", id="brainstorm_picker.cancel")]

    def __init__(self, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Brainstorm")
            yield OptionList(
                Option("＋ New brainstorm…", id=NEW),
                *(Option(title, id=session_id) for session_id, title in self.options),
            )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def new_brainstorm(ctx: AhaContext, app: App[None], problem: str | None = None) -> None:
    """Start a brainstorm on `problem`, or ask for it first."""
    if problem is None:

        def start(text: str | None) -> None:
            if text is not None:
                new_brainstorm(ctx, app, text)

        app.push_screen(
            InputDialog("Problem statement", placeholder="e.g. detect label noise in 10k images"),
            start,
        )
        return
    try:
        brainstorm = ctx.store.create_brainstorm(problem)
    except BrainstormError as exc:
        app.notify(str(exc), severity="warning")
        return
    ctx.nav.open_brainstorm(brainstorm.session_id)


def brainstorm_menu(ctx: AhaContext, app: App[None], current_session: str | None = None) -> None:
    """ctrl+b: the open session's brainstorm when it is one, else the picker (or straight to
    the problem dialog when there is no brainstorm yet)."""
    store = ctx.store
    if current_session is not None and store.get_brainstorm(current_session) is not None:
        ctx.nav.open_brainstorm(current_session)
        return
    brainstorms = store.list_brainstorms()
    if not brainstorms:
        new_brainstorm(ctx, app)
        return

    def chosen(choice: str | None) -> None:
        if choice == NEW:
            new_brainstorm(ctx, app)
        elif choice is not None:
            ctx.nav.open_brainstorm(choice)

    app.push_screen(BrainstormPicker([(b.session_id, b.title) for b in brainstorms]), chosen)
