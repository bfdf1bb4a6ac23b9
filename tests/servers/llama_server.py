"""The real deep route for tests: `python -m llama_cpp.server` with the embedded GGUF.

llama-cpp-python's server extra is an OpenAI-compatible server like the ones users run on a
GPU box (vLLM, llama.cpp's own), so a test against it covers what a mock cannot: litellm's
request, the server's real SSE stream and usage, and aha's parsing of both. It listens on
127.0.0.1 only, on a free port; it is always terminated (then killed if it lingers), also
when its start fails; its output goes to a log file whose tail explains a failed start.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.backend.gguf import embedded_gguf_path

HOST = "127.0.0.1"
ALIAS = "smol-deep"
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class LlamaServer:
    port: int
    alias: str
    process: subprocess.Popen[bytes]

    @property
    def api_base(self) -> str:
        return f"http://{HOST}:{self.port}/v1"


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _models(api_base: str) -> list[str]:
    try:
        with urllib.request.urlopen(api_base + "/models", timeout=1.0) as response:  # noqa: S310
            body = json.loads(response.read(1_000_000))
    except (OSError, ValueError, urllib.error.URLError):
        return []
    return [str(m.get("id")) for m in body.get("data", []) if isinstance(m, dict)]


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on `port` (Linux /proc; empty elsewhere)."""
    found: set[str] = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            address, _, port_hex = fields[1].partition(":")
            if fields[3] == "0A" and int(port_hex, 16) == port and len(address) == width:
                found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    if len(hex_address) == 8:
        return socket.inet_ntop(socket.AF_INET, bytes.fromhex(hex_address)[::-1])
    words = [bytes.fromhex(hex_address[i : i + 8])[::-1] for i in range(0, 32, 8)]
    return socket.inet_ntop(socket.AF_INET6, b"".join(words))


@contextmanager
def llama_server(log_dir: Path, n_ctx: int = 2048, alias: str = ALIAS) -> Iterator[LlamaServer]:
    """Start the server, wait (bounded) until /v1/models lists `alias`, and stop it after."""
    port = free_port()
    log = log_dir / "llama_server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(embedded_gguf_path()),
        "--host", HOST, "--port", str(port),
        "--n_ctx", str(n_ctx), "--model_alias", alias,
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        server = LlamaServer(port, alias, process)
        deadline = time.monotonic() + START_TIMEOUT_S
        while alias not in _models(server.api_base):
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited ({process.returncode}):\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"llama_cpp.server not up in {START_TIMEOUT_S:g} s:\n{_tail(log)}"
                )
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_S)
