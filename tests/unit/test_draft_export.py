"""Export: YAML front matter a site generator reads back exactly, then the draft's text."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import yaml

from app.writing.checks import check
from app.writing.export import draft_markdown, local_date
from storage import Store


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(":memory:")
    yield store
    store.close()


def split(markdown: str) -> tuple[dict, str]:
    assert markdown.startswith("---\n")
    header, body = markdown[4:].split("\n---\n", 1)
    return yaml.safe_load(header), body


def test_front_matter_round_trips_awkward_strings(store: Store) -> None:
    title = 'He said "no": #1 \\ route: yes'
    description = "Line one\nline 'two': [not a list] {nor: a map} \u2028 end\t."
    draft = store.create_draft(
        title, "Body text.\n", tags=['ml', 'a "quoted" tag', "colon: tag", "é ✓"],
        description=description,
    )  # fmt: skip
    meta, body = split(draft_markdown(draft, date="2026-03-04"))
    assert meta == {
        "title": title,
        "date": datetime.date(2026, 3, 4),
        "tags": ["ml", 'a "quoted" tag', "colon: tag", "é ✓"],
        "description": description,
    }
    assert body == "\nBody text.\n"


def test_leading_title_heading_is_not_repeated(store: Store) -> None:
    text = "# Why routers matter\n\nThey save money.\n\n## Costs\n\nLess.\n"
    draft = store.create_draft(body=text)
    out = draft_markdown(draft, date="2026-01-02")
    meta, body = split(out)
    assert meta["title"] == "Why routers matter" and meta["tags"] == []
    assert meta["description"] == ""
    assert body == "\nThey save money.\n\n## Costs\n\nLess.\n"
    # The checks read the front matter title, so the export has no title problem.
    assert [f for f in check(out) if f.rule in ("title", "skipped-heading-level")] == []


def test_a_different_heading_stays_and_default_date_is_the_last_edit(store: Store) -> None:
    draft = store.create_draft("Chosen title", "# Working title\n\ntext\n")
    meta, body = split(draft_markdown(draft))
    assert meta["title"] == "Chosen title"
    assert body.startswith("\n# Working title\n")
    assert str(meta["date"]) == local_date(draft.updated_at)


def test_empty_draft_exports_a_header_only(store: Store) -> None:
    draft = store.create_draft()
    meta, body = split(draft_markdown(draft, date="2026-01-01"))
    assert meta["title"] == "Untitled" and body == "\n"
