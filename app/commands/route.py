"""`aha route`: the router's decision for one prompt, or for JSON lines on stdin.

`aha route train [--data DIR] [--out FILE]` retrains the weights instead (numpy, imported only
then); `aha route eval DATA` measures the router against baselines on labelled prompts.
`aha route stats [--last N] [--json]` compares the share of recent prompts the router sent deep
with the configured target (`router.deep_share`), and says how far the user's feedback
(escalations, overkill marks) has moved the threshold. A prompt that is literally "train" or
"stats" is explained with `aha route -- train`.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.config import Settings
from app.router import Router
from app.router.feedback import (
    ESCALATED,
    FAST_ENOUGH,
    NEEDED_DEEP,
    OVERKILL,
    WINDOW,
    threshold_shift,
)
from app.router.overrides import split_override


def _explain(router: Router, text: str, as_json: bool) -> None:
    forced, text = split_override(text)  # explained as `aha ask` would route it
    decision = router.decide(text, force=forced)
    if as_json:
        print(json.dumps(decision.to_dict()))
        return
    print(f"route      {decision.route}")
    print(f"score      {decision.score:.3f}  (p(needs deep); threshold {decision.threshold:.2f})")
    for i, reason in enumerate(decision.reasons):
        print(f"{'reasons' if i == 0 else '':<10} {reason}")
    print(f"decided in {decision.ms:.3f} ms")


def _stream(router: Router) -> int:
    """One output line per input line, in order; a bad line gets an error object, not a crash."""
    status = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            item, problem = None, f"not JSON ({exc.msg})"
        else:
            problem = 'expected an object like {"prompt": "..."}'
        prompt = item.get("prompt") if isinstance(item, dict) else None
        if not isinstance(prompt, str):
            print(json.dumps({"error": f"line {number}: {problem}"}), flush=True)
            status = 1
            continue
        forced, prompt = split_override(prompt)
        decision = router.decide(prompt, force=forced)
        record = decision.to_dict()
        record.pop("forced", None)
        print(json.dumps(record), flush=True)
    return status


def run_route(args: argparse.Namespace, settings: Settings) -> int:
    router = Router(
        threshold=settings.router.explicit_threshold, deep_share=settings.router.deep_share
    )
    if args.text is not None:
        _explain(router, args.text, args.json)
        return 0
    return _stream(router)


def run_eval(argv: list[str]) -> int:
    """`aha route eval DATA`: aha's router and baselines on labelled prompts (eval_cli.py)."""
    from app.router.lab.eval_cli import main

    return main(argv)


def run_train(argv: list[str]) -> int:
    """`aha route train`: retrain app/router/weights.json (see app/router/lab/train.py)."""
    from app import paths
    from app.router.lab.train import main

    return main(argv, default_outcomes=paths.database_path())


DRIFT_POINTS = 10
# Below this many prompts a share says little (1 of 3 is 33%), so no drift warning yet.
MIN_PROMPTS_FOR_DRIFT = 20
"""A deep share this many percentage points or more away from the target earns a warning."""
RECENT = 200


def share_report(scores: list[tuple[float, float | None]], target: float) -> dict:
    """Observed deep share of (score, stored threshold) pairs against ``target``.

    A prompt counts as deep when its score reached the threshold stored with it: the router's
    own verdict, which the threshold controls, untouched by `/deep` and `/fast`, by the critique
    rule and by fallbacks when the deep route was down.
    """
    n = len(scores)
    deep = sum(1 for score, threshold in scores if threshold is not None and score >= threshold)
    share = deep / n if n else None
    gap = None if share is None else abs(share - target) * 100
    return {
        "prompts": n,
        "deep": deep,
        "deep_share": None if share is None else round(share, 4),
        "target": target,
        "drift_points": None if gap is None else round(gap, 1),
        "drifted": gap is not None and n >= MIN_PROMPTS_FOR_DRIFT and gap > DRIFT_POINTS + 1e-9,
    }


def format_report(report: dict) -> str:
    if not report["prompts"]:
        return "no routed prompts yet: nothing to compare with the target deep share"
    head = (
        f"deep share {report['deep_share']:.2f} over the last {report['prompts']} prompts"
        f" vs target {report['target']:.2f}"
    )
    if report["prompts"] < MIN_PROMPTS_FOR_DRIFT:
        return f"{head}: too few prompts to judge drift (at least {MIN_PROMPTS_FOR_DRIFT})"
    if report["drifted"]:
        return (
            f"{head}: drifted {report['drift_points']:.0f} points;"
            " the router's threshold may need recalibrating"
        )
    return f"{head}: within {DRIFT_POINTS} points"


def run_stats(argv: list[str]) -> int:
    """`aha route stats`: the router's recent deep share against `router.deep_share`. Reads
    only: a missing database is "no routed prompts yet", never a new file."""
    from app import paths
    from app.config import ConfigError, load_settings
    from storage import Store

    parser = argparse.ArgumentParser(
        prog="aha route stats",
        description="Share of recent prompts the router sent deep, against router.deep_share;"
        f" warns when they differ by more than {DRIFT_POINTS} points.",
    )
    parser.add_argument("--last", type=int, default=RECENT, help=f"prompts to look at ({RECENT})")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.last < 1:
        parser.error("--last must be at least 1")
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"aha: config error: {exc}", file=sys.stderr)
        return 2
    scores: list[tuple[float, float | None]] = []
    feedback: list[str] = []
    path = paths.database_path()
    if path.exists():
        store = Store.open(path, read_only=True)
        try:
            scores = [(r.score, r.threshold) for r in store.recent_routing(args.last)]
            feedback = [f.kind for f in store.recent_route_feedback(WINDOW)]
        finally:
            store.close()
    report = share_report(scores, settings.router.deep_share)
    shift, why = threshold_shift(feedback)
    report |= {
        "feedback_shift": shift,
        "escalations": feedback.count(ESCALATED),
        "overkill": feedback.count(OVERKILL),
        # Outcomes of checks (aha ask --check, t in the TUI): labelled by tests, not people.
        "check_outcomes": {
            "needed_deep": feedback.count(NEEDED_DEEP),
            "fast_enough": feedback.count(FAST_ENOUGH),
        },
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(format_report(report))
        if feedback:
            print(why)
    return 0
