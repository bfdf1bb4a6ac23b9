"""`make bench` section 8: what the sandbox costs a check.

The same program (a function and ten asserts, through the same harness) run two ways,
alternating: in the sandbox (bubblewrap, a fresh folder, the caps) and with bare `python` in
a plain subprocess. The difference is what aha adds to every check; the goal is at most 150 ms.
"""

from __future__ import annotations

import shutil
import subprocess
import time

from scripts.bench import median, paired, table

RUNS = 7
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


def checks_bench() -> None:
    from app.checks.sandbox import probe

    available = probe()
    if not available.ok:
        table("8. checks: the sandbox's cost", [["sandbox", available.detail]])
        return
    ours, bare = paired(_sandboxed, _bare, RUNS)
    a, b = median(ours) * 1000, median(bare) * 1000
    table(
        f"8. checks: ten asserts through the harness (median of {RUNS}, alternating)",
        [
            [
                "sandboxed check",
                f"aha {a:.0f} ms",
                f"bare python {b:.0f} ms",
                f"+{a - b:.0f} ms (goal <= +150 ms)",
            ]
        ],  # fmt: skip
    )
