"""A tiny OpenAI-compatible server on 127.0.0.1 that records what it was sent.

Enough of the API for discovery and one streamed answer: `GET /v1/models` lists the given
models, `POST /v1/chat/completions` streams a fixed answer as SSE, then a usage chunk (with
reasoning tokens, as OpenAI reports them), then `[DONE]`. Every request's headers are kept, so
a test can check which key arrived in `Authorization`. Standard library only; port 0 picks a
free port; `with OpenAIStub(...) as stub:` starts and stops it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


class OpenAIStub:
    def __init__(
        self,
        models: tuple[str, ...] = ("stub-model",),
        answer: tuple[str, ...] = ("Hello", " from", " the stub."),
        owned_by: str = "vllm",
        usage: tuple[int, int, int] = (11, 7, 3),  # prompt, completion, reasoning tokens
    ) -> None:
        self.models = models
        self.answer = answer
        self.owned_by = owned_by
        self.usage = usage
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self._server = ThreadingHTTPServer((HOST, 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def api_base(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    def authorizations(self) -> list[str]:
        return [headers.get("authorization", "") for _, _, headers, _ in self.requests]

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _models_body(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": m, "object": "model", "owned_by": self.owned_by} for m in self.models],
        }

    def _stream_body(self, model: str) -> bytes:
        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            record = {
                "id": "chatcmpl-stub",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
            return f"data: {json.dumps(record)}\n\n"

        prompt, completion, reasoning = self.usage
        parts = [chunk({"role": "assistant", "content": ""})]
        parts += [chunk({"content": piece}) for piece in self.answer]
        parts.append(chunk({}, "stop"))
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        }
        parts.append(
            "data: "
            + json.dumps(
                {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": model,
                    "choices": [],
                    "usage": usage,
                }
            )
            + "\n\n"
        )
        parts.append("data: [DONE]\n\n")
        return "".join(parts).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _record(self, body: bytes) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                stub.requests.append((self.command, self.path, headers, body))

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                self._record(b"")
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, json.dumps(stub._models_body()).encode(), "application/json")
                else:
                    self._send(404, b'{"error": "not found"}', "application/json")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self._record(body)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, b'{"error": "not found"}', "application/json")
                    return
                try:
                    model = str(json.loads(body).get("model", ""))
                except ValueError:
                    model = ""
                self._send(200, stub._stream_body(model), "text/event-stream")

        return Handler


def free_port() -> int:
    """A port nothing listens on right now (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])
