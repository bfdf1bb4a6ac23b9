"""`aha` command line: the TUI by default, plus ask, route, search, export, import,
models, keys, stats, doctor, draft, brainstorm and eval.

Imports stay inside the commands: `aha route` never loads a model, `aha ask` on the fast route
never imports litellm, and the TUI draws its first frame before either is imported.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from app import __version__


class _AppendInOrder(argparse.Action):
    """``-f`` and ``-u`` append to their own lists and to ``attach``, one list in the order
    they were given, so attachments reach the model in the order the user named them."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        getattr(namespace, self.dest).append(values)
        if getattr(namespace, "attach", None) is None:
            namespace.attach = []
        namespace.attach.append((self.dest, values))


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
    ask.add_argument(
        "-f",
        "--file",
        action=_AppendInOrder,
        default=[],
        metavar="FILE",
        help="attach a text, Markdown, code, CSV, TSV, PDF or HTML file before the question;"
        " '-' attaches stdin (repeatable)",
    )
    ask.add_argument(
        "-u",
        "--url",
        action=_AppendInOrder,
        default=[],
        metavar="URL",
        help="attach a web page's main text (fetched with a 15 s timeout, 4 MB cap; repeatable)",
    )
    ask.add_argument("--route", choices=["fast", "deep"], help="override the router")
    ask.add_argument("--session", help="continue this session id instead of starting one")
    ask.add_argument("--json", action="store_true", help="print the stored record as JSON")
    ask.add_argument("--max-tokens", type=int, help="cap the answer's length for this call")
    ask.add_argument("--temperature", type=float, help="sampling temperature for this call")
    ask.add_argument("--thinking", action="store_true", help="also print reasoning to stderr")
    ask.add_argument(
        "--check",
        action="store_true",
        help="run the answer's Python code against its tests in the sandbox; repair failures",
    )
    ask.add_argument(
        "--by",
        type=_duration,
        metavar="TIME",
        help="a deadline (30s, 2m): fast answers at once, deep works meanwhile; at TIME the"
        " best answer so far is final",
    )
    ask.add_argument(
        "--revise",
        action="store_true",
        help="critique the answer on its route (numbered problems), then write a revised"
        " answer (for prose, plans, explanations; code and maths: --check, --samples)",
    )
    ask.add_argument(
        "--samples",
        type=int,
        metavar="N",
        help="draw N answers and count how many agree on the final result (escalates below"
        " checks.min_agreement)",
    )
    ask.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="with --check, where no sandbox works: run the tests anyway (own process, limits)",
    )

    route = commands.add_parser(
        "route",
        help='score prompts: explain one, or JSON lines {"prompt": ...} on stdin',
        epilog="`aha route train [--data DIR] [--out FILE]` retrains the router's weights;"
        " `aha route eval DATA` measures it against baselines on labelled prompts;"
        " `aha route stats [--last N] [--json]` checks the recent deep share against"
        ' router.deep_share. To explain the prompt "train" itself: `aha route -- train`.',
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

    models = commands.add_parser(
        "models",
        help="list the routes, their state and keys, and the servers found on 127.0.0.1",
        description="Each route: engine, model, where it points, whether it answers (and why"
        " not), and for litellm routes where its key comes from (an environment variable, the"
        " keyring, or none; never the key). Then what discovery found: OpenAI-compatible"
        " servers on 127.0.0.1 (vLLM 8000, llama.cpp 8080, Ollama 11434) and their models.",
    )
    models.add_argument("--json", action="store_true", help="print the report as JSON")
    models.add_argument(
        "--all", action="store_true", help="list every model of each server (default: the first 10)"
    )

    keys = commands.add_parser(
        "keys",
        help="store, list or delete API keys in the OS keyring",
        description="API keys live in the OS keyring (service 'aha', user = provider) or in"
        " environment variables (PROVIDER_API_KEY, e.g. OPENAI_API_KEY, which win over the"
        " keyring); never in aha's config, database, logs or exports. A route's provider is"
        " the part of its model before '/'.",
    )
    keys_actions = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    keys_set = keys_actions.add_parser(
        "set",
        help="store PROVIDER's key: typed at a hidden prompt, or piped on stdin",
        description="Store a key in the keyring. It is read from a hidden prompt, or from"
        " stdin when stdin is not a terminal (`pass show openai | aha keys set openai`);"
        " never from the command line, where shell history and `ps` would keep it.",
    )
    keys_set.add_argument("provider", metavar="PROVIDER", help="e.g. openai, anthropic")
    keys_actions.add_parser("list", help="each provider's key source and last 4 characters")
    keys_delete = keys_actions.add_parser("delete", help="remove PROVIDER's key from the keyring")
    keys_delete.add_argument("provider", metavar="PROVIDER", help="e.g. openai, anthropic")

    stats = commands.add_parser(
        "stats",
        help="usage by route and model: answers, tokens, tok/s, first token, cost",
        description="Sum the usage of finished answers (complete or cancelled) by route and"
        " model: answers, prompt and completion tokens, average tokens per second and time"
        " to first token, and cost from litellm's price map ($0 for local models, '?' for"
        " models it does not price).",
    )
    stats.add_argument(
        "--since", type=_positive_days, metavar="DAYS", help="only answers from the last DAYS days"
    )
    stats.add_argument("--json", action="store_true", help="print the sums as JSON")

    from app.commands.draft import add_parser as add_draft

    add_draft(commands)
    doctor = commands.add_parser(
        "doctor",
        help="show config, data paths, the database's health, routes and versions",
        description="Exit status 1 when the database is damaged (with the way to recover it).",
    )
    doctor.add_argument(
        "--check", action="store_true", help="run SQLite's full integrity_check on the database"
    )
    from app.commands.brainstorm import add_parser as add_brainstorm

    add_brainstorm(commands)
    from app.commands.eval_ import add_parser as add_eval

    add_eval(commands)
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


def _duration(text: str) -> float:
    """argparse type for `ask --by`: seconds, with an optional s/m suffix ("30s", "2m")."""
    value = text.strip().lower()
    scale = 60.0 if value.endswith("m") else 1.0
    try:
        seconds = float(value.rstrip("sm")) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 30s or 2m)") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return seconds


def _positive_days(text: str) -> float:
    """argparse type for `stats --since`: a number of days above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


# Each command's module is imported only when it runs, so `aha route` never loads a model and
# nothing heavy sits on the way to the TUI's first frame.
COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("app.commands.ask", "run_ask"),
    "route": ("app.commands.route", "run_route"),
    "search": ("app.commands.search", "run_search"),
    "export": ("app.commands.export", "run_export"),
    "import": ("app.commands.import_", "run_import"),
    "models": ("app.commands.models", "run_models"),
    "keys": ("app.commands.keys", "run_keys"),
    "stats": ("app.commands.stats", "run_stats"),
    "doctor": ("app.commands.doctor", "run_doctor"),
    "draft": ("app.commands.draft", "run_draft"),
    "brainstorm": ("app.commands.brainstorm", "run_brainstorm"),
    "eval": ("app.commands.eval_", "run_eval"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure ends as one line on stderr and a non-zero status."""
    from app import signals

    signals.install_for_cli()
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl+C (or SIGTERM) while starting up, before a command took over
        sys.stderr.write("\naha: cancelled\n")
        return signals.exit_status()
    except BrokenPipeError:
        # `aha doctor | head -1`: the reader left. Point stdout at /dev/null so Python's
        # exit-time flush stays quiet too; the output was not wanted any more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - storage failures become one line
        line = _storage_line(exc)
        if line is None:
            raise
        sys.stderr.write(f"aha: {line}\n")
        return 1


def _storage_line(exc: BaseException) -> str | None:
    """The one line for a database failure that reached the top, or None for anything else."""
    if "storage" not in sys.modules:
        return None
    import sqlite3

    from app import paths
    from storage.errors import StorageError, describe

    if isinstance(exc, StorageError):
        return str(exc)
    if isinstance(exc, sqlite3.Error):
        return str(describe(exc, paths.database_path()))
    return None


def _say_waiting(line: str) -> None:
    sys.stderr.write(f"aha: {line}…\n")
    sys.stderr.flush()


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["route", "train"]:  # `aha route -- train` still explains the word "train"
        from app.commands.route import run_train

        return run_train(argv[2:])
    if argv[:2] == ["route", "eval"]:  # likewise `aha route -- eval`
        from app.commands.route import run_eval

        return run_eval(argv[2:])
    if argv[:2] == ["route", "stats"]:  # likewise `aha route -- stats`
        from app.commands.route import run_stats

        return run_stats(argv[2:])
    args = _parser().parse_args(argv)
    from app.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"aha: config error: {exc}", file=sys.stderr)
        return 2
    import storage.db

    storage.db.lock_notice = _say_waiting
    try:
        if args.command is None:
            from app.ui.app import run_tui

            return run_tui(settings, theme=args.theme)
        module_name, function_name = COMMANDS[args.command]
        run = getattr(importlib.import_module(module_name), function_name)
        return int(run(args, settings))
    except KeyboardInterrupt:
        from app import signals

        return signals.exit_status()


if __name__ == "__main__":
    sys.exit(main())
