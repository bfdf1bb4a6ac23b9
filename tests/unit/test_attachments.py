"""Attachments read from real files: each kind, and every bad file as one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.attachments import (
    MAX_BYTES,
    TABLE_SAMPLE_ROWS,
    AttachmentError,
    read_all,
    read_attachment,
    with_attachments,
)


def test_markdown_and_code_are_sent_as_they_are(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Results\n\nloss fell to 0.12\n")
    code = tmp_path / "train.py"
    code.write_text("print('```')\n")
    a, b = read_all([notes, code], cwd=tmp_path)
    assert (a.kind, a.text, b.kind) == ("markdown", "# Results\n\nloss fell to 0.12\n", "text")
    prompt = with_attachments("What changed?", [a, b])
    assert prompt.index("loss fell") < prompt.index("print(") < prompt.index("What changed?")
    # A fence inside the file cannot close its block early.
    assert "````\nprint('```')\n````" in prompt


def test_a_table_is_its_header_and_a_sample_with_the_total(tmp_path: Path) -> None:
    table = tmp_path / "runs.csv"
    table.write_text("lr,loss\n" + "".join(f"0.{i},{i}\n" for i in range(100)))
    a = read_attachment(table, cwd=tmp_path)
    lines = a.text.splitlines()
    assert lines[0] == "lr,loss" and len(lines) == 1 + TABLE_SAMPLE_ROWS
    assert a.note == f"{TABLE_SAMPLE_ROWS} of 100 rows" and "100 rows" in a.chip()
    tsv = tmp_path / "small.tsv"
    tsv.write_text("a\tb\n1\t2\n")
    assert read_attachment(tsv, cwd=tmp_path).note == "1 row"


def test_a_path_outside_the_folder_is_shown_in_full(tmp_path: Path) -> None:
    inner = tmp_path / "work"
    inner.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("x")
    a = read_attachment(inner / ".." / "secret.txt", cwd=inner)
    assert a.name == str(outside.resolve())


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: p, "no such file"),
        (lambda p: (p.mkdir(), p)[1], "is a folder"),
        (lambda p: (p.write_bytes(b"\x7fELF\0\0\1"), p)[1], "a binary file"),
        (lambda p: (p.write_bytes("caf\xe9".encode("latin-1")), p)[1], "not UTF-8"),
        # A path through a file (root reads anything, so no chmod case): an OS error, one line.
        (lambda p: (p.write_text("x"), p / "child")[1], "cannot be read"),
    ],
)
def test_a_bad_file_is_one_clear_line(tmp_path: Path, make, needle: str) -> None:
    path = make(tmp_path / "thing")
    with pytest.raises(AttachmentError) as info:
        read_attachment(path, cwd=tmp_path)
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "huge.log"
    with big.open("wb") as f:
        f.truncate(200 * 2**20)  # sparse: 200 MB on paper, nothing on disk
    with pytest.raises(AttachmentError, match="200 MB is too big"):
        read_attachment(big, cwd=tmp_path)
    assert MAX_BYTES < 200 * 2**20


def write_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    return path


def test_a_pdf_is_its_text_layer_page_by_page(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "paper.pdf", ["Attention is all you need.", "Results: BLEU 28.4"])
    a = read_attachment(pdf, cwd=tmp_path)
    assert (a.kind, a.note) == ("pdf", "2 pages")
    assert a.text.index("[page 1]") < a.text.index("Attention") < a.text.index("[page 2]")
    assert "BLEU 28.4" in a.text


def test_a_pdf_without_text_or_a_broken_one_is_one_line(tmp_path: Path) -> None:
    blank = write_pdf(tmp_path / "scan.pdf", [""])
    with pytest.raises(AttachmentError, match="no text layer"):
        read_attachment(blank, cwd=tmp_path)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot really")
    with pytest.raises(AttachmentError, match="not a readable PDF"):
        read_attachment(broken, cwd=tmp_path)


def test_a_kind_without_a_reader_yet_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "notes.docx"
    doc.write_bytes(b"PK\3\4")
    with pytest.raises(AttachmentError, match="Word files cannot be attached yet"):
        read_attachment(doc, cwd=tmp_path)


def test_stdin_is_attached_as_text_and_an_empty_one_is_refused() -> None:
    (a,) = read_all([Path("-")], stdin=b"diff --git a/x b/x\n")
    assert (a.name, a.kind, a.text) == ("stdin", "text", "diff --git a/x b/x\n")
    with pytest.raises(AttachmentError, match="nothing was piped in"):
        read_all([Path("-")], stdin=b"  \n")
