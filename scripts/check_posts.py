"""How noisy the drafts' structure checks are on published posts: `python -m scripts.check_posts
DIR [DIR ...]` runs every rule over each Markdown file in each folder (a Jekyll `_posts`, say)
and prints, per folder, the median and largest number of warnings and errors per post, how many
posts have an error (and so fail `aha draft check`), and the findings by rule.

This is how the default thresholds were chosen (README, *Drafts*): on one blog's published
posts, the calibration set, then measured once on another's. The posts stay outside the
repository; the README names the ones used.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter
from pathlib import Path

from app.writing.checks import check

MARKDOWN = {".md", ".markdown"}


def report(folder: Path) -> str:
    counts: list[int] = []
    failing = 0
    by_rule: Counter[tuple[str, str]] = Counter()
    for path in sorted(p for p in folder.iterdir() if p.suffix in MARKDOWN):
        findings = check(path.read_text(encoding="utf-8", errors="replace"))
        counts.append(sum(f.severity in ("error", "warning") for f in findings))
        failing += any(f.severity == "error" for f in findings)
        by_rule.update((f.rule, f.severity) for f in findings)
    if not counts:
        return f"{folder}: no Markdown files"
    lines = [
        f"{folder}: {len(counts)} posts · warnings and errors per post: median"
        f" {statistics.median(counts):g}, max {max(counts)} · failing (an error): {failing}"
    ]
    lines += [f"  {n:5d}  {rule} ({severity})" for (rule, severity), n in by_rule.most_common()]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    for name in argv:
        print(report(Path(name)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
