"""`make bench` section 4: router decisions per second, beside a trivial tokeniser, and
`aha route` throughput beside a bare interpreter."""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable

from scripts.bench import median, python, ratio, run_child, table


def router_prompts(n: int = 200) -> list[str]:
    """Deterministic mix of short, long, code and math prompts (seeded, same every run)."""
    rng = random.Random(20240501)
    topics = [
        "dropout",
        "attention",
        "gradient clipping",
        "the sea",
        "blog structure",
        "batch norm",
        "sqlite indexes",
        "retries",
        "curriculum learning",
        "tokenisers",
    ]
    short = ["hi", "thanks!", "What is {t}?", "define {t}", "ok, go on", "Say hello"]
    long = [
        "I am drafting a post about {t}. " * 6 + "Critique the structure and suggest fixes.",
        "Why does {t} help? Explain step by step, compare two alternatives, and list "
        "three experiments I could run. " * 3,
    ]
    code = [
        "Fix this:\n```python\ndef f(x):\n    return x +\n```",
        "Write a Python function that implements {t} with tests.\n```py\nimport os\n```",
    ]
    math = [
        "Prove that the sum of the first n odd numbers is n^2.",
        "Derive the gradient of softmax cross-entropy and show that it equals p - y.",
        "Solve 3x + 7 = 22 for x, then integrate x^2 from 0 to {n}.",
    ]
    kinds = [short, long, code, math]
    out = []
    for _ in range(n):
        template = rng.choice(rng.choice(kinds))
        out.append(template.format(t=rng.choice(topics), n=rng.randint(2, 9)))
    return out


def loop_figures(
    fn: Callable[[str], object], prompts: list[str], seconds: float
) -> tuple[float, float, float]:
    """(calls/s over whole passes, p50 ms, p95 ms per call). Throughput is timed per pass so
    the timer's own cost does not swamp a trivial function; percentiles come from 3 timed passes."""
    each: list[float] = []
    for _ in range(3):
        for p in prompts:
            t = time.perf_counter()
            fn(p)
            each.append((time.perf_counter() - t) * 1000)
    calls, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for p in prompts:
            fn(p)
        calls += len(prompts)
    cuts = statistics.quantiles(each, n=100)
    return calls / elapsed, cuts[49], cuts[94]


def router(lines: int = 1000, runs: int = 3) -> None:
    """In-process decisions/s against plain whitespace tokenising, then `aha route` on stdin."""
    from app.router import Router

    prompts = router_prompts()
    r_rate, r50, r95 = loop_figures(Router().decide, prompts, 2.0)
    b_rate, b50, b95 = loop_figures(lambda p: len(p.split()), prompts, 1.0)
    stdin = "".join(json.dumps({"prompt": prompts[i % len(prompts)]}) + "\n" for i in range(lines))
    route_argv = [sys.executable, "-m", "app", "route"]
    many = median([run_child(route_argv, "route", stdin=stdin)[0] for _ in range(runs)])
    one = median(
        [run_child(route_argv, "route1", stdin=stdin.splitlines(True)[0])[0] for _ in range(runs)]
    )
    bare = median([python("pass", "pass")[0] for _ in range(5)])
    table(
        f"4. router ({len(prompts)} fixed prompts; subprocesses median of {runs})",
        [
            [
                "decide()",
                f"router {r_rate:,.0f}/s",
                f"len(split()) {b_rate:,.0f}/s",
                f"{ratio(b_rate, r_rate)} (time per call, router / split)",
            ],
            [
                "p50 / p95",
                f"router {r50:.3f} / {r95:.3f} ms",
                f"len(split()) {b50:.4f} / {b95:.4f} ms",
            ],
            [
                f"aha route, {lines} lines",
                f"aha {many * 1000:.0f} ms ({lines / many:,.0f} prompts/s)",
                f"python -c pass {bare * 1000:.0f} ms",
                ratio(many, bare),
            ],
            [
                "aha route, 1 line",
                f"aha {one * 1000:.0f} ms",
                f"python -c pass {bare * 1000:.0f} ms",
                ratio(one, bare),
            ],
        ],
    )
