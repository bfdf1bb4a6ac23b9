"""`make bench` section 7: `aha draft check`'s analysis of a big Markdown file.

The checks read one markdown-it-py parse of the file and then walk its blocks, sections and
sentences; the closest thing they cannot be faster than is that parse alone, so each figure is
`check(text)` (parse included) beside markdown-it-py parsing the same text with the same
options, alternating in one process. Two sizes, a quarter and the whole: with linear checks
the ratio is about the same at both (it was 68 s for 10 MB when some steps were quadratic).

The file is generated, not sampled: a seeded post of sections, wrapped and one-line
paragraphs, lists, quotes, code, links and inline code, in the bench corpus's vocabulary.
"""

from __future__ import annotations

import random
import time

from scripts.bench import median, paired, ratio, table
from scripts.bench_corpus import SEED, TextGen

SIZE_BYTES = 10_000_000
RUNS = 3


def generate_post(size: int, seed: int = SEED) -> str:
    """About `size` bytes of a plausible long post, the same text for the same seed."""
    rng = random.Random(seed)
    gen = TextGen(rng)

    def sentence() -> str:
        text = gen.sentence()
        roll = rng.random()
        if roll < 0.08:
            head, _, tail = text.partition(" ")
            text = f"{head} [the write-up](https://example.com/{rng.randint(1, 999)}/post) {tail}"
        elif roll < 0.16:
            text = text.replace(" ", " `config.value` ", 1)
        elif roll < 0.2:
            text = text.replace(" ", " e.g. ", 1)
        return text

    def wrapped(text: str) -> str:
        out, line = [], ""
        for word in text.split(" "):
            if line and len(line) + len(word) > 78:
                out.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        return "\n".join([*out, line])

    parts = [
        "# A long post about training and writing\n",
        wrapped(" ".join(sentence() for _ in range(6))),
    ]
    total = sum(len(p) for p in parts)
    section = 0
    while total < size:
        roll = rng.random()
        if roll < 0.06:
            section += 1
            level = "##" if rng.random() < 0.7 else "###"
            part = f"{level} Part {section}: {gen.sentence().rstrip('.')}"
        elif roll < 0.1:
            part = "```python\nfor step in range(10):\n    loss = train(step)\n```"
        elif roll < 0.16:
            part = "\n".join(f"- {sentence()}" for _ in range(rng.randint(2, 6)))
        elif roll < 0.19:
            part = "> " + " ".join(sentence() for _ in range(rng.randint(1, 3)))
        elif roll < 0.26:  # a paragraph written on one line, as many editors save them
            part = " ".join(sentence() for _ in range(rng.randint(8, 30)))
        else:
            part = wrapped(" ".join(sentence() for _ in range(rng.randint(2, 9))))
        parts.append(part)
        total += len(part) + 2
    return "\n\n".join(parts) + "\n"


def _clear_caches() -> None:
    """Each run starts as a fresh `aha draft check` process would: nothing parsed yet."""
    from app.writing import document, prose, text

    document.parse.cache_clear()
    text.syllables.cache_clear()
    prose.stem.cache_clear()


def _time_check(text: str, findings: list[int]) -> float:
    from app.writing.checks import check

    _clear_caches()
    start = time.perf_counter()
    found = check(text)
    seconds = time.perf_counter() - start
    findings.append(len(found))
    return seconds


def _time_parse(text: str) -> float:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable("table")  # what app.writing.document uses
    start = time.perf_counter()
    parser.parse(text)
    return time.perf_counter() - start


def drafts_bench(runs: int = RUNS) -> None:
    start = time.perf_counter()
    whole = generate_post(SIZE_BYTES)
    built = time.perf_counter() - start
    rows = []
    for label, text in (("quarter", whole[: len(whole) // 4]), ("whole", whole)):
        findings: list[int] = []

        def aha(text: str = text, findings: list[int] = findings) -> float:
            return _time_check(text, findings)

        def bare(text: str = text) -> float:
            return _time_parse(text)

        checks, parses = paired(aha, bare, runs)
        a, b = median(checks), median(parses)
        mb = len(text.encode()) / 1e6
        rows.append(
            [
                f"{label}, {mb:.1f} MB",
                f"draft check {a:.2f} s",
                f"markdown-it parse {b:.2f} s",
                ratio(a, b),
                f"{findings[-1]:,} findings",
            ]
        )
    _clear_caches()
    lines = whole.count("\n")
    table(
        f"7. `aha draft check` analysis of a generated post ({lines:,} lines, built in"
        f" {built:.0f} s; median of {runs}, parse included on the aha side)",
        rows,
    )


if __name__ == "__main__":
    drafts_bench()
