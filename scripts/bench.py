"""`make bench`: aha's start-up, answer, router, storage, engine, streaming and draft-check
timings, each beside a same-run baseline.

Machines are noisy, so no figure stands alone: each is printed next to the closest thing that
aha cannot be faster than (bare Textual, bare llama-cpp-python, a trivial tokeniser, a bare
interpreter), measured in the same run, with their ratio. Nothing passes or fails here.

Every child process and this one run with AHA_HOME in a fresh temp dir (one sub-dir per run, so
no run sees another's sessions) and a closed port as the deep route, so the user's data is never
touched and deep is found unavailable at once.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[1]
ROOT = Path(tempfile.gettempdir())  # replaced by a fresh directory in prepare()
BASE_ENV: dict[str, str] = {}
ASK_PROMPT = "Write three sentences about the sea."
TUI_PROMPT = "Say hello"

# Children start timing on their first line, so interpreter start-up is the only thing uncounted.
FIRST_FRAME = """
import time; t0 = time.perf_counter()
import json, sys
{imports}
result = {{}}
class Probe({base}):
{compose}
    def on_mount(self):
        {super_call}
        self.call_after_refresh(self.first_frame)
    def first_frame(self):
        result.update(ms=(time.perf_counter() - t0) * 1000,
                      litellm="litellm" in sys.modules, llama_cpp="llama_cpp" in sys.modules)
        self.exit()
Probe({args}).run(headless=True, size=(120, 40))
print(json.dumps(result))
"""
AHA_FRAME = FIRST_FRAME.format(
    imports="import app.config, app.ui.app",
    base="app.ui.app.AhaApp",
    compose="",
    super_call="super().on_mount()",
    args="app.config.load_settings()",
)
BARE_FRAME = FIRST_FRAME.format(
    imports="from textual.app import App\nfrom textual.widgets import Footer, Header, Static",
    base="App",
    compose="    def compose(self):\n        yield Header(); yield Static('hello'); yield Footer()",
    super_call="pass",
    args="",
)

TUI_ANSWER = """
import asyncio, json, time
import app.config
from app.ui.app import AhaApp
from widgets.message_view import AssistantMessage
from widgets.prompt_input import PromptInput

async def main():
    aha = AhaApp(app.config.load_settings())
    async with aha.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        box = aha.screen.query_one(PromptInput)
        box.focus(); box.load_text(PROMPT); await pilot.pause()
        # pilot.press waits until the app is idle, i.e. the whole answer: poll beside it instead.
        t0 = time.perf_counter(); first = None; seen = False
        press = asyncio.create_task(pilot.press("enter"))
        while time.perf_counter() - t0 < 120:
            seen = seen or aha.screen.streaming
            views = aha.screen.query(AssistantMessage)
            if first is None and views and views.last().body.source:
                first = time.perf_counter() - t0
            if (seen or press.done()) and views and not aha.screen.streaming:
                break
            await asyncio.sleep(0.002)
        done = time.perf_counter() - t0
        await press
        text = views.last().body.source if views else ""
    print(json.dumps(dict(first=first, done=done, chars=len(text.strip()))))
asyncio.run(main())
"""

# argv: gguf path, system prompt, user prompt, max_tokens. Tokens to stdout, timings to stderr.
BARE_LLAMA = """
import time; t0 = time.perf_counter()
import json, sys
import llama_cpp
path, system, prompt, max_tokens = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
llm = llama_cpp.Llama(model_path=path, n_ctx=2048, n_gpu_layers=0, verbose=False)
messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
first = None
for chunk in llm.create_chat_completion(
    messages=messages, stream=True, max_tokens=max_tokens, temperature=0
):
    text = chunk["choices"][0]["delta"].get("content")
    if text:
        first = first or time.perf_counter() - t0
        sys.stdout.write(text); sys.stdout.flush()
print()
sys.stderr.write("\\n" + json.dumps(dict(first=first, done=time.perf_counter() - t0)) + "\\n")
"""


def prepare() -> None:
    """A fresh temp home for this process and every child; the user's own AHA_* settings
    (AHA_CONFIG above all) are dropped so they can neither be touched nor skew the figures."""
    global ROOT, BASE_ENV
    ROOT = Path(tempfile.mkdtemp(prefix="aha-bench-"))
    for name in [n for n in os.environ if n.startswith("AHA_")]:
        del os.environ[name]
    os.environ["AHA_HOME"] = str(ROOT / "bench")
    BASE_ENV = {
        **os.environ,
        "AHA_ROUTES__DEEP__API_BASE": "http://127.0.0.1:9",
        "AHA_UI__PRELOAD_MODEL": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def run_child(
    argv: list[str], label: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> tuple[float, str, str]:
    """Run one child in its own fresh AHA_HOME; return (wall seconds, stdout, stderr)."""
    home = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=ROOT))
    full_env = {**BASE_ENV, **(env or {}), "AHA_HOME": str(home)}
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        cwd=REPO,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{label} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return wall, done.stdout, done.stderr


def python(
    code: str, label: str, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> tuple[float, str, str]:
    return run_child([sys.executable, "-c", code, *args], label, env, stdin)


def last_json(text: str) -> dict[str, Any]:
    """Children print their figures as the last JSON line, after whatever a library printed."""
    figures: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    return figures


def paired(a: Callable[[], T], b: Callable[[], T], runs: int) -> tuple[list[T], list[T]]:
    """Alternate a and b, so a burst of background load lands on both sides, not on one."""
    pairs = [(a(), b()) for _ in range(runs)]
    return [x for x, _ in pairs], [y for _, y in pairs]


def median(values: list[float]) -> float:
    """NaN rather than an exception when a figure never appeared (no words streamed)."""
    return statistics.median(values) if values else float("nan")


def table(title: str, rows: list[list[str]]) -> None:
    """Print rows of cells with every column left-aligned to its widest cell."""
    print(f"\n{title}")
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    for row in rows:
        print("  " + "   ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip())


def ratio(a: float, b: float) -> str:
    return f"ratio {a / b:.2f}" if b else "ratio n/a"


# 1. First frame -----------------------------------------------------------------------------


def first_frame(runs: int = 5) -> None:
    """Median fresh-interpreter time to the first headless frame, aha against bare Textual."""
    aha, bare = paired(
        lambda: last_json(python(AHA_FRAME, "frame-aha")[1]),
        lambda: last_json(python(BARE_FRAME, "frame-bare")[1]),
        runs,
    )
    a, b = median([r["ms"] for r in aha]), median([r["ms"] for r in bare])
    yes = {mod: "yes" if any(r[mod] for r in aha) else "no" for mod in ("litellm", "llama_cpp")}
    table(
        f"1. time to first frame, headless 120x40 (median of {runs} fresh interpreters)",
        [
            ["first frame", f"aha {a:.0f} ms", f"bare textual {b:.0f} ms", ratio(a, b)],
        ],
    )
    print(f"  litellm imported at first frame: {yes['litellm']}")
    print(f"  llama_cpp imported at first frame: {yes['llama_cpp']}")


# 2. First answer in the TUI -----------------------------------------------------------------


def model_inputs() -> tuple[str, str]:
    """The embedded GGUF and aha's system prompt, so the bare baselines do exactly aha's work."""
    from app.backend.gguf import embedded_gguf_path
    from app.chat import SYSTEM_PROMPT

    return str(embedded_gguf_path()), SYSTEM_PROMPT


def bare_llama(gguf: str, system: str, prompt: str, max_tokens: int) -> dict[str, Any]:
    """One cold bare llama-cpp-python run: its timings plus how many characters it wrote."""
    _, out, err = python(BARE_LLAMA, "bare", gguf, system, prompt, str(max_tokens))
    return {**last_json(err), "chars": len(out.strip())}


def tui_answer(runs: int = 5) -> None:
    """Enter-to-first-words and enter-to-done in a cold TUI (model loads on first use), against
    a cold bare llama-cpp-python import + load + generation of the same 16 tokens."""
    gguf, system = model_inputs()
    env = {"AHA_ROUTES__FAST__MAX_TOKENS": "16", "AHA_ROUTES__FAST__TEMPERATURE": "0"}
    code = f"PROMPT = {TUI_PROMPT!r}\n" + TUI_ANSWER
    aha, bare = paired(
        lambda: last_json(python(code, "tui", env=env)[1]),
        lambda: bare_llama(gguf, system, TUI_PROMPT, 16),
        runs,
    )

    def ms(rows: list[dict[str, Any]], key: str) -> float:
        return median([r[key] * 1000 for r in rows if r[key] is not None])

    rows = []
    for key, label in (("first", "first words"), ("done", "answer done")):
        a, b = ms(aha, key), ms(bare, key)
        rows.append([label, f"aha TUI {a:.0f} ms", f"bare llama.cpp {b:.0f} ms", ratio(a, b)])
    table(
        f"2. first answer in the TUI, {TUI_PROMPT!r}, 16 tokens, model load included "
        f"(median of {runs} cold processes)",
        rows,
    )
    print(f"  answer chars: aha {aha[-1]['chars']}, bare llama.cpp {bare[-1]['chars']}")


# 3. aha ask ---------------------------------------------------------------------------------

ASK_CASES = (
    (ASK_PROMPT, 64),
    ("Write a long story about a lighthouse keeper and a storm.", 256),
)


def ask(runs: int = 5) -> None:
    """Whole-command wall time of `aha ask` against a bare script doing the same generation.

    Two lengths: aha's own start-up (config validation, database, routing) is a fixed cost,
    so the ratio depends on how long the generation itself takes.
    """
    gguf, system = model_inputs()
    rows = []
    for prompt, tokens in ASK_CASES:
        aha_argv = [
            sys.executable,
            "-m",
            "app",
            "ask",
            "--max-tokens",
            str(tokens),
            "--temperature",
            "0",
            "--route",
            "fast",
            prompt,
        ]
        bare_argv = [sys.executable, "-c", BARE_LLAMA, gguf, system, prompt, str(tokens)]
        aha, bare = paired(
            lambda: run_child(aha_argv, "ask"), lambda: run_child(bare_argv, "ask-bare"), runs
        )
        a, b = median([r[0] * 1000 for r in aha]), median([r[0] * 1000 for r in bare])
        a_chars, b_chars = len(aha[-1][1].strip()), len(bare[-1][1].strip())
        rows.append(
            [
                f"{tokens} tokens",
                f"aha {a:.0f} ms",
                f"bare llama.cpp {b:.0f} ms",
                f"{ratio(a, b)} (goal < 1.3)",
            ]
        )
        rows.append(["  output chars", f"aha {a_chars}", f"bare llama.cpp {b_chars}"])
    table(f"3. `aha ask` wall time, temperature 0 (median of {runs} runs each)", rows)


def main() -> int:
    prepare()
    print(
        f"aha bench: python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"AHA_HOME under {ROOT} (removed at exit)"
    )
    from scripts.bench_checks import checks_bench
    from scripts.bench_drafts import drafts_bench
    from scripts.bench_engines import engines_bench
    from scripts.bench_router import router
    from scripts.bench_storage import storage_bench
    from scripts.bench_streaming import streaming_bench

    sections = {
        "first_frame": first_frame,
        "tui_answer": tui_answer,
        "ask": ask,
        "router": router,
        "storage": storage_bench,
        "engines": engines_bench,
        "streaming": streaming_bench,
        "drafts": drafts_bench,
        "checks": checks_bench,
    }
    # `python -m scripts.bench ask` runs one section; `make bench SECTIONS=ask,router` two.
    chosen = [name for arg in sys.argv[1:] for name in arg.split(",") if name] or list(sections)
    unknown = [name for name in chosen if name not in sections]
    try:
        if unknown:
            names = ", ".join(sections)
            print(f"aha bench: no section {', '.join(unknown)}; there are {names}", file=sys.stderr)
            return 2
        for name in chosen:
            sections[name]()
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
