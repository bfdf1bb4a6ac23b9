"""A local web server on 127.0.0.1 with the pages the `-u URL` tests fetch.

Each path is one behaviour a real site shows: an article inside menus and a footer, a chain of
redirects, a redirect loop, a 5 MB page, an image, a 404, a plain-text file, a PDF, and a page
that accepts the connection and never answers. Standard library only; it stops at fixture
teardown, and by itself after `max_lifetime` seconds in case a test forgets.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"

ARTICLE = """<!doctype html>
<html><head><title>Warmup schedules for small models</title>
<style>body { color: red }</style><script>var tracking = "do not send me";</script></head>
<body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/shop">Shop the merch</a></nav>
<article>
<h1>Warmup schedules for small models</h1>
<p>We trained a 135M model with and without a linear warmup of 2,000 steps. Without warmup the
loss spiked at step 300 and never recovered to the same level; with it, training was smooth
and the final validation loss was 2.41 against 2.58.</p>
<p>The effect shrank with a lower peak learning rate, which suggests the spike comes from the
first large updates to the embedding table rather than from the optimiser state.</p>
<table><tr><th>warmup</th><th>val loss</th></tr><tr><td>0</td><td>2.58</td></tr>
<tr><td>2000</td><td>2.41</td></tr></table>
</article>
<footer>Copyright 2026. Subscribe to our newsletter for more.</footer>
</body></html>
"""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that leaves at its cap (the 5 MB page) resets the connection mid-write:
        # expected here, not worth a traceback in the test log.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class PageServer:
    def __init__(self, max_lifetime: float = 120.0, pdf: bytes = b"%PDF-1.4\n") -> None:
        self.pdf = pdf
        self.release = threading.Event()  # lets the handler of /hang go at teardown
        self.requests: list[str] = []
        self._server = _QuietServer((HOST, 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._timer = threading.Timer(max_lifetime, self.stop)
        self._timer.daemon = True

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> PageServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._timer.cancel()
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)

            def redirect(self, to: str) -> None:
                self.send(302, b"", "text/plain", Location=to)

            def do_GET(self) -> None:
                server.requests.append(self.path)
                path = self.path.split("?", 1)[0]
                if path == "/article":
                    self.send(200, ARTICLE.encode(), "text/html; charset=utf-8")
                elif path.startswith("/hop/"):
                    left = int(path.rsplit("/", 1)[1])
                    self.redirect("/article" if left == 0 else f"/hop/{left - 1}")
                elif path == "/loop":
                    self.redirect("/loop")
                elif path == "/big":
                    filler = b"<p>" + b"word " * 200 + b"</p>\n"
                    body = b"<html><body>" + filler * (5 * 2**20 // len(filler) + 1)
                    self.send(200, body, "text/html")
                elif path == "/chunked-big":
                    # No Content-Length: the cap must hold while the body streams in.
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    chunk = b"x" * 65536
                    try:
                        for _ in range(5 * 16 + 1):
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        self.wfile.write(b"0\r\n\r\n")
                    except OSError:
                        pass  # the client left at its cap
                elif path == "/logo.png":
                    self.send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
                elif path == "/notes.txt":
                    self.send(200, "caf\xe9 notes: lr 3e-4\n".encode("latin-1"),
                              "text/plain; charset=latin-1")  # fmt: skip
                elif path == "/paper.pdf":
                    self.send(200, server.pdf, "application/pdf")
                elif path == "/empty":
                    self.send(200, b"<html><body><script>x()</script></body></html>", "text/html")
                elif path == "/hang":
                    server.release.wait(60)  # accepts, then says nothing
                else:
                    self.send(404, b"not here", "text/plain")

        return Handler
