"""Ideas out of a model's Markdown answer, and near-duplicates out of several answers.

What counts as an idea (markdown-it-py's syntax tree, so code blocks and quotes never count):
- each top-level item of a bullet or numbered list; its nested items and later paragraphs
  become the idea's detail, not ideas of their own (they refine the parent);
- a heading followed by a paragraph: the heading is the idea, the paragraph its detail;
- a heading followed by a list names a section: the list's items are the ideas, and the
  heading is kept as their section (the cluster stage turns sections into tags).
Everything else is noise: the "Sure! Here are some ideas:" before the list, the "Let me know
if..." after it, and headings such as "Summary" or "Conclusion".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

# Headings that frame an answer rather than name an idea.
NOISE_HEADINGS = frozenset(
    {
        "conclusion",
        "conclusions",
        "summary",
        "in summary",
        "introduction",
        "overview",
        "ideas",
        "final thoughts",
        "notes",
        "tl;dr",
        "tldr",
    }
)
MIN_IDEA_CHARS = 3
# Two ideas are the same when their normalised texts are this similar (difflib's ratio).
SIMILAR = 0.85
_LISTS = ("bullet_list", "ordered_list")
_WORDS = re.compile(r"[^\w\s]+")


@dataclass(frozen=True, slots=True)
class ExtractedIdea:
    text: str
    detail: str = ""
    section: str = ""


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def _plain(node: SyntaxTreeNode) -> str:
    """The text of an inline node without Markdown marks (bold, code, links)."""
    if node.type in ("text", "code_inline", "html_inline"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return " "
    return "".join(_plain(child) for child in node.children)


def _clean(text: str) -> str:
    return " ".join(text.split()).strip().rstrip(":").strip()


def _block_text(node: SyntaxTreeNode) -> str:
    return _clean(_plain(node))


def _item_parts(item: SyntaxTreeNode, depth: int = 0) -> tuple[str, list[str]]:
    """(the item's own text, its detail lines: nested items indented, later paragraphs)."""
    own = ""
    detail: list[str] = []
    for child in item.children:
        if child.type == "paragraph" and not own:
            own = _block_text(child)
        elif child.type == "paragraph":
            detail.append("  " * depth + _block_text(child))
        elif child.type in _LISTS:
            for sub in child.children:
                text, sub_detail = _item_parts(sub, depth + 1)
                if text:
                    detail.append("  " * depth + f"- {text}")
                detail.extend(sub_detail)
    if not own and detail and detail[0].startswith("- "):
        # "1. 1. Idea" (a list item that only holds a list): the inner item is the idea.
        own = detail.pop(0)[2:]
    return own, detail


def _list_ideas(node: SyntaxTreeNode, section: str) -> list[ExtractedIdea]:
    ideas = []
    for item in node.children:
        text, detail = _item_parts(item)
        if len(text) >= MIN_IDEA_CHARS:
            ideas.append(ExtractedIdea(text, "\n".join(d for d in detail if d.strip()), section))
    return ideas


def extract_ideas(markdown: str) -> list[ExtractedIdea]:
    """The ideas of one answer, in the order they appear."""
    nodes = SyntaxTreeNode(_parser().parse(markdown)).children
    ideas: list[ExtractedIdea] = []
    section = ""
    for index, node in enumerate(nodes):
        following = nodes[index + 1] if index + 1 < len(nodes) else None
        if node.type == "heading":
            title = _block_text(node)
            noise = title.casefold().strip(" .!") in NOISE_HEADINGS
            section = "" if noise else title
            if not noise and following is not None and following.type == "paragraph":
                if len(title) >= MIN_IDEA_CHARS:
                    ideas.append(ExtractedIdea(title, _block_text(following), ""))
        elif node.type in _LISTS:
            ideas.extend(_list_ideas(node, section))
    return ideas


def normalised(text: str) -> str:
    return " ".join(_WORDS.sub(" ", text.casefold()).split())


def similar(a: str, b: str, threshold: float = SIMILAR) -> bool:
    left, right = normalised(a), normalised(b)
    if left == right:
        return True
    return difflib.SequenceMatcher(None, left, right).ratio() >= threshold


def dedupe(
    ideas: Iterable[ExtractedIdea], existing: Sequence[str] = (), threshold: float = SIMILAR
) -> list[ExtractedIdea]:
    """`ideas` without those near-identical to an earlier one or to an `existing` text (ideas
    already on the board, e.g. from another diverge sample)."""
    seen = [normalised(text) for text in existing]
    kept: list[ExtractedIdea] = []
    for idea in ideas:
        key = normalised(idea.text)
        if not key:
            continue
        if any(similar(key, other, threshold) for other in seen):
            continue
        seen.append(key)
        kept.append(idea)
    return kept


def best_match(text: str, candidates: Sequence[str], threshold: float = 0.6) -> int | None:
    """Index of the candidate most like `text` (at least `threshold` similar), or None: how a
    cluster answer's items are matched back to the ideas on the board."""
    key = normalised(text)
    best, best_ratio = None, threshold
    for index, candidate in enumerate(candidates):
        other = normalised(candidate)
        ratio = 1.0 if key == other else difflib.SequenceMatcher(None, key, other).ratio()
        if ratio >= best_ratio:
            best, best_ratio = index, ratio
    return best
