"""The prompt box: Enter sends, Shift+Enter or Ctrl+J inserts a newline."""

from __future__ import annotations

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

    # Priority bindings: checked before the key reaches TextArea, which would insert a
    # newline for Enter itself.
    BINDINGS = [
        Binding("enter", "submit", "Send", id="prompt.submit", priority=True),
        Binding(
            "ctrl+j",
            "newline",
            "Newline",
            id="prompt.newline",
            key_display="^j/⇧⏎",
            priority=True,
        ),
        Binding(
            "shift+enter",
            "newline",
            "Newline",
            show=False,
            id="prompt.newline_shift",
            priority=True,
        ),
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

    def action_submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)
