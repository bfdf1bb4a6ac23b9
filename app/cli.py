"""`aha` command line: the TUI by default, plus ask, route and doctor.

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
        epilog="With no command, aha opens the TUI. Data lives in one SQLite file; see `aha doctor`.",
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
        help="score prompts: explain one, or JSON lines {\"prompt\": ...} on stdin",
    )
    route.add_argument("text", nargs="?", help="a prompt to explain; omit to read JSON lines")
    route.add_argument("--json", action="store_true", help="explain as JSON")

    commands.add_parser("doctor", help="show config, data paths, routes and versions")
    return parser


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
        if args.command == "doctor":
            from app.commands.doctor import run_doctor

            return run_doctor(settings)
        from app.ui.app import run_tui

        return run_tui(settings, theme=args.theme)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
