"""Untrusted model output: terminal control sequences never survive, text always does."""

from __future__ import annotations

import pytest

from app.sanitize import StreamSanitizer, strip_control

ESC, BEL = "\x1b", "\x07"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"{ESC}[31mred{ESC}[0m plain {ESC}[1;38;5;208mbold{ESC}[m", "red plain bold"),
        (f"a{ESC}[2J{ESC}[H{ESC}[10;5Hb{ESC}[3Ac{ESC}[?25l", "abc"),
        (f"x{ESC}]52;c;aGVsbG8gd29ybGQ={BEL}y", "xy"),
        (f"x{ESC}]52;c;aGVsbG8gd29ybGQ={ESC}\\y", "xy"),
        (f"before{ESC}]0;pwned title{BEL}after", "beforeafter"),
        (f"ding{BEL}dong", "dingdong"),
        ("abc\x08\x08\x08xyz", "abcxyz"),
        ("a\x9b31mb\x9d0;title\x9cc\x85d\x90dcs\x9ce", "abcde"),
        (f"{ESC}cfresh{ESC}7saved{ESC}8", "freshsaved"),
        ("over\rwrite\x00nul\x7fdel", "overwritenuldel"),
    ],
)
def test_strip_control_removes_sequences(raw: str, clean: str) -> None:
    """CSI, cursor moves, OSC 52/0 (BEL and ESC\\ ended), bell, backspace, C1 are all removed."""
    assert strip_control(raw) == clean


def test_strip_control_keeps_text_layout_and_unicode() -> None:
    """Newlines, tabs, emoji, CJK and other non-ASCII text pass through unchanged."""
    text = "# 标题\n\tcode → ok 🎉👩‍🔬\n日本語のテキスト, naïve café, Ελληνικά\n"
    assert strip_control(text) == text


def test_strip_control_normalises_crlf() -> None:
    """Windows line ends become plain newlines instead of losing the line break."""
    assert strip_control("one\r\ntwo\r\n") == "one\ntwo\n"


SAMPLE = (
    "Hi \U0001f600 世界\n"
    f"{ESC}[1;31mred{ESC}[0m\t"
    f"{ESC}]52;c;c2VjcmV0{BEL}clip "
    f"{ESC}]0;title{ESC}\\ok\r\n"
    f"bell{BEL}\x08 \x9b2Jc1 {ESC}[?25h{ESC}(Bend"
)


def _feed_all(parts: list[str]) -> str:
    sanitizer = StreamSanitizer()
    return "".join(sanitizer.feed(p) for p in parts) + sanitizer.flush()


def test_stream_sanitizer_single_chunk_matches_strip_control() -> None:
    """A whole stream in one chunk is cleaned exactly like strip_control, nothing held back."""
    assert _feed_all([SAMPLE]) == strip_control(SAMPLE)
    assert "end" in strip_control(SAMPLE) and ESC not in strip_control(SAMPLE)


def test_stream_sanitizer_every_split_point() -> None:
    """A sequence split across two chunks at any position is still removed, text kept."""
    expected = strip_control(SAMPLE)
    for cut in range(len(SAMPLE) + 1):
        assert _feed_all([SAMPLE[:cut], SAMPLE[cut:]]) == expected, f"split at {cut}"


def test_stream_sanitizer_every_pair_of_split_points() -> None:
    """Three chunks (a sequence cut twice) also reassemble to the clean text."""
    expected = strip_control(SAMPLE)
    n = len(SAMPLE)
    for i in range(n + 1):
        for j in range(i, n + 1):
            got = _feed_all([SAMPLE[:i], SAMPLE[i:j], SAMPLE[j:]])
            assert got == expected, f"splits at {i}, {j}"


def test_stream_sanitizer_one_character_at_a_time() -> None:
    """Token-sized chunks (one character each) give the same clean text."""
    assert _feed_all(list(SAMPLE)) == strip_control(SAMPLE)


def test_text_after_complete_sequence_is_not_held_back() -> None:
    """Once an OSC sequence is terminated, the text after it is released at once."""
    sanitizer = StreamSanitizer()
    assert sanitizer.feed(f"a{ESC}]0;title{BEL}Hello world") == "aHello world"
    assert sanitizer.feed(f"x{ESC}P1$r{ESC}\\y") == "xy"
    assert sanitizer.flush() == ""


def test_unfinished_sequence_at_end_is_dropped() -> None:
    """An escape the stream never finishes is not printed half-way at the end."""
    sanitizer = StreamSanitizer()
    assert sanitizer.feed(f"text{ESC}]52;c;c2Vj") == "text"
    assert sanitizer.flush() == ""
