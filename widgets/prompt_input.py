"""The prompt box: Enter sends, Shift+Enter or Ctrl+J inserts a newline, `@` at the start of
a word asks for the attachment picker."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea


class PromptInput(TextArea):
    """A multi-line prompt editor that posts `Submitted` on Enter."""

    DEFAULT_CSS = """
    PromptInput {
        height: auto;
        min-height: 3;
        max-height: 12;
        border: tall $border-blurred;
    }
    PromptInput:focus {
        border: tall $border;
    }
    """

    # Enter is the box's own key handler's (below); these show the keys in the footer and
    # take the newline keys, which TextArea leaves to bindings. Not priority bindings: the
    # app takes those the moment a key arrives, ahead of the keys typed before it that still
    # wait in the box's queue, so a fast "text + Enter" (a paste, tmux) sent an empty prompt.
    BINDINGS = [
        Binding("enter", "submit", "Send", id="prompt.submit"),
        Binding("ctrl+j", "newline", "Newline", id="prompt.newline", key_display="^j/⇧⏎"),
        Binding("shift+enter", "newline", "Newline", show=False, id="prompt.newline_shift"),
    ]

    class Submitted(Message):
        """The user sent a prompt."""

        def __init__(self, prompt_input: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt_input = prompt_input
            self.text = text

        @property
        def control(self) -> PromptInput:
            return self.prompt_input

    class AttachRequested(Message):
        """`@` was typed where a word starts: the screen opens the picker. When nothing is
        chosen, the screen types the `@` after all (`insert_at_sign`), so nothing is lost."""

        def __init__(self, prompt_input: PromptInput) -> None:
            super().__init__()
            self.prompt_input = prompt_input

        @property
        def control(self) -> PromptInput:
            return self.prompt_input

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(
            "",
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            compact=False,
            placeholder="Ask, brainstorm or draft…  (Enter sends, Ctrl+J newline)",
        )

    def on_key(self, event: events.Key) -> None:
        """Enter sends. Handled here, in order with the keys before it, ahead of TextArea's
        own handler (which inserts a newline for Enter and stops it, so no binding would
        see it): Textual runs a subclass's handler first and skips the base class's once the
        default is prevented."""
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.action_submit()
        elif event.character == "@" and self._at_word_start():
            event.stop()
            event.prevent_default()
            self.post_message(self.AttachRequested(self))

    def _at_word_start(self) -> bool:
        """An email address or a decorator mid-word stays plain text."""
        row, column = self.cursor_location
        if self.selection.start != self.selection.end:
            return False
        before = self.document.get_line(row)[:column]
        return not before or before[-1].isspace()

    def insert_at_sign(self) -> None:
        self.insert("@")

    def action_submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)
