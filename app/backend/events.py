"""Typed stream events: the only thing the UI and CLI ever see of a provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict


class ChatMessage(TypedDict):
    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Thinking:
    """A piece of the model's reasoning (never re-sent as context)."""

    text: str


@dataclass(frozen=True, slots=True)
class Content:
    """A piece of the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    # Of the completion tokens, how many the model spent reasoning (when the provider says).
    reasoning_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Done:
    finish_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    """The stream ended in an error; `message` is one line a user can act on."""

    message: str


StreamEvent = Thinking | Content | Usage | Done | Failed
