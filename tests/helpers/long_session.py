"""A stored session of long turns, for the tests of what happens when a branch outgrows its
route's window."""

from __future__ import annotations

from pathlib import Path

from storage import MessageStatus, RouteRecord, Store


def seed_long_session(home: Path, turns: int, words: int, route: str = "fast") -> str:
    """`turns` prompt-and-answer pairs of about `words` words each, in one branch, in the
    database under `home`; the session's id."""
    store = Store.open(home / "aha.db")
    try:
        session = store.create_session()
        parent = None
        for i in range(turns):
            prompt = f"Run {i}: " + "loss fell " * (words // 2)
            user = store.add_user_message(session.id, parent, prompt)
            answer = store.start_assistant(session.id, user.id, RouteRecord(route, "scripted"))
            reply = f"Noted run {i}. " * (words // 3)
            store.finish_assistant(answer.id, MessageStatus.COMPLETE, reply)
            parent = answer.id
        return session.id
    finally:
        store.close()
