"""`aha brainstorm "problem"` opens the TUI on a new brainstorm; `aha brainstorm list` lists
them; `aha brainstorm export ID [-o FILE] [--draft]` writes the plan as Markdown."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app import paths
from app.commands.cli_common import one_match
from app.config import Settings
from storage import Store
from storage.brainstorm_models import Brainstorm
from storage.brainstorm_repo import BrainstormError

USAGE = 'aha brainstorm "PROBLEM" | list | search WORDS | export ID [-o FILE] [--draft]'


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "brainstorm",
        help='brainstorm an ML problem: "PROBLEM" opens the TUI on it; list; search; export',
        usage=f"%(prog)s [-h] {USAGE.removeprefix('aha brainstorm ')}",
        description="Brainstorm sessions go frame, diverge, cluster, critique, plan. With a"
        " problem statement, aha opens the TUI on a new brainstorm. `list` shows them;"
        " `search WORDS` finds idea cards (text, detail, tags) in every brainstorm;"
        " `export ID` prints the plan as Markdown (-o FILE writes it; --draft also saves it as"
        " a draft). ID is a session id, a unique prefix of one, or 'last'.",
    )
    parser.add_argument("words", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    parser.add_argument("-o", "--output", metavar="FILE", help="export: write to FILE")
    parser.add_argument("--draft", action="store_true", help="export: also save as a draft")


def resolve(store: Store, ref: str) -> Brainstorm:
    found = store.list_brainstorms()[:1] if ref == "last" else store.find_brainstorms(ref)
    return one_match(found, ref, "brainstorms", BrainstormError, "aha brainstorm list")


def _list(store: Store) -> int:
    brainstorms = store.list_brainstorms()
    if not brainstorms:
        print('no brainstorms yet: aha brainstorm "your problem"', file=sys.stderr)
        return 1
    for b in brainstorms:
        ideas = store.list_ideas(b.session_id)
        kept = sum(i.status == "kept" for i in ideas)
        problem = " ".join(b.problem.split())
        print(f"{b.session_id}  {b.updated_at[:16]}  {b.stage:<8}  {len(ideas):>3} ideas"
              f" ({kept} kept)  {problem[:60]}")  # fmt: skip
    return 0


def _search(store: Store, words: list[str]) -> int:
    ideas = store.search_ideas(" ".join(words))
    for idea in ideas:
        tags = f"  [{', '.join(idea.tags)}]" if idea.tags else ""
        print(f"{idea.session_id}  {idea.status:<7}  {idea.text}{tags}")
    return 0 if ideas else 1


def _export(store: Store, settings: Settings, ref: str, output: str | None, draft: bool) -> int:
    from app.brainstorm.service import BrainstormService  # the chat service: only to export
    from app.chat import ChatService

    brainstorm = resolve(store, ref)
    service = BrainstormService(store, ChatService(store, settings))
    if draft:
        saved = service.export_draft(brainstorm.session_id)
        print(f"saved as draft {saved.id} ({saved.title})", file=sys.stderr)
    if output and output != "-":
        written = service.export_file(brainstorm.session_id, Path(output))
        print(f"wrote {written}", file=sys.stderr)
    else:
        sys.stdout.write(service.plan(brainstorm.session_id))
    return 0


def run_brainstorm(args: argparse.Namespace, settings: Settings) -> int:
    words: list[str] = args.words
    action = words[0]
    store = Store.open(paths.database_path())
    try:
        if action == "list" and len(words) == 1:
            return _list(store)
        if action == "search" and len(words) > 1:
            return _search(store, words[1:])
        if action == "export":
            if len(words) != 2:
                print(f"usage: {USAGE}", file=sys.stderr)
                return 2
            return _export(store, settings, words[1], args.output, args.draft)
        brainstorm = store.create_brainstorm(" ".join(words))
    except BrainstormError as exc:
        print(f"aha brainstorm: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"aha brainstorm: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    from app.ui.app import run_tui

    return run_tui(settings, theme=args.theme, initial_brainstorm=brainstorm.session_id)
