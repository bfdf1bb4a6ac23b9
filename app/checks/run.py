"""One check: a program's tests run in the sandbox, reduced to a stored result."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.checks import sandbox
from app.checks.extract import Program, count_tests
from app.sanitize import strip_control

HARNESS = Path(__file__).with_name("harness.py")
OUTPUT_CHARS = 2000  # of a failure's output kept, stored and sent back in a repair round

PASSED, FAILED, TIMEOUT, ERROR, BLOCKED = "passed", "failed", "timeout", "error", "blocked"


@dataclass(frozen=True, slots=True)
class CheckResult:
    kind: str  # "tests"
    status: str  # passed, failed, timeout, error, blocked
    passed: int
    failed: int
    output: str  # trimmed, control sequences stripped
    seconds: float
    sandboxed: bool

    @property
    def badge(self) -> str:
        """`tests 3/5 passed · 0.4 s`, or what stopped the run."""
        total = self.passed + self.failed
        if self.status in (PASSED, FAILED):
            return f"tests {self.passed}/{total} passed · {self.seconds:.1f} s"
        if self.status == TIMEOUT:
            return f"tests stopped at the time cap · {self.seconds:.1f} s"
        if self.status == BLOCKED:
            return "tests not run: no sandbox"
        return "tests could not run"


def trim(text: str, limit: int = OUTPUT_CHARS) -> str:
    text = strip_control(text).strip()
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + "\n…\n" + text[-half:]


def run_program(
    program: Program, limits: sandbox.Limits, allow_unsandboxed: bool = False
) -> CheckResult:
    """Blocking: write the program into a fresh folder, run the harness in the sandbox."""
    available = sandbox.probe()
    if not available.ok and not allow_unsandboxed:
        return CheckResult("tests", BLOCKED, 0, 0, available.detail, 0.0, False)
    folder = sandbox.new_folder()
    token = "@@aha-" + secrets.token_hex(16) + "@@"
    try:
        (folder / "solution.py").write_text(program.code, encoding="utf-8")
        (folder / "tests.py").write_text(program.tests, encoding="utf-8")
        (folder / "token").write_text(token, encoding="utf-8")
        shutil.copyfile(HARNESS, folder / "harness.py")
        for name in ("solution.py", "tests.py", "token", "harness.py"):
            (folder / name).chmod(0o644)
        sandbox.hand_over(folder)
        ran = sandbox.run(
            folder, [sandbox.python_path(), "-I", "harness.py"], limits, allow_unsandboxed
        )
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        # A full /tmp, a cap the system refuses: the check could not run, in one line.
        return CheckResult("tests", ERROR, 0, 0, f"the check could not start: {exc}", 0.0, False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if ran is None:
        return CheckResult("tests", BLOCKED, 0, 0, available.detail, 0.0, False)
    if token in ran.stdout:
        head, _, report = ran.stdout.rpartition(token)
    else:  # the harness never reported: whatever the code printed is not a report
        head, report = ran.stdout, ""
    output = trim("\n".join(p for p in (head, ran.stderr) if p.strip()))
    if ran.timed_out:
        return CheckResult("tests", TIMEOUT, 0, 0, output, ran.seconds, ran.sandboxed)
    try:
        record = json.loads(report.strip().splitlines()[0]) if report.strip() else None
    except (ValueError, IndexError):
        record = None
    if not isinstance(record, dict):
        why = output or f"the code ended (exit {ran.returncode}) before its tests reported"
        return CheckResult("tests", ERROR, 0, 0, trim(why), ran.seconds, ran.sandboxed)
    passed, failed = int(record.get("passed", 0)), int(record.get("failed", 0))
    problems = trim("\n".join(p for p in (str(record.get("problems") or ""), output) if p))
    if not record.get("loaded", True) or passed + failed == 0:
        return CheckResult("tests", ERROR, passed, failed, problems, ran.seconds, ran.sandboxed)
    expected = count_tests(program.tests) if program.tests.strip() else None
    if expected is not None and passed + failed != expected:
        why = f"the report counts {passed + failed} tests, the tests hold {expected}"
        return CheckResult("tests", ERROR, 0, 0, trim(why + "\n" + problems), ran.seconds,
                           ran.sandboxed)  # fmt: skip
    status = PASSED if failed == 0 else FAILED
    return CheckResult("tests", status, passed, failed, problems, ran.seconds, ran.sandboxed)
