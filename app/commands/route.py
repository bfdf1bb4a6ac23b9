"""`aha route`: the router's decision for one prompt, or for JSON lines on stdin.

`aha route train [--data DIR] [--out FILE]` retrains the weights instead (numpy, imported only
then). A prompt that is literally "train" is explained with `aha route -- train`.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.config import Settings
from app.router import Router


def _explain(router: Router, text: str, as_json: bool) -> None:
    decision = router.decide(text)
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
        decision = router.decide(prompt)
        record = decision.to_dict()
        record.pop("forced", None)
        print(json.dumps(record), flush=True)
    return status


def run_route(args: argparse.Namespace, settings: Settings) -> int:
    router = Router(threshold=settings.router.threshold)
    if args.text is not None:
        _explain(router, args.text, args.json)
        return 0
    return _stream(router)


def run_train(argv: list[str]) -> int:
    """`aha route train`: retrain app/router/weights.json (see app/router/train.py)."""
    from app.router.train import main

    return main(argv)
