"""ChatGPT's `conversations.json` (Settings > Data controls > Export) into aha session trees.

Each conversation is a `mapping` of nodes, each with a `parent` and `children`; editing a prompt
or regenerating an answer in ChatGPT adds a sibling node, exactly like aha's branches, so every
branch is kept. Only user and assistant text becomes messages; system prompts, tool calls and
results, hidden context and empty nodes are dropped and their children hang from the nearest
kept ancestor. `current_node` (the branch ChatGPT last showed) becomes the active leaf, and an
archived conversation stays archived.

The structure (a list of objects with a `mapping` of objects) is checked strictly; message
content is read leniently, since OpenAI adds content types over time: anything that is not
plain text is treated like a tool node and skipped.
"""

from __future__ import annotations

import heapq
import math
from datetime import UTC, datetime
from typing import Any

from app.sanitize import strip_control
from app.transfer import FormatError
from storage.ids import new_id, now_iso
from storage.models import Message, MessageStatus, Session
from storage.sessions_repo import title_from_prompt
from storage.transfer_repo import SessionTree

ROUTE = "imported"
_TEXT_TYPES = frozenset({"text", "multimodal_text"})
_KEPT_ROLES = frozenset({"user", "assistant"})


def _iso(seconds: Any) -> str | None:
    """ChatGPT's float epoch seconds as aha's timestamp text; None when absent or nonsense."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return None
    if not math.isfinite(seconds):
        return None
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _text_of(message: dict[str, Any]) -> str | None:
    """The visible text of a user or assistant turn, or None for anything to skip."""
    author = message.get("author")
    role = author.get("role") if isinstance(author, dict) else None
    if role not in _KEPT_ROLES:
        return None
    metadata = message.get("metadata")
    if isinstance(metadata, dict) and metadata.get("is_visually_hidden_from_conversation"):
        return None
    if message.get("recipient", "all") != "all":  # an assistant's call to a tool
        return None
    content = message.get("content")
    if not isinstance(content, dict) or content.get("content_type") not in _TEXT_TYPES:
        return None
    parts = content.get("parts")
    if not isinstance(parts, list):
        return None
    texts = [strip_control(p) for p in parts if isinstance(p, str)]
    text = "\n\n".join(t for t in texts if t.strip())
    return text if text.strip() else None


def _model_of(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata")
    slug = metadata.get("model_slug") if isinstance(metadata, dict) else None
    return strip_control(slug) if isinstance(slug, str) and slug else None


def _status_of(message: dict[str, Any]) -> tuple[MessageStatus, str | None]:
    status = message.get("status")
    if status in (None, "finished_successfully"):
        return MessageStatus.COMPLETE, None
    return MessageStatus.INTERRUPTED, strip_control(f"ChatGPT status: {status}")[:200]


def _nodes(conversation: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    mapping = conversation.get("mapping")
    if not isinstance(mapping, dict):
        raise FormatError(f"{where}.mapping: not an object")
    for key, node in mapping.items():
        if not isinstance(node, dict):
            raise FormatError(f"{where}.mapping[{key[:40]!r}]: not an object")
        parent = node.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise FormatError(f"{where}.mapping[{key[:40]!r}].parent: not a node id")
        message = node.get("message")
        if message is not None and not isinstance(message, dict):
            raise FormatError(f"{where}.mapping[{key[:40]!r}].message: not an object")
    return mapping


def parse_conversations(conversations: list[Any]) -> list[SessionTree]:
    """Every conversation of an export, in file order, each as a new session with new ids.

    A conversation with no user or assistant text at all is left out: it would be an empty,
    titled session in the sidebar with nothing to open.
    """
    trees = []
    for i, conversation in enumerate(conversations):
        if not isinstance(conversation, dict):
            raise FormatError(f"[{i}]: not a conversation object")
        tree = _conversation(conversation, f"[{i}]")
        if tree.messages:
            trees.append(tree)
    return trees


def _conversation(conversation: dict[str, Any], where: str) -> SessionTree:
    nodes = _nodes(conversation, where)
    texts = {
        key: text
        for key, node in nodes.items()
        if node.get("message") is not None and (text := _text_of(node["message"])) is not None
    }
    kept_parent: dict[str, str | None] = {}

    def nearest_kept(key: str | None) -> str | None:
        """The node itself if kept, else its closest kept ancestor (None at the root)."""
        seen: set[str] = set()
        while key is not None and key not in texts:
            if key in seen or key not in nodes:
                return None  # a loop or a dangling link: treat as reaching the root
            seen.add(key)
            key = nodes[key].get("parent")
        return key

    for key in texts:
        kept_parent[key] = nearest_kept(nodes[key].get("parent"))

    fallback = _iso(conversation.get("create_time")) or now_iso()
    when: dict[str, str] = {}

    def created(key: str) -> str:
        """Own time, else the parent's: a child never sorts before what it answers."""
        if key not in when:
            own = _iso(nodes[key]["message"].get("create_time"))
            parent = kept_parent[key]
            when[key] = own or (created(parent) if parent is not None else fallback)
        return when[key]

    # Ids are handed out parents first and otherwise in creation order, so aha's id order (its
    # notion of "newest") matches ChatGPT's timestamps.
    order = list(texts)
    rank = {key: i for i, key in enumerate(order)}
    children: dict[str | None, list[str]] = {}
    for key in order:
        children.setdefault(kept_parent[key], []).append(key)
    heap = [(created(k), rank[k], k) for k in children.get(None, [])]
    heapq.heapify(heap)
    session_id = new_id()
    new_ids: dict[str, str] = {}
    messages: list[Message] = []
    while heap:
        _, _, key = heapq.heappop(heap)
        message = nodes[key]["message"]
        new_ids[key] = new_id()
        role = message["author"]["role"]
        status, error = (
            _status_of(message) if role == "assistant" else (MessageStatus.COMPLETE, None)
        )
        parent = kept_parent[key]
        messages.append(
            Message(
                id=new_ids[key],
                session_id=session_id,
                parent_id=new_ids[parent] if parent is not None else None,
                role=role,
                content=texts[key],
                status=status,
                error=error,
                created_at=created(key),
                updated_at=max(_iso(message.get("update_time")) or "", created(key)),
                route=ROUTE if role == "assistant" else None,
                model=_model_of(message) if role == "assistant" else None,
            )
        )
        for child in children.get(key, []):
            heapq.heappush(heap, (created(child), rank[child], child))

    current = conversation.get("current_node")
    leaf = nearest_kept(current) if isinstance(current, str) else None
    active = new_ids[leaf] if leaf is not None else (messages[-1].id if messages else None)
    title = conversation.get("title")
    title = " ".join(strip_control(title).split()) if isinstance(title, str) else ""
    if not title and messages:
        title = title_from_prompt(messages[0].content)
    created_at = _iso(conversation.get("create_time")) or (
        messages[0].created_at if messages else fallback
    )
    session = Session(
        id=session_id,
        title=title,
        created_at=created_at,
        updated_at=max(_iso(conversation.get("update_time")) or "", created_at),
        active_leaf_id=active,
        archived=conversation.get("is_archived") is True,
    )
    return SessionTree(session=session, messages=tuple(messages))
