"""Rendering one stored session as an export document (shared by `aha export` and the TUI)."""

from __future__ import annotations

from storage import Store
from storage.models import Message, Session


def _leaf_threads(store: Store, session: Session) -> list[list[Message]]:
    """One root-to-leaf thread per leaf: the active thread first, then the others by id."""
    tree = store.session_tree(session.id)
    messages = tree.messages if tree else ()
    parents = {m.parent_id for m in messages}
    leaves = [m.id for m in messages if m.id not in parents]
    if session.active_leaf_id is not None:
        leaves = [session.active_leaf_id, *(i for i in leaves if i != session.active_leaf_id)]
    return [store.thread(leaf) for leaf in leaves]


def render_session(store: Store, session: Session, fmt: str, all_branches: bool = False) -> str:
    """The session as Markdown (`fmt="md"`, active branch unless `all_branches`) or JSON."""
    if fmt == "json":
        from app.transfer.export_json import render_json

        tree = store.session_tree(session.id)
        if tree is None:
            return render_json(session, ())
        return render_json(session, tree.messages, tree.attachments)
    from app.transfer.export_md import render_branches, render_thread

    if all_branches:
        threads = _leaf_threads(store, session)
        attached = store.attachments_for([m.id for t in threads for m in t if m.role == "user"])
        return render_branches(
            session, threads, active_first=session.active_leaf_id is not None, attached=attached
        )
    thread = store.thread(session.active_leaf_id) if session.active_leaf_id else []
    attached = store.attachments_for([m.id for m in thread if m.role == "user"])
    return render_thread(session, thread, attached)
