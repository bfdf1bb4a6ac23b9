"""A minimal scripted OpenAI-compatible server for the thinking tests, on 127.0.0.1.

`GET /v1/models` lists one model; `POST /v1/chat/completions` streams server-sent events
written by a *script*: a function given the request body and a `send` callable that writes
one chunk and returns False once the client has gone. The n-th request runs the n-th script
(the last one repeats). Every request body is recorded, and `disconnected` is set when a
client drops a stream mid-way, so a test can check that aha really closed it.

Deliberately tiny and separate from the general fault-injecting server (tests/servers/): these
tests need exact chunk boundaries and a stream that thinks until it is closed, nothing else.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "scripted-thinker"
Send = Callable[..., bool]
Script = Callable[[dict[str, Any], Send], None]


def chunk(
    content: str | None = None, reasoning: str | None = None, finish: str | None = None
) -> dict[str, Any]:
    """One `chat.completion.chunk` with a content and/or reasoning_content delta."""
    delta: dict[str, Any] = {}
    if content is not None:
        delta["content"] = content
    if reasoning is not None:
        delta["reasoning_content"] = reasoning
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def content_script(pieces: Sequence[str]) -> Script:
    """Stream `pieces` as content deltas, exactly as split, then stop."""

    def script(request: dict[str, Any], send: Send) -> None:
        for piece in pieces:
            send(content=piece)
        send(finish="stop")

    return script


def reasoning_script(thoughts: Sequence[str], answer: Sequence[str]) -> Script:
    """Stream `thoughts` as `reasoning_content` deltas (vLLM/DeepSeek style), then `answer`."""

    def script(request: dict[str, Any], send: Send) -> None:
        for piece in thoughts:
            send(reasoning=piece)
        for piece in answer:
            send(content=piece)
        send(finish="stop")

    return script


def slow_thinker(tick: float = 0.1, limit_s: float = 30.0) -> Script:
    """Think one numbered thought per `tick` until the client disconnects (or `limit_s`)."""

    def script(request: dict[str, Any], send: Send) -> None:
        deadline = time.monotonic() + limit_s
        n = 0
        while time.monotonic() < deadline:
            if not send(reasoning=f"thought {n}. "):
                return
            n += 1
            time.sleep(tick)
        send(content="too late", finish="stop")

    return script


class ThinkingServer:
    def __init__(self, scripts: Sequence[Script]) -> None:
        self.scripts = list(scripts)
        self.requests: list[dict[str, Any]] = []
        self.disconnected = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        # A short poll interval: `stop` waits for the serving loop to notice.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ThinkingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.requests) >= count:
                return True
            time.sleep(0.02)
        return len(self.requests) >= count

    def _next_script(self, body: dict[str, Any]) -> Script:
        with self._lock:
            self.requests.append(body)
            index = min(len(self.requests), len(self.scripts)) - 1
        return self.scripts[index]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                return

            def _json(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path.rstrip("/").endswith("/models"):
                    self._json({"object": "list", "data": [{"id": MODEL, "object": "model"}]})
                else:
                    self.send_error(404)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self.send_error(404)
                    return
                script = server._next_script(body)
                # HTTP/1.0 semantics: no length, the stream ends when the connection closes.
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                alive = self._event({**chunk(), "choices": [_role_choice()]})
                if alive:
                    script(body, self._send)
                    self._write(b"data: [DONE]\n\n")

            def _send(self, **fields: Any) -> bool:
                return self._event(chunk(**fields))

            def _event(self, payload: dict[str, Any]) -> bool:
                return self._write(b"data: " + json.dumps(payload).encode() + b"\n\n")

            def _write(self, data: bytes) -> bool:
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                    return True
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                    server.disconnected.set()
                    return False

        return Handler


def _role_choice() -> dict[str, Any]:
    return {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}


@contextmanager
def thinking_server(*scripts: Script) -> Iterator[ThinkingServer]:
    server = ThinkingServer(scripts).start()
    try:
        yield server
    finally:
        server.stop()
