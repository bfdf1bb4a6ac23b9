"""The drafts screen's small pure helpers: diffs, export file names, times, selections."""

from __future__ import annotations

from datetime import datetime

from app.ui.drafts.files import draft_slug
from widgets.draft_list import edited_label
from widgets.draft_versions import diff_text, version_diff


def test_version_diff_is_a_unified_diff_from_the_version_to_now() -> None:
    lines = version_diff("# T\n\nold line\nsame\n", "# T\n\nnew line\nsame\n", "version 1")
    assert lines[:2] == ["--- version 1", "+++ current"]
    assert "-old line" in lines and "+new line" in lines and " same" in lines
    assert version_diff("same\n", "same\n", "v") == []


def test_diff_text_colours_each_kind_of_line() -> None:
    text = diff_text(["--- a", "+++ b", "@@ -1 +1 @@", "-gone", "+added", " kept"], "G", "R", "H")
    styles = {text.plain[span.start : span.end].strip(): str(span.style) for span in text.spans}
    assert styles["-gone"] == "R" and styles["+added"] == "G" and styles["@@ -1 +1 @@"] == "H"
    assert styles["--- a"] == "bold" and "kept" not in styles


def test_draft_slug_is_a_file_name_a_shell_user_would_type() -> None:
    assert (
        draft_slug("Why Caches Lie: a field guide!", "abc123456789")
        == "why-caches-lie-a-field-guide"
    )
    assert draft_slug("", "abc123456789") == "draft-abc12345"
    assert draft_slug("¿¡!!", "0123456789ab") == "draft-01234567"


def test_edited_label_is_the_time_today_and_the_date_before() -> None:
    now = datetime(2026, 3, 4, 18, 0).astimezone()
    today = now.replace(hour=9, minute=5).isoformat()
    assert edited_label(today, now) == "09:05"
    assert edited_label("2025-12-31T10:00:00.000Z", now).startswith("2025-12-3")
    assert edited_label("not a time", now) == "not a time"
