"""One parse of a Markdown draft, shared by the outline and every check.

markdown-it-py gives block tokens with their source lines, so headings inside code fences or
quotes are never mistaken for structure. YAML front matter (what static site generators put on
top of a post) is blanked before parsing, keeping line numbers, and its `title:` counts as the
post's title.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar, cast

from storage.drafts_models import count_words

T = TypeVar("T")

if TYPE_CHECKING:
    from markdown_it.token import Token

_BARE_URL = re.compile(r"^<?https?://\S+>?$")
# The value is stripped in code: a lazy group before `\s*$` backtracks on long runs of spaces.
_FRONT_TITLE = re.compile(r"title:(.*)")


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and the text under it up to the next heading of any level.

    `line` is the heading's (1-based) line, `end_line` the last line before the next heading
    (or the last line of the text); `words` counts the text under the heading, headings left
    out, so a parent's words do not include its subsections'.
    """

    level: int
    title: str
    line: int
    end_line: int
    words: int


@dataclass(frozen=True, slots=True)
class Block:
    """One top-level block: heading, paragraph, code, list, quote, table, html or rule."""

    kind: str
    line: int  # 1-based, first line
    end_line: int  # 1-based, last non-blank line
    text: str = ""  # plain text: inline markup gone, links as their text; code as written
    level: int = 0  # heading level
    only_links: bool = False  # a paragraph, or a list whose every item, is nothing but links
    links: int = 0


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed draft. Every rule asks it "which section holds line N" and "what is under
    section i", once per finding or per section: both are answered from indexes built once
    here (a bisect and a list per section), since a scan per question made a 10 MB file's
    checks quadratic."""

    text: str
    lines: list[str]
    blocks: list[Block]
    sections: list[Section]
    front_title: str = ""  # `title:` from YAML front matter
    section_of_block: list[int] = field(default_factory=list)  # index into sections, -1: preamble
    _section_lines: list[int] = field(init=False, repr=False, compare=False)
    _own_blocks: list[list[Block]] = field(init=False, repr=False, compare=False)
    _memo: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        own: list[list[Block]] = [[] for _ in range(len(self.sections) + 1)]
        for block, owner in zip(self.blocks, self.section_of_block, strict=True):
            if block.kind != "heading":
                own[owner + 1].append(block)
        # Frozen: the indexes are derived once, here, and never change after.
        object.__setattr__(self, "_section_lines", [s.line for s in self.sections])
        object.__setattr__(self, "_own_blocks", own)
        object.__setattr__(self, "_memo", {})

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per document: what several rules derive from the same text (its
        sentences) is worked out once, not once per rule."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    @property
    def has_title(self) -> bool:
        return bool(self.front_title) or any(s.level == 1 for s in self.sections)

    def is_title(self, level: int, text: str) -> bool:
        """Whether a heading is the post's title rather than a section. Without front matter,
        every level-1 heading is (one is expected). With a front-matter title the site prints
        that as the page heading, so the body's headings are all sections, whatever level the
        writer chose (`#` sections, or `####` ones), except a `#` repeating the title."""
        if level != 1:
            return False
        if not self.front_title:
            return True
        return " ".join(text.split()).casefold() == " ".join(self.front_title.split()).casefold()

    @property
    def body_sections(self) -> list[Section]:
        """The headings that are sections (not the title), in order."""

        def sections() -> list[Section]:
            return [s for s in self.sections if not self.is_title(s.level, s.title)]

        return self.memo("body_sections", sections)

    @property
    def top_level(self) -> int:
        """The level of the post's main sections: the shallowest level among its sections
        (2 for a post with none)."""
        levels = [s.level for s in self.body_sections]
        return min(levels) if levels else 2

    def section_index_at(self, line: int) -> int:
        """Index of the section holding `line`, or -1 before the first heading."""
        return bisect_right(self._section_lines, line) - 1

    def section_title_at(self, line: int) -> str:
        index = self.section_index_at(line)
        return self.sections[index].title if index >= 0 else ""

    def blocks_of(self, section_index: int) -> list[Block]:
        """Blocks under a section's heading (its own text, not its subsections'); -1 gives the
        blocks before the first heading."""
        return list(self._own_blocks[section_index + 1])

    def subtree_end(self, section_index: int) -> int:
        """Index (exclusive) of the first section after `section_index` that is not nested
        under it."""
        level = self.sections[section_index].level
        end = section_index + 1
        while end < len(self.sections) and self.sections[end].level > level:
            end += 1
        return end

    def subtree_words(self, section_index: int) -> int:
        end = self.subtree_end(section_index)
        return sum(s.words for s in self.sections[section_index:end])


def _front_matter(lines: list[str]) -> tuple[int, str]:
    """(number of lines the front matter takes, its title) or (0, "") without one."""
    if not lines or lines[0].strip() != "---":
        return 0, ""
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            title = ""
            for line in lines[1:end]:
                match = _FRONT_TITLE.match(line)
                if match:
                    title = match.group(1).strip()
                    if len(title) >= 2 and title[0] == title[-1] and title[0] in "\"'":
                        title = title[1:-1]
                    break
            return end + 1, title
    return 0, ""


def _plain(inline: Token) -> tuple[str, bool, int]:
    """Plain text of an inline token, whether it is only links (and images), and its links."""
    parts: list[str] = []
    outside = []  # text that is not inside a link
    depth = 0
    links = 0
    for child in inline.children or []:
        if child.type == "link_open":
            depth += 1
            links += 1
        elif child.type == "link_close":
            depth -= 1
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
            if depth == 0:
                outside.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            links += 1
    text = "".join(parts).strip()
    rest = "".join(outside).strip(" \t:;,.-–—|·")
    if links == 0 and _BARE_URL.match(text):
        return text, True, 1
    return text, links > 0 and not any(ch.isalnum() for ch in rest), links


def _end_line(lines: list[str], start: int, stop: int) -> int:
    """1-based last non-blank line of the 0-based range [start, stop)."""
    end = stop
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _blocks(tokens: list[Token], lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.level != 0 or token.map is None or token.nesting == -1:
            index += 1
            continue
        start, stop = token.map
        line, end = start + 1, _end_line(lines, start, stop)
        if token.type == "heading_open":
            text, _, _ = _plain(tokens[index + 1])
            blocks.append(Block("heading", line, end, text, level=int(token.tag[1:])))
        elif token.type == "paragraph_open":
            text, only_links, links = _plain(tokens[index + 1])
            blocks.append(Block("paragraph", line, end, text, only_links=only_links, links=links))
        elif token.type in ("fence", "code_block"):
            blocks.append(Block("code", line, end, token.content))
        elif token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            close = token.type.replace("_open", "_close")
            depth, inner = 0, index
            items: list[tuple[str, bool, int]] = []
            while inner < len(tokens):
                t = tokens[inner]
                depth += t.nesting if t.type in (token.type, close) else 0
                if t.type == "inline":
                    items.append(_plain(t))
                if t.type == close and depth == 0:
                    break
                inner += 1
            kind = "quote" if token.type == "blockquote_open" else "list"
            text = "\n".join(item[0] for item in items)
            only = bool(items) and all(item[1] for item in items)
            links = sum(item[2] for item in items)
            blocks.append(Block(kind, line, end, text, only_links=only, links=links))
            index = inner
        elif token.type in ("table_open", "html_block", "hr"):
            kind = {"table_open": "table", "html_block": "html", "hr": "rule"}[token.type]
            blocks.append(Block(kind, line, end, token.content))
        index += 1
    return blocks


# Jekyll's code blocks: `{% highlight python linenos %}` ... `{% endhighlight %}`.
_LIQUID_OPEN = re.compile(r"^\s*\{%-?\s*highlight\s+([\w+#.-]+)[^%]*-?%\}\s*$")
_LIQUID_CLOSE = re.compile(r"^\s*\{%-?\s*endhighlight\s*-?%\}\s*$")


def _liquid_fences(lines: list[str]) -> list[str]:
    """Jekyll's `{% highlight %}` blocks as fenced code, line for line (so every line keeps
    its number): the `# comments` inside them are code, not headings."""
    if not any("highlight" in line for line in lines):
        return lines
    out: list[str] = []
    inside = False
    for line in lines:
        opening = None if inside else _LIQUID_OPEN.match(line)
        if opening:
            out.append("```" + opening.group(1))
            inside = True
        elif inside and _LIQUID_CLOSE.match(line):
            out.append("```")
            inside = False
        else:
            out.append(line)
    return out


@lru_cache(maxsize=1)
def _markdown():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


@lru_cache(maxsize=8)
def parse(text: str) -> Document:
    """Parse `text` once; the outline and every rule read the result (cached: the editor
    asks for the outline and the findings of the same text)."""
    lines = text.splitlines()
    skip, front_title = _front_matter(lines)
    source = "\n".join([""] * skip + _liquid_fences(lines[skip:]))
    blocks = _blocks(_markdown().parse(source), lines)
    headings = [b for b in blocks if b.kind == "heading"]
    sections: list[Section] = []
    for position, heading in enumerate(headings):
        following = headings[position + 1].line - 1 if position + 1 < len(headings) else len(lines)
        body = "\n".join(lines[heading.end_line : following])
        end = _end_line(lines, heading.end_line - 1, max(following, heading.end_line))
        sections.append(Section(heading.level, heading.text, heading.line, end, count_words(body)))
    owners: list[int] = []
    current = -1
    for block in blocks:
        if block.kind == "heading":
            current += 1
        owners.append(current)
    return Document(text, lines, blocks, sections, front_title, owners)
