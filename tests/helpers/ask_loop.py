"""Driver for the two-process test: `aha ask` many times in one process.

Spawning a process per prompt would spend most of the test importing litellm (seconds each), so
this runs the very code path of `aha ask` (`app.cli.main(["ask", ...])`: settings, opening the
database, recovery, routing, streaming, storing) N times in-process.

    python tests/helpers/ask_loop.py WORKER COUNT RUN_DIR

It writes `RUN_DIR/ready-WORKER` once litellm is imported, waits for `RUN_DIR/go` (so both
workers start writing at the same moment), then records each call's start and end times
(`time.time()`, comparable across processes) and exit code to `RUN_DIR/times-WORKER.json`.
Exits 0 only when every call returned 0.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

GO_TIMEOUT_S = 300.0


def main(argv: list[str]) -> int:
    worker, count, run_dir = argv[0], int(argv[1]), Path(argv[2])
    from app.backend.litellm_engine import import_litellm
    from app.cli import main as aha_main

    import_litellm()  # the seconds-long import happens before the start line, not inside it
    (run_dir / f"ready-{worker}").touch()
    deadline = time.monotonic() + GO_TIMEOUT_S
    while not (run_dir / "go").exists():
        if time.monotonic() > deadline:
            print(f"worker {worker}: no go signal", file=sys.stderr)
            return 3
        time.sleep(0.01)

    calls: list[dict[str, object]] = []
    for i in range(count):
        started = time.time()
        code = aha_main(["ask", "--route", "fast", f"prompt {worker} {i}"])
        calls.append({"i": i, "start": started, "end": time.time(), "rc": code})
    (run_dir / f"times-{worker}.json").write_text(json.dumps(calls), encoding="utf-8")
    return 0 if all(c["rc"] == 0 for c in calls) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
