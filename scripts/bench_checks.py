"""`make bench` section 8: what checks cost.

- The sandbox: the same program (a function and ten asserts, through the same harness) run
  two ways, alternating: in the sandbox (bubblewrap, a fresh folder, the caps) and with bare
  `python` in a plain subprocess. The difference is what aha adds to every check; the goal is
  at most 150 ms.
- Samples: N answers to one long prompt on the embedded model, as `--samples N` draws them
  (one after another, the same messages), against N times one answer to a prompt the model
  has not seen. llama.cpp keeps the evaluated prompt and evaluates only what differs, so the
  prompt is paid for once; the goal is at most N times one answer.
"""

from __future__ import annotations

import shutil
import subprocess
import time

from scripts.bench import median, paired, ratio, table

RUNS = 7
SAMPLES = 3
SAMPLE_TOKENS = 24
# A prompt long enough that evaluating it is a real part of an answer's cost.
LONG_PROMPT = (
    "Here are notes from a reading group on optimisation for deep learning. "
    + " ".join(
        f"Note {i}: the learning rate schedule, warm-up length and batch size interact, and"
        f" run {i} diverged when the warm-up was shorter than {i * 10} steps."
        for i in range(1, 25)
    )
    + " In one sentence, which setting mattered most?"
)
CODE = "def add(a, b):\n    return a + b\n"
TESTS = "\n".join(f"assert add({i}, {i}) == {2 * i}" for i in range(10)) + "\n"


def _sandboxed() -> float:
    from app.checks.extract import Program
    from app.checks.run import run_program
    from app.checks.sandbox import Limits

    start = time.perf_counter()
    result = run_program(Program(CODE, TESTS, "prompt"), Limits())
    assert result.status == "passed", result
    return time.perf_counter() - start


def _bare() -> float:
    from app.checks import sandbox
    from app.checks.run import HARNESS

    folder = sandbox.new_folder()
    try:
        (folder / "solution.py").write_text(CODE)
        (folder / "tests.py").write_text(TESTS)
        (folder / "token").write_text("@@bench@@")
        shutil.copyfile(HARNESS, folder / "harness.py")
        start = time.perf_counter()
        subprocess.run([sandbox.python_path(), "-I", "harness.py"], cwd=folder, check=True,
                       capture_output=True)  # fmt: skip
        return time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _answer_seconds(engine: object, prompt: str) -> float:
    import asyncio

    from app.backend.events import ChatMessage

    async def one() -> None:
        async for _ in engine.stream([ChatMessage(role="user", content=prompt)]):  # type: ignore[attr-defined]
            pass

    start = time.perf_counter()
    asyncio.run(one())
    return time.perf_counter() - start


def _samples_row() -> list[str]:
    """N answers to one prompt against N times one answer to a fresh prompt, medians of
    alternating rounds (each round's fresh prompt differs, so nothing is cached for it)."""
    from app.backend.llama_cpp_engine import LlamaCppEngine
    from app.config import load_settings

    route = (
        load_settings()
        .routes["fast"]
        .model_copy(update={"max_tokens": SAMPLE_TOKENS, "temperature": 0.0})
    )
    engine = LlamaCppEngine(route)
    engine.warm_up()
    singles: list[float] = []
    samples: list[float] = []
    for round_ in range(3):
        singles.append(_answer_seconds(engine, f"Round {round_}. " + LONG_PROMPT))
        prompt = f"Sampled {round_}. " + LONG_PROMPT
        samples.append(sum(_answer_seconds(engine, prompt) for _ in range(SAMPLES)))
    one, many = median(singles), median(samples)
    return [
        f"{SAMPLES} samples, embedded model",
        f"aha {many * 1000:,.0f} ms",
        f"{SAMPLES} x one answer {SAMPLES * one * 1000:,.0f} ms",
        f"{ratio(many, SAMPLES * one)} (goal <= 1; {SAMPLE_TOKENS} tokens each)",
    ]


def checks_bench() -> None:
    from app.checks.sandbox import probe

    available = probe()
    rows: list[list[str]] = []
    if available.ok:
        ours, bare = paired(_sandboxed, _bare, RUNS)
        a, b = median(ours) * 1000, median(bare) * 1000
        rows.append(
            [
                f"sandboxed check (median of {RUNS})",
                f"aha {a:.0f} ms",
                f"bare python {b:.0f} ms",
                f"+{a - b:.0f} ms (goal <= +150 ms)",
            ]
        )
    else:
        rows.append(["sandbox", available.detail])
    rows.append(_samples_row())
    table("8. checks: the sandbox's cost, and samples", rows)
