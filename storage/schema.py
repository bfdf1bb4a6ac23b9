"""Names of every schema migration, in order, without importing sqlite-utils.

`storage.db.connect` compares these with the names recorded in the database to decide, on the
standard library alone, whether migrations need to run. Append a name here with each new step
in `storage/migrations.py`; a unit test checks the two lists agree.
"""

from __future__ import annotations

MIGRATION_NAMES: tuple[str, ...] = (
    "m001_sessions_and_messages",
    "m002_session_forks",
    "m003_search_index",
    "m004_usage_and_preferences",
    "m005_route_feedback",
    "m006_drafts",
    "m007_brainstorm",
    "m008_checks",
    "m009_attachments",
    "m010_context_summaries",
)
