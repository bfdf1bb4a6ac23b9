"""`make bench` storage section: search, thread loading and writes on a 100k-message database.

Each figure stands beside a baseline measured in the same run on the same file: the naive LIKE
scan search would be without the FTS index, a plain load of every row of a session, raw
executemany inserts, and the streaming flush on a database without the search triggers.

The database is generated, not sampled: a seeded word generator mixing ML and writing
vocabulary with a Zipf-like frequency, 1,000 sessions (one of 5,000 messages), user and
assistant turns alternating, with regenerated answers and edited prompts as branches. Bulk
generation goes through executemany with the search triggers on, so the index is built the
way the app builds it, one row at a time; it is not part of any measured figure.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path

from scripts.bench import median, ratio, table
from storage import MessageStatus, Store
from storage.repository import RouteRecord, title_from_prompt

SEED = 20240501
SESSIONS = 1_000
MESSAGES = 100_000
BIG_SESSION = 5_000
TAIL_WORDS = 20_000
ROUTE = RouteRecord(route="fast", model="bench")

FUNCTION_WORDS = (
    "the of and to a in is that it for on with as this be are we you can but not or by an if "
    "at from more what how which when so then than each one they their there would should could "
    "about into also only some any very just like use used make each other two first new"
).split()
ML_WORDS = (
    "model transformer attention dropout gradient optimizer batch normalization regularization "
    "overfitting embedding tokenizer loss validation dataset benchmark ablation hypothesis "
    "experiment baseline convergence curriculum distillation quantization inference latency "
    "throughput router calibration softmax logits perplexity checkpoint finetuning pretraining "
    "augmentation label noise variance bias sampling temperature decoder encoder layer residual "
    "warmup schedule momentum adam weight decay clipping scaling sparsity pruning retrieval "
    "contrastive representation generalization robustness evaluation metric accuracy recall "
    "precision cluster kernel convolution recurrent lstm diffusion reward policy"
).split()
WRITING_WORDS = (
    "draft outline paragraph thesis argument structure introduction conclusion audience tone "
    "narrative headline transition evidence claim revision critique section reader story "
    "example sentence voice clarity pacing hook title summary opening ending point idea post "
    "blog essay structure flow rewrite edit feedback"
).split()
OTHER_WORDS = (
    "think try run check explain compare improve reduce increase measure train test build show "
    "small large fast slow better worse simple clear different similar important useful likely "
    "problem question result reason step time data value case way part change effect approach "
    "because although however instead maybe probably often usually"
).split()
PHRASES = (
    "learning rate",
    "batch size",
    "loss curve",
    "mixed precision",
    "first draft",
    "topic sentence",
    "call to action",
    "train loss",
    "held out set",
    "rough outline",
)
QUERIES = [
    *"dropout gradient tokenizer perplexity quantization distillation calibration curriculum "
    "contrastive diffusion checkpoint convergence ablation warmup sparsity".split(),
    *"thesis headline narrative transition critique pacing hook rewrite clarity audience".split(),
    "the",
    "model",
    "problem",
    "because",
    "data",
    "dropout regularization",
    "attention decoder",
    "learning rate",
    "draft outline",
    "gradient clipping",
    "loss validation",
    "blog post",
    "reward policy",
    "tone voice",
    "evaluation metric",
    '"learning rate"',
    '"batch size"',
    '"first draft"',
    '"mixed precision"',
    '"loss curve"',
    "transf",
    "regul",
    "quant",
    "calib",
    "distil",
]


class TextGen:
    """Seeded prose with a skewed word frequency, so common and rare terms behave as in life."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        topical = ML_WORDS + WRITING_WORDS + OTHER_WORDS + [f"@{p}" for p in PHRASES]
        tail = _pseudo_words(random.Random(SEED), TAIL_WORDS)
        # Topical words land at ranks 40..3,000 among a long tail of made-up words, so a term
        # like "dropout" is in a few percent of messages and "the" in nearly all, as in prose.
        ranks = sorted(rng.sample(range(40, 3_000), len(topical)))
        rng.shuffle(topical)
        words = FUNCTION_WORDS + tail
        for rank, word in zip(ranks, topical, strict=True):
            words.insert(rank, word)
        self.words = words
        self.cum = list(accumulate([1.0 / (rank + 3) for rank in range(len(words))]))

    def sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cum, k=self.rng.randint(6, 20))
        text = " ".join(w[1:] if w.startswith("@") else w for w in words)
        return text[0].upper() + text[1:] + "."

    def message(self, lo: int, hi: int) -> str:
        count = self.rng.randint(lo, hi)
        sentences = [self.sentence() for _ in range(count)]
        if count > 6 and self.rng.random() < 0.4:  # answers often carry a short list
            sentences[3:6] = ["\n- " + s for s in sentences[3:6]]
        return " ".join(sentences)


def _pseudo_words(rng: random.Random, count: int) -> list[str]:
    """Pronounceable made-up words for the vocabulary's long tail, all distinct."""
    onsets, vowels, codas = (
        "b br c d f g gr k l m n p pl r s st t tr v w z".split(),
        "a e i o u ai ea io".split(),
        ["", "n", "r", "s", "l", "x", "nd", "st", "m"],
    )
    seen: set[str] = set()
    while len(seen) < count:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(1, 3)))
        seen.add(word + rng.choice(codas))
    return sorted(seen)


def _session_sizes(rng: random.Random) -> list[int]:
    """One 5,000-message session; the rest share what is left, unevenly."""
    rest = MESSAGES - BIG_SESSION
    cuts = sorted(rng.sample(range(1, rest), SESSIONS - 2))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, rest], strict=True)]
    return [BIG_SESSION, *(max(s, 2) for s in sizes)]


def generate(path: Path) -> str:
    """Fill a new database at `path`; returns the id of the 5,000-message session."""
    rng = random.Random(SEED)
    gen = TextGen(rng)
    store = Store.open(path)
    clock = 1_700_000_000_000_000  # microseconds; ids and timestamps both derive from it
    columns = (
        "id, session_id, parent_id, role, content, reasoning, status, route, model, "
        "created_at, updated_at"
    )
    big = ""
    for index, size in enumerate(_session_sizes(rng)):
        clock += rng.randint(10**6, 10**9)
        session_id = f"{clock:014x}{rng.getrandbits(40):010x}"
        rows: list[tuple[object, ...]] = []
        leaf: str | None = None
        user_parent: str | None = None
        while len(rows) < size:
            edited = bool(rows) and user_parent is not None and rng.random() < 0.04
            parent = user_parent if edited else leaf  # an edited prompt: a sibling of the last
            for role in ("user", "assistant"):
                if len(rows) >= size:
                    break
                clock += rng.randint(10**6, 10**8)
                mid = f"{clock:014x}{rng.getrandbits(40):010x}"
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(clock / 1e6)) + ".000Z"
                text = gen.message(1, 4) if role == "user" else gen.message(3, 25)
                thinking = gen.message(2, 8) if role == "assistant" and rng.random() < 0.3 else ""
                rows.append(
                    (
                        mid,
                        session_id,
                        parent,
                        role,
                        text,
                        thinking,
                        "complete",
                        "fast" if role == "assistant" else None,
                        "bench",
                        stamp,
                        stamp,
                    )
                )
                if role == "user":
                    user_parent, parent = parent, mid
                if role == "assistant" and rng.random() < 0.08 and len(rows) < size:
                    clock += rng.randint(10**6, 10**7)  # a regenerated answer: a sibling
                    mid = f"{clock:014x}{rng.getrandbits(40):010x}"
                    rows.append(
                        (
                            mid,
                            session_id,
                            parent,
                            role,
                            gen.message(3, 25),
                            "",
                            "complete",
                            "fast",
                            "bench",
                            stamp,
                            stamp,
                        )
                    )
                leaf = mid
        title = title_from_prompt(str(rows[0][4]))
        conn = store.conn
        conn.execute("BEGIN")
        conn.execute(
            "INSERT INTO sessions (id, title, created_at, updated_at, active_leaf_id, archived)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (session_id, title, rows[0][9], rows[-1][9], leaf, int(rng.random() < 0.1)),
        )
        conn.executemany(f"INSERT INTO messages ({columns}) VALUES ({', '.join('?' * 11)})", rows)
        conn.execute("COMMIT")
        if index == 0:
            big = session_id
    store.close()
    return big


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _p50_p95(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[94]


def search_figures(store: Store) -> list[list[str]]:
    """Each query once through FTS and once through the LIKE scan, alternating, after a short
    untimed pass that warms the page cache for both."""
    for q in QUERIES[:5]:
        store.search(q)
        store.search_like(q)
    fts, like, found = [], [], []
    for q in QUERIES:
        fts.append(_ms(lambda q=q: found.append(len(store.search(q)))))
        like.append(_ms(lambda q=q: store.search_like(q)))
    (f50, f95), (l50, l95) = _p50_p95(fts), _p50_p95(like)
    typing = "transformer"  # search as you type: one query per keystroke after the second
    keystrokes = [_ms(lambda n=n: store.search(typing[:n])) for n in range(2, len(typing) + 1)]
    return [
        [
            f"search p50, {len(QUERIES)} queries",
            f"fts {f50:.2f} ms",
            f"LIKE scan {l50:.1f} ms",
            ratio(f50, l50),
        ],
        ["search p95", f"fts {f95:.2f} ms", f"LIKE scan {l95:.1f} ms", ratio(f95, l95)],
        [
            "  hits per query (limit 50)",
            f"median {median([float(n) for n in found]):.0f}",
            f"zero for {found.count(0)} of {len(found)}",
        ],
        [
            f"typing {typing!r}, per keystroke",
            f"fts worst {max(keystrokes):.2f} ms",
            f"median {median(keystrokes):.2f} ms",
        ],
    ]


def thread_figures(store: Store, big: str, runs: int = 15) -> list[list[str]]:
    """Opening the 5,000-message session: its active thread (a recursive walk up the parent
    chain) against every row of the session by index, as dataclasses and as raw tuples."""
    thread_ms, all_ms, raw_ms = [], [], []
    for _ in range(runs):
        thread_ms.append(_ms(lambda: store.active_thread(big)))
        all_ms.append(_ms(lambda: store.messages(big)))
        raw_ms.append(
            _ms(
                lambda: store.conn.execute(
                    "SELECT * FROM messages WHERE session_id = ?", (big,)
                ).fetchall()
            )
        )
    length, size = len(store.active_thread(big)), len(store.messages(big))
    t, a, r = median(thread_ms), median(all_ms), median(raw_ms)
    return [
        [
            f"active_thread, {length} of {size} messages",
            f"aha {t:.1f} ms",
            f"messages() all rows {a:.1f} ms",
            ratio(t, a),
        ],
        ["", "", f"raw SELECT * fetchall {r:.1f} ms", ratio(t, r)],
    ]


def write_figures(store: Store, turns: int = 1_000) -> list[list[str]]:
    """The real write path (prompt, streaming row, final answer: three transactions and
    three read-backs per turn) against one executemany of the same final rows."""
    gen = TextGen(random.Random(SEED + 1))
    texts = [(gen.message(1, 4), gen.message(3, 25)) for _ in range(turns)]
    session = store.create_session()
    start = time.perf_counter()
    parent: str | None = None
    for prompt, answer in texts:
        user = store.add_user_message(session.id, parent, prompt)
        reply = store.start_assistant(session.id, user.id, ROUTE)
        parent = store.finish_assistant(reply.id, MessageStatus.COMPLETE, answer).id
    real = 2 * turns / (time.perf_counter() - start)
    rows = store.conn.execute(
        "SELECT id, session_id, parent_id, role, content, status, created_at, updated_at"
        " FROM messages WHERE session_id = ? ORDER BY id",
        (session.id,),
    ).fetchall()
    copy = store.create_session()
    renamed = [(f"r{m[0]}", copy.id, f"r{m[2]}" if m[2] else None, *m[3:]) for m in rows]
    start = time.perf_counter()
    store.conn.execute("BEGIN")
    store.conn.executemany(
        "INSERT INTO messages (id, session_id, parent_id, role, content, status, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        renamed,
    )
    store.conn.execute("COMMIT")
    raw = len(renamed) / (time.perf_counter() - start)
    return [
        [
            f"writes, {turns} turns",
            f"aha {real:,.0f} messages/s",
            f"raw executemany {raw:,.0f} messages/s",
            ratio(raw, real) + " (time per message, aha / raw)",
        ]
    ]


def flush_figures(directory: Path, flushes: int = 60) -> list[list[str]]:
    """save_progress on an answer growing to about 6 KB, with the search triggers and without:
    the cost m003 adds to the 0.5 s streaming flush."""
    text = TextGen(random.Random(SEED + 2)).message(80, 80)
    results = []
    for name, drop in (("with", False), ("without", True)):
        store = Store.open(directory / f"flush-{name}.db")
        if drop:
            for trigger in ("messages_fts_ai", "messages_fts_ad", "messages_fts_au"):
                store.conn.execute(f"DROP TRIGGER {trigger}")
        session = store.create_session()
        user = store.add_user_message(session.id, None, "write a long answer")
        reply = store.start_assistant(session.id, user.id, ROUTE)
        step = len(text) // flushes
        each = [
            _ms(lambda n=n: store.save_progress(reply.id, text[: step * n], ""))
            for n in range(1, flushes + 1)
        ]
        results.append((median(each), max(each)))
        store.close()
    (w50, wmax), (o50, omax) = results
    return [
        [
            f"streaming flush, answer to {len(text) // 1024} KB",
            f"fts triggers {w50:.2f} ms",
            f"no triggers {o50:.2f} ms",
            ratio(w50, o50),
        ],
        ["  worst flush", f"fts triggers {wmax:.2f} ms", f"no triggers {omax:.2f} ms"],
    ]


def storage_bench() -> None:
    """Print the storage figures; everything lives in a temp dir removed at the end."""
    with tempfile.TemporaryDirectory(prefix="aha-bench-storage-") as tmp:
        directory = Path(tmp)
        path = directory / "bench.db"
        start = time.perf_counter()
        big = generate(path)
        built = time.perf_counter() - start
        store = Store.open(path)
        try:
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size_mb = path.stat().st_size / 2**20
            index_mb = _fts_mb(store.conn)
            count = store.conn.execute("SELECT count(*) FROM messages").fetchone()[0]
            rows = search_figures(store) + thread_figures(store, big) + write_figures(store)
        finally:
            store.close()
        rows += flush_figures(directory)
    table(
        f"5. storage: {count:,} messages in {SESSIONS:,} sessions, {size_mb:.0f} MB file "
        f"(search index {index_mb:.0f} MB), generated in {built:.0f} s",
        rows,
    )


def _fts_mb(conn: sqlite3.Connection) -> float:
    """Bytes the FTS index takes, from dbstat when this SQLite has it."""
    try:
        row = conn.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'messages_fts%'"
        ).fetchone()
    except sqlite3.OperationalError:
        return float("nan")
    return (row[0] or 0) / 2**20
