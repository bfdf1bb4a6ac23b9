"""A draft as a Markdown file for a static site generator: YAML front matter, then the text.

Every string in the front matter is written as a double-quoted scalar with JSON's escapes,
which YAML reads the same way, so quotes, colons, '#' and line breaks in a title or a
description can never break the header (Jekyll, Hugo, Eleventy, Astro and Zola all read it).
"""

from __future__ import annotations

import json
from datetime import datetime

from storage.drafts_models import Draft
from storage.drafts_repo import title_from_body

FORMATS = ("md",)


def _quoted(text: str) -> str:
    # json.dumps escapes quotes, backslashes and control characters; ensure_ascii=False keeps
    # accents and emoji readable. U+2028/U+2029 are escaped too: YAML 1.1 treats them as breaks.
    return (
        json.dumps(text, ensure_ascii=False)
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def local_date(stamp: str) -> str:
    """A stored UTC timestamp as the writer's local calendar date (YYYY-MM-DD)."""
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone().date().isoformat()
    except ValueError:
        return stamp[:10]


def front_matter(draft: Draft, date: str | None = None) -> str:
    """The YAML header: title, date (the last edit's, unless given), tags, description."""
    tags = ", ".join(_quoted(tag) for tag in draft.tags)
    return (
        "---\n"
        f"title: {_quoted(draft.title or title_from_body(draft.body) or 'Untitled')}\n"
        f"date: {date or local_date(draft.updated_at)}\n"
        f"tags: [{tags}]\n"
        f"description: {_quoted(draft.description)}\n"
        "---\n"
    )


def _without_title_heading(body: str, title: str) -> str:
    """The body less its leading '# Title' line when it repeats the front matter title:
    site themes print that title as the page heading, so it would show twice."""
    lines = body.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not title or title_from_body(lines[first]) != title:
        return body
    rest = lines[first + 1 :]
    while rest and not rest[0].strip():
        rest = rest[1:]
    return "\n".join(rest) + ("\n" if rest else "")


def draft_markdown(draft: Draft, *, date: str | None = None) -> str:
    """The whole file: front matter, a blank line, the body (ending in one newline)."""
    title = draft.title or title_from_body(draft.body)
    body = _without_title_heading(draft.body, title).strip("\n")
    return front_matter(draft, date) + "\n" + (body + "\n" if body else "")
