"""`aha draft`: blog post drafts from the shell.

    aha draft new [TITLE] [--file FILE] [--tags a,b] [--description TEXT]
    aha draft list [--json]
    aha draft open ID
    aha draft export ID [--format md] [-o FILE]
    aha draft check FILE.md [FILE.md ...] [--json]

`check` works on any Markdown file, with or without aha's database, and behaves like a linter
(`file:line: severity: rule: message`, exit 1 when an error-severity finding is found, 2 when
a file cannot be read), so writers can run it in their own pipelines and editors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from app import paths
from app.commands.cli_common import one_match, write_stdout
from app.config import Settings
from app.sanitize import strip_control
from storage import Draft, Store

T = TypeVar("T")

USAGE = "usage: aha draft new [TITLE] | list | open ID | export ID [-o FILE] | check FILE.md"
ID_HELP = "a draft id, a unique prefix of one, or 'last' (the most recently edited)"


class DraftCommandError(Exception):
    """A problem to report in one line, exit status 2."""


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    draft = commands.add_parser(
        "draft",
        help="blog post drafts: new, list, open, export; check any Markdown file's structure",
        description="Drafts are Markdown posts stored with every version. `new` makes one,"
        " `list` shows them, `open` starts the TUI on one, `export` writes it with YAML front"
        " matter for a static site generator, and `check` runs the structure checks on any"
        " Markdown file like a linter.",
        epilog=USAGE,
    )
    actions = draft.add_subparsers(dest="draft_command", metavar="ACTION", required=True)

    new = actions.add_parser(
        "new",
        help="create a draft and print its id",
        description="Create a draft. Its text is FILE's ('-' reads stdin), or a '# TITLE'"
        " line to start from; its title follows the text's first '# ' heading.",
    )
    new.add_argument("title", nargs="?", default="", metavar="TITLE", help="the post's title")
    new.add_argument("--file", metavar="FILE", help="start from this Markdown file ('-': stdin)")
    new.add_argument("--tags", default="", help="comma-separated tags for the front matter")
    new.add_argument("--description", default="", help="one-line description (front matter)")

    listing = actions.add_parser(
        "list", help="drafts, most recently edited first: id, last edited, words, title"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per draft")

    opening = actions.add_parser("open", help="open the TUI on a draft")
    opening.add_argument("draft", metavar="ID", help=ID_HELP)

    export = actions.add_parser(
        "export",
        help="write a draft as Markdown with YAML front matter (stdout unless -o)",
        description="Write the draft with front matter (title, date of the last edit, tags,"
        " description) as Jekyll, Hugo, Eleventy and the like expect. A leading '# Title'"
        " that repeats the title is left out, since site themes print the title themselves.",
    )
    export.add_argument("draft", metavar="ID", help=ID_HELP)
    export.add_argument("--format", choices=["md"], default="md", help="md (the only one)")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")

    check = actions.add_parser(
        "check",
        help="check the structure of Markdown files (exit 1 on an error)",
        description="Run aha's structure checks on Markdown files: one title, heading levels,"
        " empty and duplicate sections, introduction, conclusion, main claim, section balance,"
        " long paragraphs and sentences, readability, bare code blocks and links. Prints"
        " `file:line: severity: rule: message`; exits 1 when any finding is an error, 2 when"
        " a file cannot be read, else 0.",
    )
    check.add_argument("files", nargs="+", metavar="FILE.md", help="Markdown files; '-': stdin")
    check.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per finding: file, line, severity, rule, section, message,"
        " suggestion",
    )


def run_draft(args: argparse.Namespace, settings: Settings) -> int:
    if args.draft_command == "check":
        return _check(args.files, args.json, settings.drafts.severity)
    try:
        if args.draft_command == "new":
            return _new(args)
        if args.draft_command == "list":
            return _list(args.json)
        if args.draft_command == "export":
            return _export(args.draft, args.output)
        if args.draft_command == "open":
            draft_id = _with_store(lambda store: _resolve(store, args.draft).id)
            from app.ui.app import run_tui  # the TUI, only now

            return run_tui(settings, theme=getattr(args, "theme", None), initial_draft=draft_id)
    except DraftCommandError as exc:
        print(f"aha draft: {exc}", file=sys.stderr)
        return 2
    print(USAGE, file=sys.stderr)
    return 2


# Store access ---------------------------------------------------------------------------------


def _with_store(work: Callable[[Store], T], *, create: bool = False) -> T:
    """Run `work(store)` on aha's database; without `create`, a missing database is "no
    drafts yet" rather than a new empty file."""
    path = paths.database_path()
    if not create and not path.exists():
        raise DraftCommandError("no drafts yet (aha draft new)")
    store = Store.open(path)
    try:
        return work(store)
    finally:
        store.close()


def _resolve(store: Store, ref: str) -> Draft:
    found = store.list_drafts()[:1] if ref == "last" else store.find_drafts(ref)
    return one_match(found, ref, "drafts", DraftCommandError, "aha draft list")


# Actions --------------------------------------------------------------------------------------


def _read_text(name: str) -> str:
    """A Markdown file's text ('-' is stdin); unreadable -> DraftCommandError."""
    try:
        if name == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        return Path(name).read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise DraftCommandError(f"{name}: not UTF-8 text") from None
    except IsADirectoryError:
        raise DraftCommandError(f"{name}: is a directory") from None
    except OSError as exc:
        raise DraftCommandError(f"{name}: cannot read: {exc.strerror or exc}") from None


def _new(args: argparse.Namespace) -> int:
    title = " ".join(str(args.title).split())
    body = _read_text(args.file) if args.file else (f"# {title}\n\n" if title else "")
    tags = [t.strip() for t in str(args.tags).split(",") if t.strip()]
    draft = _with_store(
        lambda store: store.create_draft(
            title, body, tags=tags, description=str(args.description).strip()
        ),
        create=True,
    )
    print(draft.id)
    return 0


def _local(stamp: str) -> str:
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return stamp[:16]
    return moment.strftime("%Y-%m-%d %H:%M")


def _list(as_json: bool) -> int:
    if not paths.database_path().exists():
        print("no drafts yet: aha draft new TITLE", file=sys.stderr)
        return 0
    drafts = _with_store(lambda store: store.list_drafts())
    if not drafts:
        print("no drafts yet: aha draft new TITLE", file=sys.stderr)
    for draft in drafts:
        title = " ".join(strip_control(draft.title).split()) or "(untitled)"
        if as_json:
            record = {
                "id": draft.id,
                "title": draft.title,
                "words": draft.words,
                "tags": list(draft.tags),
                "description": draft.description,
                "created_at": draft.created_at,
                "updated_at": draft.updated_at,
            }
            print(json.dumps(record, ensure_ascii=False))
        else:
            print(f"{draft.id}  {_local(draft.updated_at)}  {draft.words:>6} words  {title}")
    return 0


def _export(ref: str, output: str | None) -> int:
    from app.writing.export import draft_markdown

    draft = _with_store(lambda store: _resolve(store, ref))
    data = draft_markdown(draft).encode("utf-8")
    if output and output != "-":
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise DraftCommandError(f"cannot write {output}: {exc.strerror or exc}") from None
        return 0
    write_stdout(data)
    return 0


def _check(files: list[str], as_json: bool, configured: Mapping[str, str]) -> int:
    from app.writing.checks import check
    from app.writing.severity import SeverityError, apply, find_project_file, load_project_file

    status = 0
    out: list[str] = []
    for name in files:
        try:
            text = _read_text(name)
        except DraftCommandError as exc:
            print(f"aha draft check: {exc}", file=sys.stderr)
            status = 2
            continue
        # The nearest .aha-check.toml (beside the file, or above it) wins over the config.
        folder = Path.cwd() if name == "-" else Path(name).resolve().parent
        project = find_project_file(folder)
        try:
            overrides = {**configured, **(load_project_file(project) if project else {})}
        except SeverityError as exc:
            print(f"aha draft check: {exc}", file=sys.stderr)
            return 2
        for finding in apply(check(text), overrides):
            if as_json:
                out.append(json.dumps({"file": name, **finding.to_dict()}, ensure_ascii=False))
            else:
                out.append(
                    f"{name}:{finding.line}: {finding.severity}: {finding.rule}: {finding.message}"
                )
            if finding.severity == "error" and status == 0:
                status = 1
    write_stdout(("\n".join(out) + "\n").encode("utf-8") if out else b"")
    return status
