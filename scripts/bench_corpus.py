"""The synthetic corpus the storage bench measures: 100k messages in 1k sessions, with text
mixing ML and writing vocabulary over a long tail of made-up words, so that search terms are as
selective as in real use."""

from __future__ import annotations

import random
import time
from itertools import accumulate
from pathlib import Path

from storage import RouteRecord, Store
from storage.sessions_repo import title_from_prompt

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
