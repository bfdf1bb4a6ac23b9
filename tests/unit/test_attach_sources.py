"""The `@` picker's sources: files under the folder (build and hidden folders left out),
recent attachments, drafts and brainstorms, each read into an attachment on choice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.attach_sources import Source, list_files, load, sources
from app.attachments import Attachment, AttachmentError
from storage import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "aha.db")
    yield store
    store.close()


def test_files_are_listed_shallow_first_without_build_or_hidden_folders(tmp_path: Path) -> None:
    root = tmp_path / "project"
    for path in ("notes.md", "src/train.py", "src/deep/er/config.yaml", ".git/HEAD",
                 ".venv/lib/x.py", "node_modules/a.js", ".secret"):  # fmt: skip
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x\n")
    assert list_files(root) == ["notes.md", "src/train.py", "src/deep/er/config.yaml"]
    assert len(list_files(root, limit=2)) == 2


def test_each_source_loads_as_an_attachment(store: Store, tmp_path: Path) -> None:
    (tmp_path / "log.txt").write_text("loss 2.4\n")
    draft = store.create_draft("Why warmup matters", "Warmup keeps early updates small.\n")
    board = store.create_brainstorm("Why does the small model spike at step 300?")
    store.add_ideas(board.session_id, None, [("Lower the peak LR", "try 1e-4")])
    session = store.create_session()
    store.add_user_message(session.id, None, "q", [Attachment("paper.pdf", "pdf", "experts")])
    offered = sources(store, tmp_path)
    kinds = {s.kind: s for s in offered}
    assert set(kinds) == {"recent", "draft", "brainstorm", "file"}
    assert load(kinds["recent"], store, tmp_path).text == "experts"
    loaded_draft = load(kinds["draft"], store, tmp_path)
    assert (loaded_draft.name, loaded_draft.kind) == ("Why warmup matters", "draft")
    assert "early updates" in loaded_draft.text and draft.id
    idea_board = load(kinds["brainstorm"], store, tmp_path)
    assert "spike at step 300" in idea_board.text and "- [new] Lower the peak LR" in idea_board.text
    assert load(Source("file", "log.txt", "log.txt"), store, tmp_path).text == "loss 2.4\n"
    with pytest.raises(AttachmentError, match="gone.txt: no such file"):
        load(Source("file", "gone.txt", "gone.txt"), store, tmp_path)
