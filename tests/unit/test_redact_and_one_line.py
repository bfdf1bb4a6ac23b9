"""Keys never reach an error line; server text on one line carries no escapes or bidi tricks."""

from __future__ import annotations

import pytest

from app.backend.retry import redirect_reason
from app.redact import REDACTED, redact, remember_secret
from app.sanitize import error_line, one_line, strip_bidi


def test_a_remembered_key_of_any_shape_is_redacted() -> None:
    key = "plainlookingvalue123"
    remember_secret(key)
    assert redact(f"bad key {key}!") == f"bad key {REDACTED}!"


def test_environment_secrets_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOMEVENDOR_API_KEY", "zzvendorsecret99")
    monkeypatch.setenv("HF_TOKEN", "hf-token-value-xyz")
    assert "zzvendorsecret99" not in redact("echo zzvendorsecret99")
    assert "hf-token-value-xyz" not in redact("token hf-token-value-xyz")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Invalid header: Bearer sk-abc123def456ghi789", "Invalid header: Bearer [redacted]"),
        ("key sk-proj-AbCdEf0123456789xyz rejected", "key [redacted] rejected"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [redacted]"),
        ("github ghp_abcdefghijklmnopqrstuvwx", "github [redacted]"),
    ],
)
def test_key_shaped_tokens_are_redacted_generically(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    ["the task-oriented approach", "a risk-averse skeptic", "Bearer of bad news", "sk-learn"],
)
def test_ordinary_words_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_a_key_split_by_an_escape_sequence_is_still_found() -> None:
    assert "sk-" not in error_line("Bearer sk-abc123\x1b[0mdef456ghi789")


def test_one_line_strips_controls_bidi_and_newlines() -> None:
    hostile = "evil\x1b]52;c;cm0=\x07\x1b[2J\nname\u202eexe.txt\u2066x\u2069"
    assert one_line(hostile) == "evil nameexe.txtx"
    assert strip_bidi("a\u202ab\u202cc\u2067d") == "abcd"
    assert one_line("x" * 300, 10) == "x" * 9 + "…"


def test_a_redirect_names_where_it_pointed_cleanly() -> None:
    reason = redirect_reason(307, {"location": "http://127.0.0.1:9/v1\x1b[2J"})
    assert reason == (
        "redirected (HTTP 307) to http://127.0.0.1:9/v1; aha does not follow redirects,"
        " set api_base to it"
    )
