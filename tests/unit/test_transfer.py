"""Export and import: Markdown layout, JSON completeness and round trip, ChatGPT branches,
id clashes, malformed input and escape stripping, on in-memory databases."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.transfer import FormatError, decode, parse_import
from app.transfer.export_json import render_json, session_document
from app.transfer.export_md import close_fences, render_branches, render_thread
from app.transfer.import_json import MESSAGE_FIELDS, SESSION_FIELDS
from storage import Message, MessageStatus, Session, Store
from storage.repository import RouteRecord
from storage.transfer_repo import SessionTree

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "chatgpt_conversations.json"
DEEP = RouteRecord("deep", "openai/qwen", 0.83, 0.5, ("math / proof",), "forced")
FAST = RouteRecord("fast", "SmolLM2-135M-Instruct", 0.2, 0.5, ("short",), None)
ESCAPES = "\x1b[31mred\x1b[0m\x1b]52;c;ZXZpbA==\x07\x9b2J\x07"


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(":memory:")
    yield store
    store.close()


@pytest.fixture
def fresh() -> Iterator[Store]:
    """A second, empty database to import into."""
    store = Store.open(":memory:")
    yield store
    store.close()


@dataclasses.dataclass
class Branchy:
    session: Session
    ids: dict[str, str]


def _answer(
    store: Store,
    session_id: str,
    parent: str,
    route: RouteRecord,
    content: str,
    reasoning: str = "",
    status: MessageStatus = MessageStatus.COMPLETE,
    error: str | None = None,
) -> Message:
    started = store.start_assistant(session_id, parent, route)
    return store.finish_assistant(
        started.id,
        status,
        content,
        reasoning=reasoning,
        error=error,
        prompt_tokens=12,
        completion_tokens=34,
        first_token_ms=56.5,
        duration_ms=789.25,
    )


def seed_branches(store: Store) -> Branchy:
    """q1 -> a1 -> {q2 -> a2 (deep, with reasoning), q2b (an edit) -> a2b (fast, cancelled)};
    the active leaf is a2, so q2b/a2b is the other branch."""
    session = store.create_session()
    q1 = store.add_user_message(session.id, None, "Frame the churn problem")
    a1 = _answer(store, session.id, q1.id, FAST, "As **classification**.")
    q2 = store.add_user_message(session.id, a1.id, "Which features?")
    a2 = _answer(
        store, session.id, q2.id, DEEP, "Recency and frequency.", reasoning="Think about RFM."
    )
    q2b = store.add_user_message(session.id, a1.id, "Which features, briefly?")
    a2b = _answer(store, session.id, q2b.id, FAST, "Recen", status=MessageStatus.CANCELLED)
    store.set_active_leaf(session.id, a2.id)
    current = store.get_session(session.id)
    assert current is not None
    ids = {"q1": q1.id, "a1": a1.id, "q2": q2.id, "a2": a2.id, "q2b": q2b.id, "a2b": a2b.id}
    return Branchy(current, ids)


def _tree(store: Store, session_id: str) -> SessionTree:
    tree = store.session_tree(session_id)
    assert tree is not None
    return tree


def _json(store: Store, session_id: str) -> str:
    tree = _tree(store, session_id)
    return render_json(tree.session, tree.messages)


def _front_matter(text: str) -> dict[str, object]:
    """The YAML header, read with a parser small enough for the subset we write."""
    assert text.startswith("---\n")
    header = text.split("---\n")[1]
    fields: dict[str, object] = {}
    key = ""
    for line in header.splitlines():
        if line.startswith("  - "):
            assert isinstance(fields[key], list)
            fields[key].append(json.loads(line[4:]))  # type: ignore[union-attr]
            continue
        key, _, value = line.partition(":")
        value = value.strip()
        if value == "":
            fields[key] = []
        elif value.startswith('"'):
            fields[key] = json.loads(value)
        else:
            fields[key] = [] if value == "[]" else value
    return fields


# Markdown --------------------------------------------------------------------------------------


def test_markdown_front_matter_has_every_field(store: Store) -> None:
    """title, date (created), updated, models, routes and session id, read back as YAML."""
    data = seed_branches(store)
    store.rename_session(data.session.id, 'Churn: "framing" notes')
    session = store.get_session(data.session.id)
    assert session is not None
    text = render_thread(session, store.thread(data.ids["a2"]))
    header = _front_matter(text)
    assert header["title"] == 'Churn: "framing" notes'
    assert header["date"] == session.created_at
    assert header["updated"] == session.updated_at
    assert header["models"] == ["SmolLM2-135M-Instruct", "openai/qwen"]
    assert header["routes"] == ["fast", "deep"]
    assert header["session_id"] == session.id
    assert "forked_from" not in header
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(header["date"]))


def test_markdown_front_matter_names_the_fork_source(store: Store) -> None:
    data = seed_branches(store)
    fork = store.fork_session(data.ids["a1"])
    text = render_thread(fork, store.active_thread(fork.id))
    header = _front_matter(text)
    assert header["forked_from"] == data.session.id
    assert header["forked_from_message"] == data.ids["a1"]


def test_markdown_shows_active_thread_with_headings_and_reasoning(store: Store) -> None:
    """User turns are `## You`, answers `## aha · route · model`; reasoning is collapsed and
    comes before its answer; the other branch is absent."""
    data = seed_branches(store)
    text = render_thread(data.session, store.thread(data.ids["a2"]))
    body = text.split("---\n", 2)[2]
    headings = re.findall(r"^## .*$", body, re.MULTILINE)
    assert headings == [
        "## You",
        "## aha · fast · SmolLM2-135M-Instruct",
        "## You",
        "## aha · deep · openai/qwen",
    ]
    details = "<details>\n<summary>Reasoning</summary>\n\nThink about RFM.\n\n</details>"
    assert body.count("<details>") == 1
    assert body.index(details) < body.index("Recency and frequency.")
    assert body.index("## aha · deep") < body.index(details)
    assert "Which features, briefly?" not in text
    assert "Recen\n" not in text
    assert "cancelled" not in text


def test_markdown_marks_unfinished_answers_in_italics(store: Store) -> None:
    session = store.create_session()
    parent = store.add_user_message(session.id, None, "q").id
    for status, error in [
        (MessageStatus.CANCELLED, None),
        (MessageStatus.INTERRUPTED, "the process stopped"),
        (MessageStatus.ERROR, "server said *no*"),
    ]:
        parent = _answer(store, session.id, parent, FAST, "part", status=status, error=error).id
    text = render_thread(session, store.thread(parent))
    assert "\n*Answer cancelled.*\n" in text
    assert "\n*Answer interrupted: the process stopped.*\n" in text
    assert "\n*Answer failed: server said \\*no\\*.*\n" in text


def test_markdown_all_branches_shows_both_branches_once(store: Store) -> None:
    """The active branch in full first, then the other one from where it splits off."""
    data = seed_branches(store)
    leaves = [data.ids["a2"], data.ids["a2b"]]
    text = render_branches(data.session, [store.thread(leaf) for leaf in leaves])
    assert _front_matter(text)["branches"] == "2"
    sections = re.split(r"^## Branch \d.*$", text, flags=re.MULTILINE)
    titles = re.findall(r"^## Branch .*$", text, re.MULTILINE)
    assert titles == ["## Branch 1 (active)", "## Branch 2"]
    first, second = sections[1], sections[2]
    assert "Frame the churn problem" in first and "Which features?" in first
    assert "Which features, briefly?" in second and "Recen" in second
    assert "Frame the churn problem" not in second  # shared turns are not repeated
    assert "*Continues branch 1 after message 2" in second
    assert "*Answer cancelled.*" in second
    assert text.count("### You") == 3


def test_markdown_closes_a_code_fence_left_open(store: Store) -> None:
    """An answer interrupted inside a code block must not swallow the headings after it."""
    assert close_fences("```python\nprint(1)") == "```python\nprint(1)\n```"
    assert close_fences("~~~~\nx\n~~~") == "~~~~\nx\n~~~\n~~~~"
    assert close_fences("```\nx\n```\n") == "```\nx\n```\n"
    assert close_fences("inline ``` is no fence") == "inline ``` is no fence"
    session = store.create_session()
    q = store.add_user_message(session.id, None, "code?")
    a = _answer(store, session.id, q.id, FAST, "```py\nwhile True:", status=MessageStatus.CANCELLED)
    text = render_thread(session, store.thread(a.id))
    assert text.endswith("```py\nwhile True:\n```\n\n*Answer cancelled.*\n")


def test_exports_strip_escape_sequences(store: Store) -> None:
    """Model output is untrusted: no ESC, BEL or C1 control survives into md or json."""
    session = store.create_session()
    store.rename_session(session.id, f"title {ESCAPES}")
    q = store.add_user_message(session.id, None, f"prompt {ESCAPES}")
    started = store.start_assistant(session.id, q.id, DEEP)
    a = store.finish_assistant(
        started.id,
        MessageStatus.ERROR,
        f"answer {ESCAPES}",
        reasoning=f"why {ESCAPES}",
        error=f"boom {ESCAPES}",
    )
    current = store.get_session(session.id)
    assert current is not None
    md = render_thread(current, store.thread(a.id))
    everything = md + render_branches(current, [store.thread(a.id)]) + _json(store, session.id)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", everything)
    assert "\\u001b" not in everything and "\\u0007" not in everything
    assert "answer red" in md and "prompt red" in md


# JSON export -----------------------------------------------------------------------------------


def _columns(store: Store, table: str) -> set[str]:
    return {row[1] for row in store.conn.execute(f"PRAGMA table_info({table})")}


def test_json_export_has_every_field_of_every_message(store: Store) -> None:
    """Every session column and every message column (but the process-local owner_pid), for
    every message of every branch, in id order."""
    data = seed_branches(store)
    document = json.loads(_json(store, data.session.id))
    assert (document["format"], document["version"]) == ("aha.session", 1)
    assert set(document["session"]) == _columns(store, "sessions")
    assert document["session"]["active_leaf_id"] == data.ids["a2"]
    messages = document["messages"]
    assert [m["id"] for m in messages] == sorted(data.ids.values())
    for record in messages:
        assert set(record) == _columns(store, "messages") - {"owner_pid"}
    a2 = next(m for m in messages if m["id"] == data.ids["a2"])
    assert a2 == {
        **a2,
        "parent_id": data.ids["q2"],
        "role": "assistant",
        "content": "Recency and frequency.",
        "reasoning": "Think about RFM.",
        "status": "complete",
        "route": "deep",
        "model": "openai/qwen",
        "route_score": 0.83,
        "route_threshold": 0.5,
        "route_reasons": ["math / proof"],
        "route_note": "forced",
        "prompt_tokens": 12,
        "completion_tokens": 34,
        "first_token_ms": 56.5,
        "duration_ms": 789.25,
    }


def test_import_field_specs_cover_every_dataclass_field() -> None:
    """A field added to Session or Message must be read back by import too."""
    assert set(SESSION_FIELDS) == {f.name for f in dataclasses.fields(Session)}
    assert set(MESSAGE_FIELDS) == {f.name for f in dataclasses.fields(Message)}


def test_export_contains_nothing_key_like(store: Store) -> None:
    data = seed_branches(store)
    text = _json(store, data.session.id) + render_thread(data.session, store.thread(data.ids["a2"]))
    assert not re.search(r"api[_-]?key|secret|token\"?\s*:\s*\"|password", text, re.IGNORECASE)


# Round trip and id clashes ---------------------------------------------------------------------


def test_json_round_trip_is_byte_identical(store: Store, fresh: Store) -> None:
    """export -> import into an empty database -> export gives the same bytes (forks too)."""
    data = seed_branches(store)
    fork = store.fork_session(data.ids["q2b"], title="fork")
    for session_id in (data.session.id, fork.id):
        first = _json(store, session_id)
        kind, trees = parse_import(decode(first.encode()))
        assert kind == "aha"
        result = fresh.import_trees(trees)
        assert result.copied == 0 and result.sessions[0].id == session_id
        assert _json(fresh, session_id) == first


def test_importing_an_existing_session_adds_a_copy_with_new_ids(store: Store) -> None:
    data = seed_branches(store)
    before = _json(store, data.session.id)
    _, trees = parse_import(json.loads(before))
    result = store.import_trees(trees)
    assert result.copied == 1 and result.messages == 6
    assert _json(store, data.session.id) == before  # the original is untouched
    copy = _tree(store, result.sessions[0].id)
    old = _tree(store, data.session.id)
    assert copy.session.id != data.session.id
    assert not {m.id for m in copy.messages} & {m.id for m in old.messages}
    # The same tree under the mapping: parents, the active leaf and the order all follow it.
    mapping = {o.id: c.id for o, c in zip(old.messages, copy.messages, strict=True)}
    for o, c in zip(old.messages, copy.messages, strict=True):
        assert (c.content, c.role, c.status) == (o.content, o.role, o.status)
        assert (c.created_at, c.updated_at) == (o.created_at, o.updated_at)
        assert c.parent_id == (mapping[o.parent_id] if o.parent_id else None)
        assert c.session_id == copy.session.id
    assert copy.session.active_leaf_id == mapping[data.ids["a2"]]
    assert [m.id for m in copy.messages] == sorted(m.id for m in copy.messages)
    assert store.latest_leaf(copy.messages[0].id) == mapping[data.ids["a2b"]]


def test_fork_reference_follows_a_copied_source_in_the_same_import(store: Store) -> None:
    data = seed_branches(store)
    fork = store.fork_session(data.ids["a1"])
    documents = [
        session_document(t.session, t.messages)
        for t in (_tree(store, data.session.id), _tree(store, fork.id))
    ]
    _, trees = parse_import(json.loads(json.dumps(documents)))
    result = store.import_trees(trees)
    source_copy, fork_copy = result.sessions
    assert fork_copy.forked_from_session_id == source_copy.id
    assert fork_copy.forked_from_message_id == result.id_map[data.ids["a1"]]


def test_a_failure_midway_imports_nothing(
    store: Store, fresh: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: when the second tree fails to insert, the first is rolled back too."""
    data = seed_branches(store)
    second = store.create_session("second")
    store.add_user_message(second.id, None, "hello")
    trees = [_tree(store, data.session.id), _tree(store, second.id)]
    original = Store._insert_tree
    calls = []

    def failing(self: Store, *args: object) -> Session:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_insert_tree", failing)
    with pytest.raises(RuntimeError):
        fresh.import_trees(trees)
    assert fresh.list_sessions(include_archived=True) == []
    assert fresh.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    assert not fresh.conn.in_transaction


# ChatGPT -------------------------------------------------------------------------------------


def test_chatgpt_import_keeps_branches_and_skips_non_text_nodes(fresh: Store) -> None:
    kind, trees = parse_import(decode(FIXTURE.read_bytes()))
    assert kind == "ChatGPT"
    result = fresh.import_trees(trees)
    assert (len(result.sessions), result.messages) == (2, 10)
    churn = _tree(fresh, result.sessions[0].id)
    assert churn.session.title == "Framing a churn model"
    assert churn.session.created_at == "2024-05-01T09:40:00.123Z"
    by_text = {m.content: m for m in churn.messages}
    assert "You are ChatGPT." not in by_text  # system node
    assert not any("search(" in t or "[results]" in t for t in by_text)  # tool call and result
    assert len(churn.messages) == 6  # the empty-parts node is gone too
    root = by_text["How should I frame churn prediction?"]
    first_answer = by_text["As binary classification over a 30-day window."]
    assert root.parent_id is None  # the system node's child hangs from the root now
    assert first_answer.parent_id == root.id
    assert (first_answer.model, first_answer.route) == ("gpt-4o", "imported")
    assert (root.route, root.model) == (None, None)
    edits = [m for m in churn.messages if m.parent_id == first_answer.id]
    assert [m.content for m in edits] == [
        "Which features matter most?",
        "Which features matter most? Look up recent papers.",
    ]
    after_tool = by_text["Recent papers favour usage decay features."]
    assert after_tool.parent_id == edits[1].id  # re-parented past the tool call and result
    assert after_tool.model == "gpt-4o-mini"
    # current_node was the empty node: its nearest kept ancestor is the active leaf.
    assert churn.session.active_leaf_id == after_tool.id
    assert [m.content for m in fresh.active_thread(churn.session.id)][-2:] == [
        edits[1].content,
        after_tool.content,
    ]
    assert all(m.status is MessageStatus.COMPLETE for m in churn.messages)
    assert [m.created_at for m in churn.messages] == sorted(m.created_at for m in churn.messages)


def test_chatgpt_import_reads_multimodal_text_and_missing_times(fresh: Store) -> None:
    _, trees = parse_import(decode(FIXTURE.read_bytes()))
    blog = trees[1]
    assert blog.session.title == "Blog post outline"
    assert [m.role for m in blog.messages] == ["user", "assistant", "user", "assistant"]
    assert blog.messages[2].content == "Does this figure fit section 2?"
    last = blog.messages[3]
    assert last.created_at == blog.messages[2].created_at  # no time of its own: its parent's
    assert blog.session.active_leaf_id == last.id
    assert [m.parent_id for m in blog.messages[1:]] == [m.id for m in blog.messages[:-1]]


def test_chatgpt_untitled_archived_and_empty_conversations(fresh: Store) -> None:
    """No title: the first prompt's, as for a new aha session. `is_archived` is kept. A
    conversation with no text at all (only a system node) is not imported."""
    conversations = json.loads(FIXTURE.read_text())
    conversations[1]["title"] = None
    conversations[1]["is_archived"] = True
    empty = {
        "title": "Nothing said",
        "create_time": 1714643000.0,
        "mapping": {"r": {"id": "r", "message": None, "parent": None, "children": []}},
        "current_node": "r",
    }
    _, trees = parse_import([*conversations, empty])
    assert [t.session.title for t in trees] == [
        "Framing a churn model",
        "Outline a post on evaluation leakage.",
    ]
    assert [t.session.archived for t in trees] == [False, True]
    result = fresh.import_trees(trees)
    assert fresh.list_sessions() == [result.sessions[0]]


def test_imports_strip_escape_sequences(fresh: Store) -> None:
    conversation = json.loads(FIXTURE.read_text())[1]
    node = conversation["mapping"]["user-3"]["message"]
    node["content"]["parts"] = [f"hello {ESCAPES}"]
    conversation["title"] = f"title {ESCAPES}"
    _, trees = parse_import([conversation])
    fresh.import_trees(trees)
    imported = _tree(fresh, trees[0].session.id)
    assert imported.session.title == "title red"
    assert imported.messages[0].content == "hello red"

    document = json.loads(_json(fresh, trees[0].session.id))
    document["session"]["id"] = "other-session"
    for message in document["messages"]:
        message["session_id"] = "other-session"
    document["messages"][1]["content"] = f"answer {ESCAPES}"
    document["messages"][1]["reasoning"] = f"why {ESCAPES}"
    document["messages"][1]["route_reasons"] = [f"r {ESCAPES}"]
    _, trees = parse_import(document)
    result = fresh.import_trees(trees)
    answer = _tree(fresh, result.sessions[0].id).messages[1]
    assert (answer.content, answer.reasoning, answer.route_reasons) == (
        "answer red",
        "why red",
        ("r red",),
    )


# Damaged ChatGPT links and incomplete aha documents (issue 14, item 7) -------------------------


def _node(
    key: str, parent: str | None, role: str | None, text: str, at: float, *children: str
) -> dict[str, Any]:
    """One ChatGPT mapping node; role None is a message-less node, like ChatGPT's root."""
    message = None
    if role is not None:
        message = {
            "id": key,
            "author": {"role": role},
            "create_time": at,
            "content": {"content_type": "text", "parts": [text]},
            "status": "finished_successfully",
            "recipient": "all",
        }
    return {"id": key, "message": message, "parent": parent, "children": list(children)}


def _conversation(nodes: list[dict[str, Any]], current: str) -> dict[str, Any]:
    return {
        "title": "Loops",
        "create_time": 1714556400.0,
        "mapping": {n["id"]: n for n in nodes},
        "current_node": current,
    }


LOOPS = {
    # root -> u1 -> a1 -> u2 -> a2 by the children lists, but a2 is its own parent.
    "self-loop": (
        [
            _node("root", None, None, "", 0, "u1"),
            _node("u1", "root", "user", "First question", 10, "a1"),
            _node("a1", "u1", "assistant", "First answer", 11, "u2"),
            _node("u2", "a1", "user", "Second question", 12, "a2"),
            _node("a2", "a2", "assistant", "Second answer", 13),
        ],
        "a2",
        "a self-loop at node 'a2' (its parent link to itself was dropped; it now hangs from"
        " 'u2', which lists it as a child)",
    ),
    # u1 and a1 are each other's parent, and the root's children list names u1.
    "two-node": (
        [
            _node("root", None, None, "", 0, "u1"),
            _node("u1", "a1", "user", "First question", 10, "a1"),
            _node("a1", "u1", "assistant", "First answer", 11, "u2"),
            _node("u2", "a1", "user", "Second question", 12, "a2"),
            _node("a2", "u2", "assistant", "Second answer", 13),
        ],
        "a1",
        "a cycle of 2 nodes at node 'u1' (its parent link to 'a1' was dropped; it now hangs"
        " from 'root', which lists it as a child)",
    ),
    # Every node is in one cycle, the message-less root included, and no list names the
    # root: there is no root at all until the cut.
    "all-cycle": (
        [
            _node("root", "a2", None, "", 0, "u1"),
            _node("u1", "root", "user", "First question", 10),
            _node("a1", "u1", "assistant", "First answer", 11),
            _node("u2", "a1", "user", "Second question", 12),
            _node("a2", "u2", "assistant", "Second answer", 13),
        ],
        "u2",
        "a cycle of 5 nodes at node 'root' (its parent link to 'a2' was dropped; it is now a root)",
    ),
}


@pytest.mark.parametrize("case", list(LOOPS))
def test_chatgpt_loops_are_cut_at_a_named_node_and_nothing_is_lost(fresh: Store, case: str) -> None:
    """Before: the messages in a loop were silently dropped (and a current_node inside one
    raised KeyError). Now every text node is imported, as one thread, and the cut is named."""
    nodes, current, said = LOOPS[case]
    notes: list[str] = []
    _, trees = parse_import([_conversation(nodes, current)], notes)
    (tree,) = trees
    texts = ["First question", "First answer", "Second question", "Second answer"]
    assert [m.content for m in tree.messages] == texts
    assert tree.messages[0].parent_id is None
    assert [m.parent_id for m in tree.messages[1:]] == [m.id for m in tree.messages[:-1]]
    by_text = {m.content: m.id for m in tree.messages}
    leaf = {"a2": "Second answer", "a1": "First answer", "u2": "Second question"}[current]
    assert tree.session.active_leaf_id == by_text[leaf]
    assert notes == [f'[0] "Loops": broke {said}']
    result = fresh.import_trees(trees)
    assert result.messages == 4
    thread = [m.content for m in fresh.active_thread(result.sessions[0].id)]
    assert thread == texts[: 1 + texts.index(leaf)]


def test_chatgpt_loop_between_two_branches_keeps_both() -> None:
    """A loop far from the root (two answers each other's parent under one prompt) is cut at
    the earlier answer, which becomes a root of its own; a parent missing from the mapping is
    reported the same way."""
    nodes = [
        _node("root", None, None, "", 0),
        _node("u1", "root", "user", "Question", 10),
        _node("a1", "a2", "assistant", "Answer one", 11),
        _node("a2", "a1", "assistant", "Answer two", 12),
        _node("u9", "gone", "user", "Orphan", 13),
    ]
    notes: list[str] = []
    _, (tree,) = parse_import(_conversation(nodes, "a2"), notes)
    by_text = {m.content: m for m in tree.messages}
    assert set(by_text) == {"Question", "Answer one", "Answer two", "Orphan"}
    assert by_text["Answer one"].parent_id is None
    assert by_text["Answer two"].parent_id == by_text["Answer one"].id
    assert by_text["Orphan"].parent_id is None
    assert notes == [
        "[0] \"Loops\": node 'u9' names a parent that is not in the mapping ('gone'); it is now"
        " a root",
        "[0] \"Loops\": broke a cycle of 2 nodes at node 'a1' (its parent link to 'a2' was"
        " dropped; it is now a root)",
    ]


def test_the_fixture_needs_no_repairs() -> None:
    notes: list[str] = []
    parse_import(decode(FIXTURE.read_bytes()), notes)
    assert notes == []


def test_aha_document_without_title_is_titled_from_its_first_prompt(
    store: Store, fresh: Store
) -> None:
    """Before: TypeError. A missing (or null) title gets the title a new session would get."""
    for remove in (lambda s: s.pop("title"), lambda s: s.update(title=None)):
        document = _valid_document(store)
        remove(document["session"])  # type: ignore[arg-type]
        notes: list[str] = []
        _, (tree,) = parse_import(document, notes)
        assert tree.session.title == "Frame the churn problem"
        assert notes == [
            'session.title: missing; titled "Frame the churn problem" from its first prompt'
        ]
    notes = []
    _, (tree,) = parse_import([document], notes)
    assert notes == [
        '[0].session.title: missing; titled "Frame the churn problem" from its first prompt'
    ]
    fresh.import_trees([tree])
    assert fresh.list_sessions()[0].title == "Frame the churn problem"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: m.pop("content"), "messages[2].content: missing"),
        (lambda m: m.update(content=None), "messages[2].content: not a string"),
        (lambda m: m.update(content=["a", "b"]), "messages[2].content: not a string"),
    ],
)
def test_aha_message_without_text_content_fails_naming_it(
    store: Store, change: Callable[[dict[str, Any]], object], reason: str
) -> None:
    """Before: TypeError for a missing content. A message's words are never guessed: missing
    or not text, the whole file is refused with the message's place in it."""
    document = _valid_document(store)
    change(document["messages"][2])  # type: ignore[index]
    with pytest.raises(FormatError) as caught:
        parse_import(document)
    assert str(caught.value) == reason


def test_aha_document_with_only_required_fields_parses(store: Store) -> None:
    """Every field the specs call optional may be left out without a TypeError: a field the
    dataclass requires is either required by the spec or given a default on import."""
    document = _valid_document(store)
    session = document["session"]
    assert isinstance(session, dict)
    for name, (_, required) in SESSION_FIELDS.items():
        if not required:
            session.pop(name)
    messages = document["messages"]
    assert isinstance(messages, list)
    for message in messages:
        for name, (_, required) in MESSAGE_FIELDS.items():
            if not required:
                message.pop(name)
    _, (tree,) = parse_import(document)
    assert all(m.parent_id is None for m in tree.messages)
    assert [m.content for m in tree.messages][0] == "Frame the churn problem"


# Malformed input --------------------------------------------------------------------------------


def _valid_document(store: Store) -> dict[str, object]:
    data = seed_branches(store)
    return json.loads(_json(store, data.session.id))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"hello there", "invalid JSON"),
        (b'[{"title": "x", "mapping": {"a": ', "invalid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"foo": 1}', "neither"),
        (b"[1, 2]", "neither"),
        (b"42", "a JSON number"),
        (b'{"format": "other"}', "unknown format"),
        (b'[{"mapping": []}]', "[0].mapping: not an object"),
        (b'[{"mapping": {"a": {"parent": 5}}}]', "parent: not a node id"),
    ],
)
def test_malformed_input_is_one_clear_format_error(raw: bytes, reason: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_import(decode(raw))
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.update(version=2), "version 2 is newer"),
        (lambda d: d["session"].pop("id"), "session.id: missing"),
        (lambda d: d["messages"][2].update(status="done"), "messages[2].status"),
        (lambda d: d["messages"][2].update(role="system"), "messages[2].role"),
        (lambda d: d["messages"][1].update(created_at="yesterday"), "messages[1].created_at"),
        (lambda d: d["messages"][1].update(prompt_tokens="12"), "messages[1].prompt_tokens"),
        (lambda d: d["messages"][3].update(parent_id="nope"), "messages[3].parent_id"),
        (lambda d: d["messages"][0].update(parent_id=d["messages"][1]["id"]), "loop"),
        (lambda d: d["messages"][4].update(id=d["messages"][0]["id"]), "repeats"),
        (lambda d: d["session"].update(active_leaf_id="gone"), "active_leaf_id"),
        (lambda d: d["messages"][0].update(session_id="elsewhere"), "session_id"),
    ],
)
def test_broken_aha_documents_name_the_field(
    store: Store, change: Callable[[dict[str, Any]], object], reason: str
) -> None:
    document = _valid_document(store)
    change(document)
    with pytest.raises(FormatError) as caught:
        parse_import(document)
    assert reason in str(caught.value)


def test_transfer_modules_load_no_ui_or_model_runtime() -> None:
    """Export and import are core code: importing them pulls in no Textual, litellm or llama."""
    modules = [
        "app.transfer.export_md",
        "app.transfer.export_json",
        "app.transfer.import_json",
        "app.transfer.import_chatgpt",
        "app.commands.export",
        "app.commands.import_",
        "storage.transfer_repo",
    ]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print(sorted({k.split('.')[0] for k in sys.modules}"
        " & {'textual', 'litellm', 'llama_cpp', 'widgets'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.strip() == "[]"


def test_attachments_are_exported_and_come_back_on_import(store: Store, fresh: Store) -> None:
    """JSON carries each attachment with its text; importing it (twice: the second time as a
    copy) stores the content once; Markdown shows it collapsed before the prompt."""
    from app.attachments import Attachment
    from app.transfer.exporting import render_session

    session = store.create_session()
    paper = Attachment("paper.md", "markdown", "```\nfenced inside\n```\n\x1b[31mred\n")
    prompt = store.add_user_message(session.id, None, "Summarise.", [paper])
    answer = store.start_assistant(session.id, prompt.id, RouteRecord("fast", "smol"))
    store.finish_assistant(answer.id, MessageStatus.COMPLETE, "It is short.")
    session = store.get_session(session.id)
    assert session is not None
    exported = render_session(store, session, "json")
    document = json.loads(exported)
    (record,) = document["attachments"]
    assert (record["message_id"], record["name"], record["position"]) == (prompt.id, "paper.md", 0)
    assert "\x1b" not in record["text"] and "fenced inside" in record["text"]
    for _ in range(2):
        _, trees = parse_import(decode(exported.encode()))
        fresh.import_trees(trees)
    assert fresh.attachment_count() == (2, 1)
    imported = fresh.get_session(session.id)
    assert imported is not None
    assert render_session(fresh, imported, "json") == exported  # byte for byte
    markdown = render_session(store, session, "md")
    turn = markdown[markdown.index("## You") :]
    block = turn[: turn.index("Summarise.")]
    assert "<summary>📎 paper.md (markdown, ~" in block and "````\n```\nfenced inside" in block


def test_an_attachment_of_a_message_not_in_the_file_is_refused(store: Store) -> None:
    session = store.create_session()
    store.add_user_message(session.id, None, "q")
    document = json.loads(_json(store, session.id))
    document["attachments"] = [
        {"message_id": "nope", "position": 0, "name": "x", "kind": "text", "text": "t"}
    ]
    with pytest.raises(FormatError, match=r"attachments\[0\].message_id: not a prompt"):
        parse_import(document)
