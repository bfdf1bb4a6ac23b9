"""ChatGPT's `conversations.json` (Settings > Data controls > Export) into aha session trees.

Each conversation is a `mapping` of nodes, each with a `parent` and `children`; editing a prompt
or regenerating an answer in ChatGPT adds a sibling node, exactly like aha's branches, so every
branch is kept. Only user and assistant text becomes messages; system prompts, tool calls and
results, hidden context and empty nodes are dropped and their children hang from the nearest
kept ancestor. `current_node` (the branch ChatGPT last showed) becomes the active leaf, and an
archived conversation stays archived.

A damaged export's parent links may loop (a node its own parent, two nodes each other's, a
mapping with no root at all). Nothing in a loop is dropped: each loop is cut at one named node,
which moves to a node that lists it as a child or becomes a root, and the cut is reported, so
every text node is imported or the file is refused.

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


def _node_name(key: str) -> str:
    return repr(strip_control(key)[:40])


def _parents(
    nodes: dict[str, dict[str, Any]], texts: dict[str, str], where: str, notes: list[str]
) -> dict[str, str | None]:
    """Every node's parent, made into a forest: a parent that is not in the mapping becomes
    "no parent", and each loop in the parent links is cut once, at a node named in `notes`.

    A loop would otherwise leave its nodes unreachable from any root, so their messages would
    be dropped without a word. The cut goes where it loses least: at a node with no text of
    its own (ChatGPT's roots are such nodes) if the loop has one, else at its earliest message
    (the likeliest start of the thread). The cut node then hangs from a node whose `children`
    list names it, where that makes no new loop (ChatGPT keeps both directions of each link,
    and one can repair the other), or else becomes a root.
    """
    rank = {key: i for i, key in enumerate(nodes)}
    parent: dict[str, str | None] = {}
    for key, node in nodes.items():
        link = node.get("parent")
        if link is not None and link not in nodes:
            notes.append(
                f"{where}: node {_node_name(key)} names a parent that is not in the mapping"
                f" ({_node_name(link)}); it is now a root"
            )
            link = None
        parent[key] = link

    def cut_order(key: str) -> tuple[bool, float, int]:
        message = nodes[key].get("message")
        seconds = message.get("create_time") if isinstance(message, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            seconds = math.inf
        return (key in texts, float(seconds) if math.isfinite(seconds) else math.inf, rank[key])

    # Each node has at most one parent, so following the links from any node either ends at
    # a root, reaches a node already settled, or comes back into the current path: a loop.
    cuts: list[tuple[str, str | None, int]] = []  # (node, the parent dropped, loop size)
    settled: set[str] = set()
    for start in nodes:
        path: list[str] = []
        on_path: dict[str, int] = {}
        step: str | None = start
        while step is not None and step not in settled and step not in on_path:
            on_path[step] = len(path)
            path.append(step)
            step = parent[step]
        if step is not None and step in on_path:
            loop = path[on_path[step] :]
            cut = min(loop, key=cut_order)
            cuts.append((cut, parent[cut], len(loop)))
            parent[cut] = None
        settled.update(path)
    if not cuts:
        return parent

    # The links are a forest now; hang each cut node from a node claiming it as a child,
    # unless that node is below it (which would close the loop again).
    claimed_by: dict[str, list[str]] = {}
    for key, node in nodes.items():
        children = node.get("children")
        for child in children if isinstance(children, list) else []:
            if isinstance(child, str) and child in nodes and child != key:
                claimed_by.setdefault(child, []).append(key)

    def below(key: str | None, top: str) -> bool:
        while key is not None:
            if key == top:
                return True
            key = parent[key]
        return False

    for cut, dropped, size in cuts:
        home = next((c for c in claimed_by.get(cut, []) if not below(c, cut)), None)
        parent[cut] = home
        what = "a self-loop" if size == 1 else f"a cycle of {size} nodes"
        link = "to itself" if dropped == cut else f"to {_node_name(str(dropped))}"
        now = (
            f"it now hangs from {_node_name(home)}, which lists it as a child"
            if home is not None
            else "it is now a root"
        )
        notes.append(
            f"{where}: broke {what} at node {_node_name(cut)} (its parent link {link} was"
            f" dropped; {now})"
        )
    return parent


def parse_conversations(
    conversations: list[Any], notes: list[str] | None = None
) -> list[SessionTree]:
    """Every conversation of an export, in file order, each as a new session with new ids.

    A conversation with no user or assistant text at all is left out: it would be an empty,
    titled session in the sidebar with nothing to open. What had to be repaired on the way
    (a loop in the parent links, a parent missing from the mapping) is appended to `notes`,
    one line each, naming the conversation and the node.
    """
    notes = [] if notes is None else notes
    trees = []
    for i, conversation in enumerate(conversations):
        if not isinstance(conversation, dict):
            raise FormatError(f"[{i}]: not a conversation object")
        repaired: list[str] = []
        tree = _conversation(conversation, f"[{i}]", repaired)
        if tree.messages:  # a repair in a conversation left out is not worth a word
            trees.append(tree)
            notes.extend(repaired)
    return trees


def _conversation(conversation: dict[str, Any], where: str, notes: list[str]) -> SessionTree:
    nodes = _nodes(conversation, where)
    texts = {
        key: text
        for key, node in nodes.items()
        if node.get("message") is not None and (text := _text_of(node["message"])) is not None
    }
    title = conversation.get("title")
    shown = " ".join(strip_control(title).split())[:60] if isinstance(title, str) else ""
    named = f'{where} "{shown}"' if shown else where
    parent_of = _parents(nodes, texts, named, notes)

    def nearest_kept(key: str | None) -> str | None:
        """The node itself if kept, else its closest kept ancestor (None at the root); the
        links are a forest by now, so the walk ends."""
        while key is not None and key not in texts:
            key = parent_of.get(key)
        return key

    kept_parent = {key: nearest_kept(parent_of[key]) for key in texts}

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

    if len(messages) != len(texts):  # cannot happen on a forest; never drop text silently
        lost = next(key for key in texts if key not in new_ids)
        raise FormatError(f"{where}.mapping[{lost[:40]!r}]: not reachable from any root")
    current = conversation.get("current_node")
    leaf = nearest_kept(current) if isinstance(current, str) and current in nodes else None
    active = new_ids[leaf] if leaf is not None else (messages[-1].id if messages else None)
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
