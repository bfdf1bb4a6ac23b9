"""Schema migrations: named, append-only steps. Never edit a shipped step; add a new one."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("aha")


@migrations()
def m001_sessions_and_messages(db: Database) -> None:
    db["sessions"].create(
        {
            "id": str,
            "title": str,
            "created_at": str,
            "updated_at": str,
            "active_leaf_id": str,
            "archived": int,
        },
        pk="id",
        not_null={"id", "created_at", "updated_at"},
        defaults={"title": "", "archived": 0},
    )
    db["messages"].create(
        {
            "id": str,
            "session_id": str,
            "parent_id": str,
            "role": str,
            "content": str,
            "reasoning": str,
            "status": str,
            "route": str,
            "model": str,
            "route_score": float,
            "route_threshold": float,
            "route_reasons": str,  # JSON list of short phrases
            "route_note": str,  # why the route differs from the decision, e.g. deep unavailable
            "error": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "first_token_ms": float,
            "duration_ms": float,
            "owner_pid": int,  # process streaming this row; lets recovery skip live writers
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"id", "session_id", "role", "status", "created_at", "updated_at"},
        defaults={"content": "", "reasoning": ""},
        foreign_keys=[("session_id", "sessions", "id"), ("parent_id", "messages", "id")],
    )
    db["messages"].create_index(["session_id", "created_at"])
    db["messages"].create_index(["parent_id"])
    db["messages"].create_index(["status"])
    db["sessions"].create_index(["updated_at"])


@migrations()
def m002_session_forks(db: Database) -> None:
    db["sessions"].add_column("forked_from_session_id", str)
    db["sessions"].add_column("forked_from_message_id", str)


@migrations()
def m003_search_index(db: Database) -> None:
    """Full-text search over what people and models said: `messages.content` of user and
    assistant rows. `reasoning` stays out: it is the model's scratch work, long and repetitive,
    and hits inside it would bury the answers people remember.

    External content (`content='messages'`), not contentless: FTS5 reads the text back from
    `messages` by rowid, so `snippet()` works without storing every word twice. A contentless
    table cannot return column text, hence no snippets. The price is that the index is keyed
    by `messages.rowid`, which is not an INTEGER PRIMARY KEY alias: VACUUM keeps it (tested on
    SQLite 3.40) and sqlite-utils' `transform()` copies it, but `transform()` drops the table's
    triggers. A later step that rebuilds `messages` must recreate the three triggers below and
    refill the index (see `SearchRepo.rebuild_search_index`).

    Tokenizer: unicode61 with diacritics folded ("cafe" finds "café"), without porter. Porter
    would let "branches" find "branch", but it stems the prefix of the word being typed too:
    "experi" finds "experiments", "experim", "experime" and "experimen" find nothing, then
    "experiment" finds it again, which is what search-as-you-type would show. It is also
    English-only and over-stems ("experiment" and "experience" share a stem). The trailing
    prefix match on the last term covers the inflections people type most ("branch" ->
    "branches").

    The triggers keep one index row per user/assistant message. The streaming path rewrites
    `content` every 0.5 s, so the update trigger fires only on `UPDATE OF content` and only
    when the text really changed; updates of status, reasoning or timings cost nothing extra.
    'delete' must be given exactly the text that was indexed, so every trigger applies the same
    role filter on both sides.

    Drafts (a later issue) get their own external-content table `drafts_fts` over `drafts`
    with this tokenizer and triggers of the same shape; search then reads both with UNION ALL
    and a literal `kind` column ('message' or 'draft'). One shared contentless table with a
    `kind` column would lose snippets, as above.
    """
    statements = [
        "CREATE VIRTUAL TABLE messages_fts USING fts5("
        "content, content='messages', content_rowid='rowid',"
        " tokenize='unicode61 remove_diacritics 2')",
        """
        CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages
        WHEN new.role IN ('user', 'assistant')
        BEGIN
            INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
        END
        """,
        """
        CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages
        WHEN old.role IN ('user', 'assistant')
        BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content)
            VALUES ('delete', old.rowid, old.content);
        END
        """,
        """
        CREATE TRIGGER messages_fts_au AFTER UPDATE OF content, role ON messages
        WHEN old.content IS NOT new.content OR old.role IS NOT new.role
        BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content)
            SELECT 'delete', old.rowid, old.content WHERE old.role IN ('user', 'assistant');
            INSERT INTO messages_fts (rowid, content)
            SELECT new.rowid, new.content WHERE new.role IN ('user', 'assistant');
        END
        """,
        "INSERT INTO messages_fts (rowid, content)"
        " SELECT rowid, content FROM messages WHERE role IN ('user', 'assistant')",
    ]
    for sql in statements:
        db.execute(sql)


@migrations()
def m004_usage_and_preferences(db: Database) -> None:
    """Usage per answer, and a small key/value table for choices made in the app.

    `reasoning_tokens` and `cost_usd` join the token counts and timings m001 already stores;
    NULL means unknown (an older row, a model missing from litellm's price map), which `aha
    stats` keeps apart from a real zero (a local model). `preferences` holds choices such as
    the deep model picked in the TUI: settings the user makes in aha rather than in the config
    file, so they live with the data and travel with it.
    """
    db["messages"].add_column("reasoning_tokens", int)
    db["messages"].add_column("cost_usd", float)
    db["preferences"].create(
        {"key": str, "value": str, "updated_at": str},
        pk="key",
        not_null={"key", "value", "updated_at"},
    )


@migrations()
def m005_route_feedback(db: Database) -> None:
    """What the user said about the router's choices, for the per-user threshold calibration
    (app/router/feedback.py): "escalated" when a fast answer was asked again on deep, "overkill"
    when a deep answer was marked as more than the prompt needed. The answer's score and the
    threshold it was routed under are copied onto the row, so `aha route stats` can explain the
    shift without joining `messages`.

    `message_id` has no foreign key on purpose: a mark is about where this user draws the line,
    not about one conversation, so deleting a session keeps the calibration it taught.
    """
    db["route_feedback"].create(
        {
            "id": str,
            "message_id": str,
            "kind": str,  # "escalated" | "overkill"
            "score": float,
            "threshold": float,
            "created_at": str,
        },
        pk="id",
        not_null={"id", "message_id", "kind", "created_at"},
    )
    db["route_feedback"].create_index(["created_at"])
    db["route_feedback"].create_index(["message_id", "kind"], unique=True)


@migrations()
def m006_drafts(db: Database) -> None:
    """Drafts (blog posts being written), every saved version of each, and the model's
    critiques, each tied to the version it judged.

    `drafts.body` is the text as last saved; `draft_versions` holds a copy per save that
    changed it, so a restore or a diff never depends on the current row. `tags` is a JSON list.
    Critiques keep their version by id (no cascade): deleting a draft deletes its critiques and
    versions in one transaction (DraftsRepo.delete_draft).

    Search: `drafts_fts` indexes the current title and body, external-content over `drafts`
    with m003's tokenizer, so `snippet()` works; versions stay out (old wording would bury the
    current text). The update trigger fires only when the title or body really changed.
    """
    db["drafts"].create(
        {
            "id": str,
            "title": str,
            "body": str,
            "tags": str,
            "description": str,
            "words": int,
            "current_version_id": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"id", "created_at", "updated_at"},
        defaults={"title": "", "body": "", "tags": "[]", "description": "", "words": 0},
    )
    db["draft_versions"].create(
        {
            "id": str,
            "draft_id": str,
            "body": str,
            "words": int,
            "note": str,
            "created_at": str,
        },
        pk="id",
        not_null={"id", "draft_id", "created_at"},
        defaults={"body": "", "words": 0, "note": ""},
        foreign_keys=[("draft_id", "drafts", "id")],
    )
    db["draft_critiques"].create(
        {
            "id": str,
            "draft_id": str,
            "version_id": str,
            "content": str,
            "status": str,
            "route": str,
            "model": str,
            "error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"id", "draft_id", "status", "created_at", "updated_at"},
        defaults={"content": ""},
        foreign_keys=[("draft_id", "drafts", "id"), ("version_id", "draft_versions", "id")],
    )
    db["drafts"].create_index(["updated_at"])
    db["draft_versions"].create_index(["draft_id", "created_at"])
    db["draft_critiques"].create_index(["draft_id", "created_at"])
    statements = [
        "CREATE VIRTUAL TABLE drafts_fts USING fts5("
        "title, body, content='drafts', content_rowid='rowid',"
        " tokenize='unicode61 remove_diacritics 2')",
        """
        CREATE TRIGGER drafts_fts_ai AFTER INSERT ON drafts
        BEGIN
            INSERT INTO drafts_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);
        END
        """,
        """
        CREATE TRIGGER drafts_fts_ad AFTER DELETE ON drafts
        BEGIN
            INSERT INTO drafts_fts (drafts_fts, rowid, title, body)
            VALUES ('delete', old.rowid, old.title, old.body);
        END
        """,
        """
        CREATE TRIGGER drafts_fts_au AFTER UPDATE OF title, body ON drafts
        WHEN old.title IS NOT new.title OR old.body IS NOT new.body
        BEGIN
            INSERT INTO drafts_fts (drafts_fts, rowid, title, body)
            VALUES ('delete', old.rowid, old.title, old.body);
            INSERT INTO drafts_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);
        END
        """,
    ]
    for sql in statements:
        db.execute(sql)


@migrations()
def m007_brainstorm(db: Database) -> None:
    """Brainstorms: a session (its stages' prompts and answers are ordinary messages, so they
    are stored, searchable and branchable like any other) plus the problem, the current stage,
    which prompt ran which stage, and the ideas taken out of the answers.

    `ideas.source_message_id` has no foreign key: `delete_session` deletes the messages first,
    and the trigger below removes a brainstorm's rows with its session. `ideas_fts` makes the
    idea cards themselves searchable (text, detail, tags), external-content like m003.
    """
    db["brainstorms"].create(
        {"session_id": str, "problem": str, "stage": str, "created_at": str, "updated_at": str},
        pk="session_id",
        not_null={"session_id", "problem", "stage", "created_at", "updated_at"},
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db["brainstorm_steps"].create(
        {"id": str, "session_id": str, "stage": str, "prompt_id": str, "created_at": str},
        pk="id",
        not_null={"id", "session_id", "stage", "prompt_id", "created_at"},
        foreign_keys=[("session_id", "brainstorms", "session_id")],
    )
    db["ideas"].create(
        {
            "id": str,
            "session_id": str,
            "source_message_id": str,
            "text": str,
            "detail": str,
            "tags": str,  # JSON list
            "impact": int,
            "effort": int,
            "status": str,  # new | kept | merged | dropped
            "merged_into": str,
            "position": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"id", "session_id", "text", "status", "position", "created_at", "updated_at"},
        defaults={"detail": "", "tags": "[]", "status": "new"},
        foreign_keys=[("session_id", "brainstorms", "session_id")],
    )
    db["brainstorm_steps"].create_index(["session_id", "created_at"])
    db["ideas"].create_index(["session_id", "position"])
    statements = [
        """
        CREATE TRIGGER brainstorm_session_bd BEFORE DELETE ON sessions
        BEGIN
            DELETE FROM ideas WHERE session_id = old.id;
            DELETE FROM brainstorm_steps WHERE session_id = old.id;
            DELETE FROM brainstorms WHERE session_id = old.id;
        END
        """,
        "CREATE VIRTUAL TABLE ideas_fts USING fts5("
        "text, detail, tags, content='ideas', content_rowid='rowid',"
        " tokenize='unicode61 remove_diacritics 2')",
        """
        CREATE TRIGGER ideas_fts_ai AFTER INSERT ON ideas
        BEGIN
            INSERT INTO ideas_fts (rowid, text, detail, tags)
            VALUES (new.rowid, new.text, new.detail, new.tags);
        END
        """,
        """
        CREATE TRIGGER ideas_fts_ad AFTER DELETE ON ideas
        BEGIN
            INSERT INTO ideas_fts (ideas_fts, rowid, text, detail, tags)
            VALUES ('delete', old.rowid, old.text, old.detail, old.tags);
        END
        """,
        """
        CREATE TRIGGER ideas_fts_au AFTER UPDATE OF text, detail, tags ON ideas
        WHEN old.text IS NOT new.text OR old.detail IS NOT new.detail
            OR old.tags IS NOT new.tags
        BEGIN
            INSERT INTO ideas_fts (ideas_fts, rowid, text, detail, tags)
            VALUES ('delete', old.rowid, old.text, old.detail, old.tags);
            INSERT INTO ideas_fts (rowid, text, detail, tags)
            VALUES (new.rowid, new.text, new.detail, new.tags);
        END
        """,
    ]
    for sql in statements:
        db.execute(sql)


@migrations()
def m008_checks(db: Database) -> None:
    """Checks of answers (app/checks/): each run of an answer's code against its tests, kept
    apart from the answer's content (a check never rewrites what the model said). `round` is
    0 for the first answer and counts the repair rounds after it; `answer_id` is the answer
    whose code ran."""
    db["checks"].create(
        {
            "id": str,
            "session_id": str,
            "answer_id": str,
            "round": int,
            "kind": str,  # "tests"
            "status": str,  # passed, failed, timeout, error, blocked
            "passed": int,
            "failed": int,
            "output": str,
            "seconds": float,
            "sandboxed": int,
            "created_at": str,
        },
        pk="id",
        not_null={"id", "session_id", "answer_id", "kind", "status", "created_at"},
        defaults={"round": 0, "passed": 0, "failed": 0, "output": "", "sandboxed": 1},
        foreign_keys=[("session_id", "sessions", "id"), ("answer_id", "messages", "id")],
    )
    db["checks"].create_index(["answer_id"])
    db["checks"].create_index(["session_id", "created_at"])


@migrations()
def m009_attachments(db: Database) -> None:
    """Files and pages attached to prompts. Content is stored once by its SHA-256
    (`attachment_contents`): the same paper attached to ten prompts is one row. Each use is a
    row of `message_attachments`, in the order it was attached, with the name the user saw and
    the figures of its chip; the prompt's own `content` stays what the user typed."""
    db["attachment_contents"].create(
        {"hash": str, "text": str, "created_at": str},
        pk="hash",
        not_null={"hash", "text", "created_at"},
    )
    db["message_attachments"].create(
        {
            "message_id": str,
            "position": int,
            "hash": str,
            "name": str,
            "kind": str,
            "note": str,
            "tokens": int,
        },
        pk=("message_id", "position"),
        not_null={"message_id", "position", "hash", "name", "kind"},
        defaults={"note": "", "tokens": 0},
        foreign_keys=[
            ("message_id", "messages", "id"),
            ("hash", "attachment_contents", "hash"),
        ],
    )
    db["message_attachments"].create_index(["hash"])
    for sql in (
        # A deleted prompt takes its attachment rows with it, and content nothing uses anymore
        # goes too (deleting a session leaves no orphaned paper behind).
        """
        CREATE TRIGGER message_attachments_bd BEFORE DELETE ON messages
        BEGIN
            DELETE FROM message_attachments WHERE message_id = old.id;
        END
        """,
        """
        CREATE TRIGGER attachment_contents_gc AFTER DELETE ON message_attachments
        WHEN NOT EXISTS (SELECT 1 FROM message_attachments WHERE hash = old.hash)
        BEGIN
            DELETE FROM attachment_contents WHERE hash = old.hash;
        END
        """,
        # Search finds a prompt by what its attachments say, as it finds it by what was typed.
        "CREATE VIRTUAL TABLE attachment_contents_fts USING fts5("
        "text, content='attachment_contents', content_rowid='rowid',"
        " tokenize='unicode61 remove_diacritics 2')",
        """
        CREATE TRIGGER attachment_contents_fts_ai AFTER INSERT ON attachment_contents
        BEGIN
            INSERT INTO attachment_contents_fts(rowid, text) VALUES (new.rowid, new.text);
        END
        """,
        """
        CREATE TRIGGER attachment_contents_fts_ad AFTER DELETE ON attachment_contents
        BEGIN
            INSERT INTO attachment_contents_fts(attachment_contents_fts, rowid, text)
            VALUES ('delete', old.rowid, old.text);
        END
        """,
    ):
        db.execute(sql)


@migrations()
def m010_context_summaries(db: Database) -> None:
    """Summaries written when a branch outgrew its route's window and `[context] overflow`
    is "summarise": the fast model's summary of the oldest turns, sent in their place. Kept
    on the answer it was made for, so the step is on record (the badge names it, and
    `aha ask --json` shows the summary), never silent."""
    db["context_summaries"].create(
        {
            "answer_id": str,
            "session_id": str,
            "summarised": int,  # messages of the branch the summary stands for, oldest first
            "text": str,
            "model": str,
            "created_at": str,
        },
        pk="answer_id",
        not_null={"answer_id", "session_id", "text", "created_at"},
        defaults={"summarised": 0, "model": ""},
        foreign_keys=[("answer_id", "messages", "id"), ("session_id", "sessions", "id")],
    )
    db.execute(
        """
        CREATE TRIGGER context_summaries_bd BEFORE DELETE ON messages
        BEGIN
            DELETE FROM context_summaries WHERE answer_id = old.id;
        END
        """
    )
