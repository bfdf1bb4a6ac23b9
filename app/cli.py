"""`aha` command line: the TUI by default, plus ask, route, search, export, import
and doctor.

Imports stay inside the commands: `aha route` never loads a model, `aha ask` on the fast route
never imports litellm, and the TUI draws its first frame before either is imported.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aha",
        description="A keyboard-first terminal assistant for thinking and writing.",
        epilog="With no command, aha opens the TUI. Data lives in one SQLite file (aha doctor).",
    )
    parser.add_argument("--version", action="version", version=f"aha {__version__}")
    parser.add_argument("--theme", help="colour theme for the TUI (aha-dark, aha-light, ...)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", help="ask one question, stream the answer to stdout")
    ask.add_argument("prompt", nargs="?", help="the prompt; '-' or nothing reads stdin")
    ask.add_argument("--route", choices=["fast", "deep"], help="override the router")
    ask.add_argument("--session", help="continue this session id instead of starting one")
    ask.add_argument("--json", action="store_true", help="print the stored record as JSON")
    ask.add_argument("--max-tokens", type=int, help="cap the answer's length for this call")
    ask.add_argument("--temperature", type=float, help="sampling temperature for this call")
    ask.add_argument("--thinking", action="store_true", help="also print reasoning to stderr")

    route = commands.add_parser(
        "route",
        help='score prompts: explain one, or JSON lines {"prompt": ...} on stdin',
    )
    route.add_argument("text", nargs="?", help="a prompt to explain; omit to read JSON lines")
    route.add_argument("--json", action="store_true", help="explain as JSON")

    search = commands.add_parser(
        "search", help="search every stored prompt and answer (exit 1 when nothing matches)"
    )
    search.add_argument("query", help='words to find; the last one may be unfinished; "a phrase"')
    search.add_argument("--limit", type=_positive_int, default=50, help="most hits to show (50)")
    search.add_argument("--json", action="store_true", help="one JSON object per hit and line")

    export = commands.add_parser(
        "export",
        help="write a session as Markdown or JSON (stdout unless -o)",
        description="Export one session. Markdown (default) shows the active branch under YAML"
        " front matter; --all-branches adds every other branch. JSON always holds the whole"
        " tree, every branch and stored field, and `aha import` reads it back unchanged."
        " Exports carry no keys or config, and no terminal escape sequences.",
    )
    export.add_argument("session", metavar="SESSION", help="an id, a unique id prefix, or 'last'")
    export.add_argument(
        "--format", choices=["md", "json"], help="md, or json (the default for -o FILE.json)"
    )
    export.add_argument(
        "--all-branches", action="store_true", help="md: every branch (json always has all)"
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")

    import_ = commands.add_parser(
        "import",
        help="add sessions from an aha JSON export or ChatGPT's conversations.json",
        description="Import sessions; the format is detected. An aha export keeps its ids and"
        " every field; a session whose id is already in the database is added as a copy under"
        " new ids, never over it. ChatGPT conversations keep every branch and the one last"
        " shown. One transaction: a bad file imports nothing (exit 2).",
    )
    import_.add_argument("file", metavar="FILE", help="the JSON file; '-' reads stdin")

    commands.add_parser("doctor", help="show config, data paths, routes and versions")
    return parser


def _positive_int(text: str) -> int:
    """argparse type for `search --limit`: a count of at least one."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from app.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"aha: config error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "ask":
            from app.commands.ask import run_ask

            return run_ask(args, settings)
        if args.command == "route":
            from app.commands.route import run_route

            return run_route(args, settings)
        if args.command == "search":
            from app.commands.search import run_search

            return run_search(args)
        if args.command == "export":
            from app.commands.export import run_export

            return run_export(args)
        if args.command == "import":
            from app.commands.import_ import run_import

            return run_import(args)
        if args.command == "doctor":
            from app.commands.doctor import run_doctor

            return run_doctor(settings)
        from app.ui.app import run_tui

        return run_tui(settings, theme=args.theme)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
