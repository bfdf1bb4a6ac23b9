"""`make bench` section 6: the embedded model through aha's whole stack against
llama-cpp-python called directly, and time to first token of each route.

Both sides use the same loaded model, messages and parameters in one process, alternating runs
so background load lands on both; the deep route is a real `llama_cpp.server` on 127.0.0.1
serving the same GGUF, measured through aha (the openai SDK engine for an OpenAI-compatible
server) against a bare HTTP stream, on a quiet machine and with every core busy; and `aha ask
--route deep` as a new process against a bare openai SDK script.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from scripts.bench import median, paired, ratio, table

PROMPT = "Write a long story about a lighthouse keeper and a storm."
MAX_TOKENS = 256
RUNS = 3
DEEP_ALIAS = "bench-deep"


_calls = 0


def _prompt() -> str:
    """A new prompt each call, so llama.cpp's prefix cache can't hide prompt processing."""
    global _calls
    _calls += 1
    return f"{PROMPT} Story number {_calls}."


@dataclass
class Stream:
    first_token_s: float
    total_s: float
    tokens: int

    @property
    def tokens_per_s(self) -> float:
        """Decode speed after the first token (prompt processing is the first token's cost)."""
        span = self.total_s - self.first_token_s
        return (self.tokens - 1) / span if self.tokens > 1 and span > 0 else float("nan")


def _settings(deep_base: str | None = None) -> Any:
    os.environ["AHA_ROUTES__FAST__TEMPERATURE"] = "0"
    os.environ["AHA_ROUTES__FAST__MAX_TOKENS"] = str(MAX_TOKENS)
    os.environ["AHA_ROUTES__DEEP__TEMPERATURE"] = "0"
    os.environ["AHA_ROUTES__DEEP__MAX_TOKENS"] = str(MAX_TOKENS)
    os.environ["AHA_ROUTES__DEEP__API_BASE"] = deep_base or "http://127.0.0.1:9"
    os.environ["AHA_ROUTES__DEEP__MODEL"] = f"openai/{DEEP_ALIAS}"
    from app.config import load_settings

    return load_settings()


async def _through_aha(service: Any, route: str) -> Stream:
    """One answer through ChatService: routing, storage writes, sanitiser, flushes."""
    from app.backend.events import Content

    session = service.store.create_session()
    start = time.perf_counter()
    turn = await service.begin_turn(session.id, _prompt(), force_route=route)
    first, tokens = None, 0
    async for event in service.stream_turn(turn):
        if isinstance(event, Content):
            first = first or time.perf_counter()
            tokens += 1
    end = time.perf_counter()
    return Stream((first or end) - start, end - start, tokens)


def _direct_llama(model: Any, system: str) -> Stream:
    messages = [{"role": "system", "content": system}, {"role": "user", "content": _prompt()}]
    start = time.perf_counter()
    first, tokens = None, 0
    for chunk in model.create_chat_completion(
        messages=messages, stream=True, max_tokens=MAX_TOKENS, temperature=0
    ):
        if chunk["choices"][0]["delta"].get("content"):
            first = first or time.perf_counter()
            tokens += 1
    end = time.perf_counter()
    return Stream((first or end) - start, end - start, tokens)


def _direct_http(base: str, system: str) -> Stream:
    """The deep server over plain HTTP + SSE, no client library: the floor for litellm."""
    messages = [{"role": "system", "content": system}, {"role": "user", "content": _prompt()}]
    body = json.dumps(
        {
            "model": DEEP_ALIAS,
            "messages": messages,
            "stream": True,
            "max_tokens": MAX_TOKENS,
            "temperature": 0,
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/chat/completions", body, {"Content-Type": "application/json"}
    )
    start = time.perf_counter()
    first, tokens = None, 0
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
        for raw in response:
            line = raw.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            delta = json.loads(line[6:])["choices"][0]["delta"]
            if delta.get("content"):
                first = first or time.perf_counter()
                tokens += 1
    end = time.perf_counter()
    return Stream((first or end) - start, end - start, tokens)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(gguf: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            gguf,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            DEEP_ALIAS,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/models", timeout=1).close()  # noqa: S310
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("llama_cpp.server did not start")


_OPENAI_SCRIPT = """
import sys, openai
client = openai.OpenAI(base_url=sys.argv[1], api_key="no-key", max_retries=0)
stream = client.chat.completions.create(
    model=sys.argv[2], messages=[{"role": "user", "content": sys.argv[3]}],
    stream=True, max_tokens=int(sys.argv[4]), temperature=0,
)
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        sys.stdout.write(chunk.choices[0].delta.content)
"""


@contextmanager
def _busy_cores() -> Iterator[None]:
    """Every core kept busy by another process (a build, a test run): what a laptop is doing
    while its user asks something."""
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        time.sleep(0.5)
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def _wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True, timeout=300)  # fmt: skip
    return time.perf_counter() - start


def _ask_rows(base: str) -> list[list[str]]:
    """`aha ask --route deep` as a user runs it (a new process: imports, config, store, the
    request) against a bare script making the same streamed request with the openai SDK."""
    env = {
        **os.environ,
        "AHA_ROUTES__DEEP__API_BASE": base,
        "AHA_ROUTES__DEEP__MODEL": f"openai/{DEEP_ALIAS}",
        "AHA_UI__PRELOAD_MODEL": "false",
    }
    short = "32"
    env["AHA_ROUTES__DEEP__MAX_TOKENS"] = short
    aha = [sys.executable, "-m", "app", "ask", "--route", "deep", PROMPT]
    sdk = [sys.executable, "-c", _OPENAI_SCRIPT, base, DEEP_ALIAS, PROMPT, short]
    ours, theirs = paired(lambda: _wall(aha, env), lambda: _wall(sdk, env), RUNS)
    a, b = median(ours), median(theirs)
    return [["aha ask --route deep", f"aha {a:.2f} s", f"openai SDK script {b:.2f} s",
             f"{ratio(a, b)} (wall time, a new process each; target <= 1.5)"]]  # fmt: skip


def engines_bench() -> None:
    from app.backend.gguf import embedded_gguf_path
    from app.backend.llama_cpp_engine import load_model
    from app.chat import SYSTEM_PROMPT, ChatService
    from storage import Store

    gguf = str(embedded_gguf_path())
    server, base = _start_server(gguf)
    try:
        settings = _settings(base)
        service = ChatService(Store.open(":memory:"), settings)
        model = load_model(embedded_gguf_path(), settings.routes["fast"].n_ctx, 0)
        loop = asyncio.new_event_loop()
        loop.run_until_complete(_through_aha(service, "deep"))  # warm the server and client
        aha_fast, bare_fast = paired(
            lambda: loop.run_until_complete(_through_aha(service, "fast")),
            lambda: _direct_llama(model, SYSTEM_PROMPT),
            RUNS,
        )
        aha_deep, bare_deep = paired(
            lambda: loop.run_until_complete(_through_aha(service, "deep")),
            lambda: _direct_http(base, SYSTEM_PROMPT),
            RUNS,
        )
        with _busy_cores():
            loaded_deep, loaded_bare = paired(
                lambda: loop.run_until_complete(_through_aha(service, "deep")),
                lambda: _direct_http(base, SYSTEM_PROMPT),
                RUNS,
            )
        loop.close()
        ask_rows = _ask_rows(base)
    finally:
        server.terminate()
        server.wait(timeout=10)

    def fig(streams: list[Stream], attr: str) -> float:
        return median([getattr(s, attr) for s in streams])

    a_tps, b_tps = fig(aha_fast, "tokens_per_s"), fig(bare_fast, "tokens_per_s")
    rows = [
        [
            "embedded tok/s",
            f"aha {a_tps:.1f}",
            f"llama-cpp-python {b_tps:.1f}",
            f"{ratio(b_tps, a_tps)} (time per token, aha / direct; target < 1.05)",
        ],
        ["  tokens", f"aha {aha_fast[-1].tokens}", f"llama-cpp-python {bare_fast[-1].tokens}"],
    ]
    for label, aha, bare, floor in (
        ("fast first token", aha_fast, bare_fast, "llama-cpp-python"),
        ("deep first token", aha_deep, bare_deep, "bare HTTP"),
        ("  ... all cores busy", loaded_deep, loaded_bare, "bare HTTP"),
    ):
        a, b = fig(aha, "first_token_s") * 1000, fig(bare, "first_token_s") * 1000
        target = " (target <= 1.2)" if "deep" in label or "busy" in label else ""
        rows.append([label, f"aha {a:.0f} ms", f"{floor} {b:.0f} ms", ratio(a, b) + target])
    d_tps, h_tps = fig(aha_deep, "tokens_per_s"), fig(bare_deep, "tokens_per_s")
    rows.append(["deep tok/s", f"aha {d_tps:.1f}", f"bare HTTP {h_tps:.1f}", ratio(h_tps, d_tps)])
    rows += ask_rows
    table(
        f"6. engines: {MAX_TOKENS} tokens, temperature 0, same loaded model "
        f"(median of {RUNS}, alternating)",
        rows,
    )
