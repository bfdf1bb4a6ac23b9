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
from pathlib import Path

from scripts.bench import median, ratio, table
from scripts.bench_corpus import QUERIES, ROUTE, SEED, SESSIONS, TextGen, generate
from storage import MessageStatus, Store


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
