"""Web pages as attachments (`aha ask -u URL`) and the HTML reader that HTML files share.

A page is fetched with limits a user would want from a tool that runs unattended: a timeout on
every wait and on the whole fetch, a cap on the bytes read (the body is streamed and dropped at
the cap, never loaded whole), and a cap on redirects. Every failure is one `AttachmentError`
line naming the URL: a page that does not answer, a 404, a redirect loop, an image.

HTML goes through trafilatura, which keeps the main text (headings, lists, tables as Markdown)
and leaves out menus, footers, scripts and styles; other text types are read as they are, and a
PDF served by a URL goes to the PDF reader. trafilatura and httpx are imported only here, and
this module only when a page or an HTML file is attached.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from app.attachments import MAX_BYTES, Attachment, AttachmentError, from_bytes

FETCH_TIMEOUT_S = 15.0
"""Seconds for the whole fetch, and for each connect or read inside it."""
MAX_PAGE_BYTES = 4 * 1024 * 1024
"""A bigger body is refused: a 4 MB article is already far past any route's window."""
MAX_REDIRECTS = 5

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "text",
    "application/xml": "text",
    "text/xml": "text",
}


@dataclass(frozen=True, slots=True)
class Limits:
    timeout_s: float = FETCH_TIMEOUT_S
    max_bytes: int = MAX_PAGE_BYTES
    max_redirects: int = MAX_REDIRECTS


def html_text(data: bytes, name: str, url: str | None = None) -> tuple[str, str]:
    """The main text of an HTML document as Markdown, and a note (its title)."""
    import trafilatura

    try:
        text = trafilatura.extract(
            data,
            url=url,
            output_format="markdown",
            include_tables=True,
            include_comments=False,
            favor_recall=True,
        )
        meta = trafilatura.extract_metadata(data)
    except Exception as exc:  # a hostile page may break the parser anywhere
        raise AttachmentError(f"{name}: not readable HTML ({type(exc).__name__})") from None
    if not text or not text.strip():
        raise AttachmentError(f"{name}: no readable text on the page (only markup or scripts?)")
    title = (meta.title or "").strip() if meta is not None else ""
    return text.strip() + "\n", f"“{title[:80]}”" if title else ""


def _media_type(content_type: str) -> tuple[str, str | None]:
    """``text/html; charset=latin-1`` -> (``text/html``, ``latin-1``)."""
    main, _, params = content_type.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip().strip('"')
    return main.strip().lower(), charset


def _check_scheme(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here, not in the middle of the fetch
    except ValueError:
        raise AttachmentError(f"{shown_url(url)}: not a valid address") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise AttachmentError(
            f"{shown_url(url)}: only http:// and https:// addresses can be attached"
        )


_SECRET_PARAM = re.compile(r"(?i)(token|key|secret|password|passwd|sig|signature|auth|session)")


def shown_url(url: str) -> str:
    """The address as it is named to the model, on stderr and in exports: no user or password,
    and the values of query parameters that look like credentials replaced."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("@")[-1]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = "&".join(
        f"{key}=***" if _SECRET_PARAM.search(key) else f"{key}={value}" if sep else key
        for key, sep, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def fetch_page(url: str, limits: Limits | None = None) -> Attachment:
    """Fetch ``url`` and read it as an attachment, or raise ``AttachmentError``."""
    import httpx

    limits = limits or Limits()
    _check_scheme(url)
    where = shown_url(url)  # how the address is named: never with its credentials
    deadline = time.monotonic() + limits.timeout_s
    timeout = httpx.Timeout(limits.timeout_s)
    headers = {"User-Agent": "aha (a terminal assistant; one page for one prompt)"}
    try:
        with httpx.Client(
            follow_redirects=True,
            max_redirects=limits.max_redirects,
            timeout=timeout,
            headers=headers,
        ) as client:
            with client.stream("GET", url) as response:
                if response.status_code >= 400:
                    reason = response.reason_phrase or "error"
                    raise AttachmentError(
                        f"{where}: the server answered {response.status_code} {reason}"
                    )
                media, charset = _media_type(response.headers.get("content-type", ""))
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limits.max_bytes:
                    raise _too_big(url, limits)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limits.max_bytes:
                        raise _too_big(url, limits)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the whole fetch took too long")
                final_url = str(response.url)
                hops = len(response.history)
    except AttachmentError:
        raise
    except httpx.TooManyRedirects:
        raise AttachmentError(f"{where}: more than {limits.max_redirects} redirects") from None
    except httpx.TimeoutException:
        raise AttachmentError(f"{where}: no answer within {limits.timeout_s:g} s") from None
    except httpx.ConnectError as exc:
        raise AttachmentError(f"{where}: cannot connect ({_reason(exc)})") from None
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        raise AttachmentError(f"{where}: the fetch failed ({_reason(exc)})") from None
    return _read_body(url, final_url, hops, media, charset, bytes(body))


def _read_body(
    url: str, final_url: str, hops: int, media: str, charset: str | None, body: bytes
) -> Attachment:
    name = where = shown_url(final_url)
    if media in HTML_TYPES or (
        not media and body.lstrip()[:15].lower().startswith(b"<!doctype html")
    ):
        attachment = from_bytes(name, "html", body, final_url)
    elif media == "application/pdf":
        attachment = from_bytes(name, "pdf", body)
    elif media in TEXT_TYPES or media.startswith("text/"):
        kind = TEXT_TYPES.get(media, "text")
        if charset:
            from app.attachments import decode_text

            body = decode_text(body, name, charset).encode("utf-8")
        attachment = from_bytes(name, kind, body)
    else:
        raise AttachmentError(f"{where}: a {media or 'untyped'} page, not text, HTML or a PDF")
    if hops:
        moved = f"after {hops} redirect{'s' if hops != 1 else ''}"
        note = f"{attachment.note}, {moved}" if attachment.note else moved
        attachment = Attachment(attachment.name, attachment.kind, attachment.text, note)
    return attachment


def _too_big(url: str, limits: Limits) -> AttachmentError:
    where = shown_url(url)
    return AttachmentError(
        f"{where}: the page is over {limits.max_bytes / 2**20:g} MB; not attached"
        f" (save the part you need and attach it with -f; files may be up to"
        f" {MAX_BYTES // 2**20} MB)"
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]


def fetch_all(urls: list[str], limits: Limits | None = None) -> list[Attachment]:
    """Every page, or the first error: all are attached or none is."""
    return [fetch_page(u, limits) for u in urls]
