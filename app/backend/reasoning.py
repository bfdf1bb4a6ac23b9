"""Split `<think>...</think>` out of streamed content into `Thinking` and `Content` pieces.

Servers that do not parse reasoning themselves (a llama.cpp GGUF in-process, vLLM or llama.cpp
server without a reasoning parser, most proxies) send a reasoning model's thoughts inside the
answer text, wrapped in `<think>` tags. The tags arrive split across chunks at any position
(`<th` + `ink>`, `</thi` + `nk>`), so the splitter holds back the shortest tail that could still
become a tag and emits everything else at once: the answer is never delayed by more than seven
characters (plus a run of whitespace, see below).

Where the tag counts, and why:
- `leading` (the default): `<think>` opens a thinking block only at the very start of the
  answer, after optional whitespace. DeepSeek-R1, QwQ and Qwen3 put it there. A `<think>`
  anywhere later is literal answer text: an answer *about* these tags, or code containing
  them, must never vanish into the thinking block.
- `implicit`: the chat template already wrote `<think>` into the prompt (newer DeepSeek-R1
  templates do), so the output starts inside the block and only `</think>` appears. Everything
  up to `</think>` is thinking; a `<think>` at the start is accepted and dropped as well. A
  stream cannot take back text it has shown, so this is a route setting (`think_tags`), not a
  guess made after the fact.
- `off`: content passes through untouched.

Matching is case-insensitive (`<THINK>` occurs in fine-tunes). Whitespace right after either tag
and right before `</think>` is dropped, so the stored reasoning and answer carry no padding.
A block still open when the stream ends is flushed as thinking: the model ran out of tokens
while thinking, and showing that as the answer would be wrong.
"""

from __future__ import annotations

import re
from typing import Literal

from app.backend.events import Content, StreamEvent, Thinking

ThinkTags = Literal["leading", "implicit", "off"]
Piece = Thinking | Content

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"
_CLOSE = re.compile(re.escape(CLOSE_TAG), re.IGNORECASE)


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest proper prefix of `tag` that `text` ends with (case-insensitive)."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if text[-size:].lower() == tag[:size]:
            return size
    return 0


class ThinkTagSplitter:
    """Stateful splitter: `feed` each chunk of content, `flush` once when the stream ends."""

    def __init__(self, mode: ThinkTags = "leading") -> None:
        self.mode = mode
        # start -> thinking -> answer; "off" starts (and stays) in the answer.
        self._state: Literal["start", "thinking", "answer"] = "answer" if mode == "off" else "start"
        self._buffer = ""
        self._trim_leading = False  # drop whitespace at the start of the current part

    @property
    def thinking(self) -> bool:
        """Whether the text fed so far ends inside a thinking block."""
        return self._state == "thinking"

    def feed(self, text: str) -> list[Piece]:
        self._buffer += text
        pieces: list[Piece] = []
        while self._buffer:
            if self._state == "start" and not self._start():
                break
            if self._state == "thinking":
                if not self._thinking(pieces):
                    break
                continue
            if self._state == "answer":
                self._answer(pieces)
                break
        return pieces

    def flush(self) -> list[Piece]:
        """What is still held back: a partial tag is literal text; an open block is thinking."""
        text, self._buffer = self._buffer, ""
        if self._trim_leading:
            text = text.lstrip()
        if self._state == "thinking":
            text = text.rstrip()
            return [Thinking(text)] if text else []
        return [Content(text)] if text else []

    # States ---------------------------------------------------------------------------------

    def _start(self) -> bool:
        """Decide whether the answer opens with `<think>`; False while it cannot be told yet."""
        body = self._buffer.lstrip()
        head = body[: len(OPEN_TAG)].lower()
        if not body or (len(body) < len(OPEN_TAG) and OPEN_TAG.startswith(head)):
            return False  # only whitespace, or a prefix of the tag: wait for more
        if head == OPEN_TAG:
            self._buffer = body[len(OPEN_TAG) :]
            self._enter("thinking")
        elif self.mode == "implicit":
            self._buffer = body
            self._enter("thinking")
        else:
            self._state = "answer"  # leading whitespace of a plain answer is kept as is
        return True

    def _thinking(self, pieces: list[Piece]) -> bool:
        """Emit thoughts up to `</think>` or a possible partial tag; True on a state change."""
        if self._trim_leading:
            self._buffer = self._buffer.lstrip()
            if not self._buffer:
                return False
            self._trim_leading = False
        match = _CLOSE.search(self._buffer)
        if match:
            thought = self._buffer[: match.start()].rstrip()
            if thought:
                pieces.append(Thinking(thought))
            self._buffer = self._buffer[match.end() :]
            self._enter("answer")
            return True
        keep = _partial_suffix(self._buffer, CLOSE_TAG)
        ready = self._buffer[: len(self._buffer) - keep]
        thought = ready.rstrip()  # trailing whitespace waits: it is dropped if `</think>` follows
        if thought:
            pieces.append(Thinking(thought))
        self._buffer = self._buffer[len(thought) :]
        return False

    def _answer(self, pieces: list[Piece]) -> None:
        if self._trim_leading:
            self._buffer = self._buffer.lstrip()
            if not self._buffer:
                return
            self._trim_leading = False
        pieces.append(Content(self._buffer))
        self._buffer = ""

    def _enter(self, state: Literal["thinking", "answer"]) -> None:
        self._state = state
        self._trim_leading = True

    def route(self, event: StreamEvent) -> list[StreamEvent]:
        """Split a `Content` event; pass any other event through (for an engine's event loop)."""
        if isinstance(event, Content):
            return list(self.feed(event.text))
        return [event]
