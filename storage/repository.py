"""The Store: every repository mixin over one SQLite connection. All SQL lives in storage/;
callers get dataclasses."""

from __future__ import annotations

from pathlib import Path

from storage.brainstorm_repo import BrainstormRepo
from storage.checks_repo import ChecksRepo
from storage.db import connect
from storage.drafts_repo import DraftsRepo
from storage.messages_repo import MessagesRepo, RouteRecord
from storage.routing_repo import RoutingRepo
from storage.search_repo import SearchRepo
from storage.sessions_repo import SessionsRepo, title_from_prompt
from storage.transfer_repo import TransferRepo
from storage.tree_repo import TreeRepo
from storage.usage_repo import UsageRepo

__all__ = ["RouteRecord", "Store", "title_from_prompt"]


class Store(
    SessionsRepo,
    MessagesRepo,
    TreeRepo,
    SearchRepo,
    TransferRepo,
    UsageRepo,
    RoutingRepo,
    DraftsRepo,
    BrainstormRepo,
    ChecksRepo,
):
    """Sessions, messages and drafts in one SQLite database."""

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> Store:
        """The store at `path`; `read_only` for commands that only read (see `connect`)."""
        return cls(connect(path, read_only=read_only), str(path))
