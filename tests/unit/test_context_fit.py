"""Fitting a branch into a route's window: oldest turns go first; a prompt too big alone is
one clear line; invalid text from argv or stdin is repaired and counted."""

from __future__ import annotations

import io

import pytest

from app.backend.events import ChatMessage
from app.context_fit import PromptTooLong, estimate_tokens, fit_context
from app.prompt_text import read_text, repair_text


def conversation(*sizes: int) -> list[ChatMessage]:
    messages: list[ChatMessage] = [{"role": "system", "content": "be brief"}]
    for index, size in enumerate(sizes):
        role = "user" if index % 2 == 0 else "assistant"
        messages.append({"role": role, "content": f"{index}:" + "x" * size})
    return messages


def test_a_short_branch_is_sent_whole() -> None:
    messages = conversation(100, 100, 100)
    fitted = fit_context(messages, window=2048, max_tokens=512, route="fast")
    assert fitted.messages == messages and fitted.dropped == 0


def test_the_oldest_turns_go_first_and_the_history_starts_on_a_prompt() -> None:
    # An old 20,000-character paste, then short turns: the paste goes, the recent turns stay.
    messages = conversation(20_000, 300, 200, 200, 100)
    fitted = fit_context(messages, window=2048, max_tokens=512, route="fast")
    assert fitted.messages[0]["role"] == "system"
    assert fitted.messages[-1] == messages[-1]
    assert fitted.messages[1]["role"] == "user"
    assert fitted.dropped >= 2
    assert all(not m["content"].startswith("0:") for m in fitted.messages)
    assert fitted.tokens <= 2048 - 512


def test_a_prompt_too_big_alone_is_one_clear_line() -> None:
    with pytest.raises(PromptTooLong) as caught:
        fit_context(conversation(120_000), window=2048, max_tokens=512, route="fast")
    line = str(caught.value)
    assert "\n" not in line and "fast route's 2,048-token window" in line
    assert f"{estimate_tokens('x' * 120_000):,}"[:3] in line


def test_invalid_utf8_is_replaced_and_counted() -> None:
    raw = read_text(io.BytesIO(b"caf\xe9 and \xff\xfe"))
    text, replaced = repair_text(raw)
    assert (text, replaced) == ("caf\ufffd and \ufffd\ufffd", 3)
    assert repair_text("fine") == ("fine", 0)


def test_a_continuation_gets_the_space_the_model_left_out() -> None:
    from app.chat import _joined

    assert _joined("her tail.", "Luna's") == " Luna's"
    assert _joined("her tail.", " Luna's") == " Luna's"
    assert _joined("half a wo", "rd") == "rd"  # inside a cut word: never a space
    assert _joined("ends with space ", "Next") == "Next"
    assert _joined("", "Start") == "Start"


def test_a_plan_heading_is_the_first_sentence_whole() -> None:
    from types import SimpleNamespace

    from app.brainstorm.plan import plan_heading

    problem = "Detect label noise in a dataset of ten thousand images taken by phones. Fast."
    heading = plan_heading(SimpleNamespace(problem=problem))  # type: ignore[arg-type]
    assert heading == f"Plan: {problem.split(' Fast.')[0]}"
    assert "…" not in heading
