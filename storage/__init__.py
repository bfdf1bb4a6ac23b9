"""SQLite storage for aha: sessions and message trees, through sqlite-utils.

This package never imports Textual or the model backends: widgets and the CLI reach the database
only through the repositories here, which return plain dataclasses.
"""

from __future__ import annotations

from storage.db import open_database
from storage.drafts_models import Critique, Draft, DraftVersion
from storage.errors import StorageError
from storage.models import Message, MessageStatus, Session
from storage.repository import RouteRecord, Store

__all__ = [
    "Critique",
    "Draft",
    "DraftVersion",
    "Message",
    "MessageStatus",
    "RouteRecord",
    "Session",
    "StorageError",
    "Store",
    "open_database",
]
