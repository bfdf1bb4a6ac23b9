"""Textual's private parts stay behind one door (`widgets.textual_compat`), and the answer view
falls back to the stock Markdown stream where that door does not fit."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from widgets import markdown as answer_markdown_module
from widgets import textual_compat
from widgets.markdown import answer_markdown, fast_markdown, use_fast_markdown
from widgets.markdown.stock import StockAnswerMarkdown

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "widgets", "storage", "themes")
COMPAT = ROOT / "widgets" / "textual_compat.py"
# Private names of Textual's that aha has used; reaching for any of them outside the compat
# module is a leak (aha's own private names are spelled differently).
PRIVATE_TEXTUAL_NAMES = {
    "_full_map",
    "_size_updated",
    "_container_size",
    "_visible_widgets",
    "_layers_visible",
    "_cuts",
    "_refresh_scroll",
    "_rewrap_and_refresh_virtual_size",
    "_message_queue",
    "_pending_message",
    "_last_parsed_line",
    "_table_of_contents",
    "_blocks",
    "_content",
    "_on_key",
    "_compositor",
}


def _modules() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != COMPAT:
                yield path


def _private_textual_import(node: ast.AST) -> str | None:
    names: list[str] = []
    if isinstance(node, ast.ImportFrom) and node.module:
        names = [node.module]
    elif isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    for name in names:
        parts = name.split(".")
        if parts[0] == "textual" and any(part.startswith("_") for part in parts[1:]):
            return name
    return None


def _uses_textual(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "textual":
            return True
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "textual" for alias in node.names
        ):
            return True
    return False


def test_no_private_textual_outside_the_compat_module() -> None:
    leaks: list[str] = []
    for path in _modules():
        tree = ast.parse(path.read_text(), str(path))
        where = path.relative_to(ROOT)
        if not _uses_textual(tree):
            continue  # the core: a name like `_blocks` there is its own
        for node in ast.walk(tree):
            module = _private_textual_import(node)
            if module is not None:
                leaks.append(f"{where}:{node.lineno} imports {module}")
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE_TEXTUAL_NAMES:
                leaks.append(f"{where}:{node.lineno} uses .{node.attr}")
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if node.name in PRIVATE_TEXTUAL_NAMES:
                    leaks.append(f"{where}:{node.lineno} overrides {node.name}")
    assert leaks == []


@pytest.fixture
def textual_release(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Lets a test pretend another Textual is installed; the check runs again after it."""
    textual_compat.fast_markdown_supported.cache_clear()
    yield
    textual_compat.fast_markdown_supported.cache_clear()
    use_fast_markdown(True)


def test_the_pinned_textual_runs_the_fast_engine(textual_release: None) -> None:
    assert textual_compat.textual_version() == textual_compat.TESTED_TEXTUAL
    assert textual_compat.fast_markdown_supported() is None
    assert use_fast_markdown(True) is None and fast_markdown()
    from widgets.markdown.engine import StreamingMarkdown

    assert isinstance(answer_markdown("# hi"), StreamingMarkdown)


def test_another_textual_falls_back_to_the_stock_stream(
    textual_release: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textual_compat, "textual_version", lambda: "99.0.0")
    reason = use_fast_markdown(True)
    assert reason is not None and "Textual 99.0.0" in reason
    assert not fast_markdown()
    view = answer_markdown("# hi")
    assert isinstance(view, StockAnswerMarkdown)


def test_internals_that_moved_fall_back_too(
    textual_release: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textual_compat, "PRIVATE_IMPORTS", False)
    assert "moved" in (textual_compat.fast_markdown_supported() or "")
    assert isinstance(answer_markdown(""), StockAnswerMarkdown)


def test_the_setting_forces_the_stock_stream(textual_release: None) -> None:
    assert use_fast_markdown(False) is None  # asked for: no reason to report
    assert not fast_markdown()
    assert isinstance(answer_markdown("text"), StockAnswerMarkdown)
    assert answer_markdown_module.fast_markdown() is False
