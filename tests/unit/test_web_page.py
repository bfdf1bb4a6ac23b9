"""Web pages and HTML files as attachments, fetched from a real local server on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.attachments import AttachmentError, read_attachment, with_attachments
from app.web_page import Limits, fetch_all, fetch_page, shown_url
from tests.servers.pages import PageServer
from tests.unit.test_attachments import write_pdf


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageServer]:
    folder = tmp_path_factory.mktemp("pdf")
    pdf = write_pdf(folder / "paper.pdf", ["Scaling laws for routers."]).read_bytes()
    with PageServer(pdf=pdf) as server:
        yield server


def test_an_article_is_its_main_text_without_menus_or_scripts(pages: PageServer) -> None:
    a = fetch_page(pages.url("/article"))
    assert a.kind == "html" and a.name == pages.url("/article")
    assert "loss spiked at step 300" in a.text and "2.41" in a.text
    assert "Warmup schedules" in a.note  # the page's title
    for noise in ("Shop the merch", "tracking", "color: red", "newsletter"):
        assert noise not in a.text
    assert with_attachments("What does it show?", [a]).startswith("Attached page: http://")


def test_redirects_are_followed_and_said_up_to_a_limit(pages: PageServer) -> None:
    a = fetch_page(pages.url("/hop/2"))
    assert a.name == pages.url("/article") and "after 3 redirects" in a.note
    with pytest.raises(AttachmentError, match="more than 5 redirects"):
        fetch_page(pages.url("/loop"))


def test_a_page_over_the_cap_is_refused_even_while_it_streams(pages: PageServer) -> None:
    with pytest.raises(AttachmentError, match=r"over 4 MB; not attached"):
        fetch_page(pages.url("/big"))  # a 5 MB page that says its length
    with pytest.raises(AttachmentError, match=r"over 4 MB; not attached"):
        fetch_page(pages.url("/chunked-big"))  # one that does not


def test_a_server_that_never_answers_times_out(pages: PageServer) -> None:
    started = time.monotonic()
    with pytest.raises(AttachmentError, match=r"no answer within 0.5 s"):
        fetch_page(pages.url("/hang"), Limits(timeout_s=0.5))
    assert time.monotonic() - started < 10


def test_errors_and_other_types_are_one_line(pages: PageServer) -> None:
    with pytest.raises(AttachmentError, match=r"/missing: the server answered 404 Not Found"):
        fetch_page(pages.url("/missing"))
    with pytest.raises(AttachmentError, match=r"a image/png page, not text, HTML or a PDF"):
        fetch_page(pages.url("/logo.png"))
    with pytest.raises(AttachmentError, match="no readable text on the page"):
        fetch_page(pages.url("/empty"))
    with pytest.raises(AttachmentError, match="only http:// and https://"):
        fetch_page("file:///etc/passwd")
    with pytest.raises(AttachmentError, match="cannot connect"):
        fetch_page("http://127.0.0.1:9/", Limits(timeout_s=2))


def test_text_and_pdf_pages_use_their_readers(pages: PageServer) -> None:
    text, pdf = fetch_all([pages.url("/notes.txt"), pages.url("/paper.pdf")])
    assert (text.kind, text.text) == ("text", "café notes: lr 3e-4\n")  # latin-1, as declared
    assert pdf.kind == "pdf" and "Scaling laws" in pdf.text


def test_an_html_file_is_read_like_a_page(tmp_path: Path) -> None:
    from tests.servers.pages import ARTICLE

    page = tmp_path / "post.html"
    page.write_text(ARTICLE)
    a = read_attachment(page, cwd=tmp_path)
    assert a.kind == "html" and "embedding table" in a.text and "tracking" not in a.text


def test_an_address_is_named_without_its_credentials(pages: PageServer) -> None:
    assert shown_url("https://me:hunter2@example.com/a?token=abc&page=2") == (
        "https://example.com/a?token=***&page=2"
    )
    secret = pages.url("/article").replace("http://", "http://me:hunter2@") + "?api_key=s3"
    a = fetch_page(secret)
    assert "hunter2" not in a.name and "s3" not in a.name and a.name.endswith("api_key=***")
    with pytest.raises(AttachmentError, match="not a valid address"):
        fetch_page("http://[::1/x")
