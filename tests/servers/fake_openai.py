"""A fault-injecting OpenAI-compatible server on 127.0.0.1, for the failure-path tests.

Real servers fail in ways a mock of litellm cannot reproduce faithfully: a 503 with a body, a
socket closed in the middle of a chunked body, a line of SSE that is not JSON, a server that
accepts the connection and says nothing. This server does each of those on the wire, so the
tests exercise the real litellm, openai and httpx code between it and aha.

A test scripts it with a list of behaviours, consumed one per chat-completion request (so
"first 503, then OK" tests a retry), and reads back the requests it received (to check the
context that was sent). Standard library only: `ThreadingHTTPServer`, HTTP/1.1, chunked SSE
bodies like uvicorn's. It stops at fixture teardown, and by itself after `max_lifetime` seconds
in case a test forgets.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"
DEFAULT_MODEL = "fake-deep"
# Every Authorization header any server of this process received (tests/conftest.py checks
# that no key of the machine's environment is among them).
_AUTHORIZATIONS: list[str] = []
_AUTHORIZATIONS_LOCK = threading.Lock()


def authorizations_seen() -> list[str]:
    with _AUTHORIZATIONS_LOCK:
        return list(_AUTHORIZATIONS)


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What the server does with one chat-completion request. Build with the functions below."""

    kind: str
    chunks: tuple[str, ...] = ()
    reasoning: tuple[str, ...] = ()
    delay: float = 0.0
    seconds: float = 0.0
    status: int = 200
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    after: int = 0


def ok(*chunks: str, reasoning: Sequence[str] = (), delay: float = 0.0) -> Behaviour:
    """A normal stream: reasoning_content deltas, then content deltas, usage, [DONE]."""
    return Behaviour("ok", tuple(chunks), tuple(reasoning), delay=delay)


def raw_text(*chunks: str, reasoning: Sequence[str] = ()) -> Behaviour:
    """Content sent exactly as given, escape sequences and all (split wherever the test
    splits it): what a hostile or broken model could emit."""
    return Behaviour("ok", tuple(chunks), tuple(reasoning))


def hang_before_first_byte(seconds: float, *then_chunks: str) -> Behaviour:
    """Accept the request and send nothing (not even headers) for `seconds`; then, if the
    client is still there, stream `then_chunks`."""
    return Behaviour("hang", tuple(then_chunks) or ("late answer",), seconds=seconds)


def http_error(status: int, body: str = "", headers: dict[str, str] | None = None) -> Behaviour:
    """An error response with a JSON body in OpenAI's error shape (unless `body` is given)."""
    return Behaviour("error", status=status, body=body, headers=tuple((headers or {}).items()))


def drop_connection() -> Behaviour:
    """Read the request, then close the socket without any response (a crashed worker, a
    proxy giving up)."""
    return Behaviour("drop")


def cut_mid_stream(*chunks: str, after: int) -> Behaviour:
    """Send the first `after` content chunks, then close the socket: no [DONE], no end of
    the chunked body."""
    return Behaviour("cut", tuple(chunks), after=after)


def malformed_chunk(*chunks_before: str) -> Behaviour:
    """Send some good chunks, then `data: {not json`, then [DONE]."""
    return Behaviour("malformed", tuple(chunks_before))


def empty_answer() -> Behaviour:
    """Only the role delta and finish_reason stop: no content at all."""
    return Behaviour("ok")


def echo_auth_error(status: int = 400) -> Behaviour:
    """An error whose message repeats the request's Authorization header, key and all (as
    some proxies and servers do with a header they reject)."""
    return Behaviour("echo_auth", status=status)


def redirect(location: str, status: int = 307) -> Behaviour:
    """A redirect to `location` (another origin, say): a client that follows it sends the
    prompt, and maybe the key, there."""
    return Behaviour("redirect", status=status, body=location)


def endless(piece: str = "more ", delay: float = 0.0) -> Behaviour:
    """Content for ever, ignoring `max_tokens`, until the client goes away."""
    return Behaviour("endless", (piece,), delay=delay)


def drip_before_text(every: float) -> Behaviour:
    """The role chunk, then an SSE comment every `every` seconds and never any text: bytes
    arrive, an answer never does."""
    return Behaviour("drip", delay=every)


def keepalive_after(*chunks: str, every: float) -> Behaviour:
    """Some content, then only SSE comments every `every` seconds: never finishes."""
    return Behaviour("keepalive", tuple(chunks), delay=every)


@dataclass(frozen=True, slots=True)
class Listing:
    """What GET /v1/models answers. Build with the functions below."""

    kind: str = "ok"
    ids: tuple[str, ...] = ()
    location: str = ""
    claimed_bytes: int = 0
    every: float = 1.0
    max_model_len: int = 0  # vLLM says each model's window in its listing


def models_listing(*ids: str, max_model_len: int = 0) -> Listing:
    return Listing("ok", tuple(ids), max_model_len=max_model_len)


def models_redirect(location: str) -> Listing:
    return Listing("redirect", location=location)


def models_drip(claimed_bytes: int = 1 << 30, every: float = 1.0) -> Listing:
    """Claim a huge body, then send one byte every `every` seconds."""
    return Listing("drip", claimed_bytes=claimed_bytes, every=every)


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])


@dataclass
class _State:
    model: str
    script: list[Behaviour] = field(default_factory=list)
    then: Behaviour | None = None
    requests: list[ReceivedRequest] = field(default_factory=list)
    listing: Listing | None = None
    # Every request, model listings included, as (method, path, Authorization header).
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def next_behaviour(self) -> Behaviour:
        with self.lock:
            if self.script:
                return self.script.pop(0)
            if self.then is not None:
                return self.then
        return http_error(500, json.dumps({"error": {"message": "fake server: script exhausted"}}))


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    # Plumbing ---------------------------------------------------------------------------------

    def _send_json(
        self, status: int, payload: object, headers: Sequence[tuple[str, str]] = ()
    ) -> None:
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _start_sse(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _write_chunked(self, text: str) -> None:
        data = text.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _event(self, payload: dict[str, Any] | str) -> None:
        body = payload if isinstance(payload, str) else json.dumps(payload)
        self._write_chunked(f"data: {body}\n\n")

    def _end_sse(self) -> None:
        self._event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _drop_connection(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # Requests ---------------------------------------------------------------------------------

    def _note(self) -> None:
        state = self.server.state
        auth = self.headers.get("Authorization", "")
        with state.lock:
            state.seen.append((self.command, self.path, auth))
        with _AUTHORIZATIONS_LOCK:
            _AUTHORIZATIONS.append(auth)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._note()
        if self.path.rstrip("/") != "/v1/models":
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        listing = self.server.state.listing or Listing("ok", (self.server.state.model,))
        try:
            self._list_models(listing)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _list_models(self, listing: Listing) -> None:
        if listing.kind == "redirect":
            self._redirect(307, listing.location)
        elif listing.kind == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(listing.claimed_bytes))
            self.end_headers()
            self.wfile.flush()
            for byte in b'{"object": "list", "data": [' + b" " * listing.claimed_bytes:
                if self.server.state.stopping.wait(listing.every):
                    return
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        else:
            data: list[dict[str, Any]] = [{"id": model, "object": "model"} for model in listing.ids]
            if listing.max_model_len:
                for entry in data:
                    entry["max_model_len"] = listing.max_model_len
            self._send_json(200, {"object": "list", "data": data})

    def _redirect(self, status: int, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.wfile.flush()

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._note()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": f"no route {self.path}"}})
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send_json(400, {"error": {"message": "request body is not JSON"}})
            return
        state = self.server.state
        with state.lock:
            state.requests.append(ReceivedRequest(self.path, dict(self.headers.items()), body))
        behaviour = state.next_behaviour()
        try:
            self._respond(behaviour, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout): nothing to do

    def _respond(self, behaviour: Behaviour, body: dict[str, Any]) -> None:
        state = self.server.state
        if behaviour.kind == "error":
            payload = behaviour.body or {
                "error": {"message": f"fake error {behaviour.status}", "type": "server_error"}
            }
            self._send_json(behaviour.status, payload, behaviour.headers)
            return
        if behaviour.kind == "drop":
            self._drop_connection()
            return
        if behaviour.kind == "echo_auth":
            header = self.headers.get("Authorization", "")
            message = f"Invalid header: {header}"
            self._send_json(behaviour.status, {"error": {"message": message, "type": "bad"}})
            return
        if behaviour.kind == "redirect":
            self._redirect(behaviour.status, behaviour.body)
            return
        if behaviour.kind == "hang":
            if state.stopping.wait(behaviour.seconds):
                self._drop_connection()
                return
        if not body.get("stream"):
            text = "".join(behaviour.chunks)
            self._send_json(200, {
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": state.model,
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": len(behaviour.chunks),
                          "total_tokens": 1 + len(behaviour.chunks)},
            })  # fmt: skip
            return
        self._stream(behaviour, body)

    def _stream(self, behaviour: Behaviour, body: dict[str, Any]) -> None:
        model = self.server.state.model
        self._start_sse()
        self._event(_chunk(model, {"role": "assistant", "content": ""}))
        for piece in behaviour.reasoning:
            self._pause(behaviour.delay)
            self._event(_chunk(model, {"reasoning_content": piece}))
        if behaviour.kind == "endless":
            while not self.server.state.stopping.is_set():
                self._pause(behaviour.delay)
                self._event(_chunk(model, {"content": behaviour.chunks[0]}))
            return
        if behaviour.kind == "drip":
            while not self.server.state.stopping.wait(behaviour.delay):
                self._write_chunked(": keep-alive\n\n")
            return
        for index, piece in enumerate(behaviour.chunks):
            if behaviour.kind == "cut" and index >= behaviour.after:
                self._drop_connection()
                return
            self._pause(behaviour.delay)
            self._event(_chunk(model, {"content": piece}))
        if behaviour.kind == "cut":
            self._drop_connection()
            return
        if behaviour.kind == "keepalive":
            while not self.server.state.stopping.wait(behaviour.delay):
                self._write_chunked(": keep-alive\n\n")
            return
        if behaviour.kind == "malformed":
            self._write_chunked("data: {not json\n\n")
        self._event(_chunk(model, {}, finish="stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
            usage = {"prompt_tokens": prompt, "completion_tokens": len(behaviour.chunks)}
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            self._event({**_chunk(model, {}), "choices": [], "usage": usage})
        self._end_sse()

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.server.state.stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = False

    def __init__(self, state: _State) -> None:
        super().__init__((HOST, 0), _Handler)
        self.state = state


class FakeOpenAI:
    """The server: `with FakeOpenAI() as server: server.script(http_error(503), ok("hi"))`."""

    def __init__(self, model: str = DEFAULT_MODEL, max_lifetime: float = 300.0) -> None:
        self._state = _State(model=model)
        self._server = _Server(self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="fake-openai", daemon=True,
        )  # fmt: skip
        self._lifetime = threading.Timer(max_lifetime, self.stop)
        self._lifetime.daemon = True
        self._stopped = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def api_base(self) -> str:
        return f"http://{HOST}:{self.port}/v1"

    @property
    def model(self) -> str:
        return self._state.model

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Chat-completion requests received so far (model listings are not counted)."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def seen(self) -> list[tuple[str, str, str]]:
        """Every request so far, model listings included: (method, path, Authorization)."""
        with self._state.lock:
            return list(self._state.seen)

    def list_models(self, listing: Listing) -> None:
        """What GET /v1/models answers from now on."""
        with self._state.lock:
            self._state.listing = listing

    def script(self, *behaviours: Behaviour, then: Behaviour | None = None) -> None:
        """Replace the script: `behaviours` in order, then `then` for every later request
        (without `then`, an unscripted request gets a 500 naming the problem)."""
        with self._state.lock:
            self._state.script = list(behaviours)
            self._state.then = then
            self._state.requests.clear()

    def start(self) -> FakeOpenAI:
        self._thread.start()
        self._lifetime.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent; later connections are
        refused). Handlers waiting in a hang or delay are released at once."""
        if self._stopped:
            return
        self._stopped = True
        self._lifetime.cancel()
        self._state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def serve(behaviours: Sequence[Behaviour], then: Behaviour | None = None) -> Iterator[FakeOpenAI]:
    """Generator for a pytest fixture: a started server with a script, stopped afterwards."""
    server = FakeOpenAI().start()
    try:
        server.script(*behaviours, then=then)
        yield server
    finally:
        server.stop()
