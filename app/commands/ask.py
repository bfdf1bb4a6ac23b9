"""`aha ask`: one prompt, streamed to stdout, stored as a session exactly as the TUI stores it."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from contextlib import aclosing

from app import paths, signals
from app.backend.events import Content, Failed, Thinking
from app.chat import ChatService, Rerouted, Turn
from app.config import Settings
from app.prompt_text import read_text, repair_text
from storage import MessageStatus, StorageError, Store


def _prompt_from(args: argparse.Namespace) -> str | None:
    if args.prompt and args.prompt != "-":
        return str(args.prompt)
    if sys.stdin is None or sys.stdin.isatty():
        return None
    buffer = getattr(sys.stdin, "buffer", None)
    return read_text(buffer) if buffer is not None else sys.stdin.read()


def _apply_overrides(settings: Settings, args: argparse.Namespace) -> Settings:
    updates = {}
    if args.max_tokens is not None:
        updates["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        updates["temperature"] = args.temperature
    if not updates:
        return settings
    routes = {name: r.model_copy(update=updates) for name, r in settings.routes.items()}
    return settings.model_copy(update={"routes": routes})


def badge_line(route: str, model: str, reasons: tuple[str, ...], note: str | None) -> str:
    parts = [route, model]
    if reasons:
        parts.append(", ".join(reasons[:2]))
    if note:
        parts.append(note)
    return "[" + " · ".join(parts) + "]"


async def _ask(service: ChatService, session_id: str, prompt: str, args: argparse.Namespace) -> int:
    try:
        turn = await service.begin_turn(session_id, prompt, force_route=args.route)
    except StorageError as exc:  # the prompt, or its answer's row, could not be written
        raise _PromptNotSaved from exc
    failed = await _print_turn(service, turn, args)
    final = turn.final
    assert final is not None
    escalated: Turn | None = None
    weak = service.escalation_offer(final)
    if weak and service.settings.router.escalate == "auto":
        # The cascade: a weak fast answer is asked again on deep; both stay, as siblings.
        problem = await service.escalation_problem(final)
        if not args.json:
            sys.stderr.write(
                f"aha: {problem}\n"
                if problem
                else f"aha: fast answer looked weak ({', '.join(weak)}); asking deep\n"
            )
            sys.stderr.flush()
        if problem is None:
            escalated = await service.escalate(final)
            if not args.json:
                sys.stdout.write("\n")  # a blank line between the two answers
            failed = await _print_turn(service, escalated, args)
            assert escalated.final is not None
    elif weak and not args.json and service.settings.router.escalate == "ask":
        sys.stderr.write(f"aha: answer looks weak ({', '.join(weak)}); --route deep asks deep\n")
    if args.json:
        session = service.store.get_session(session_id)
        record = {
            "session": {"id": session_id, "title": session.title if session else ""},
            "prompt": turn.user.to_dict(),
            "answer": final.to_dict(),
            "decision": turn.decision.to_dict(),
            "weak": turn.weak,
        }
        if escalated is not None and escalated.final is not None:
            record["escalated"] = escalated.final.to_dict()
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    if failed:
        sys.stderr.write(f"aha: {failed}\n")
    last = escalated.final if escalated is not None and escalated.final is not None else final
    return 0 if last.status is MessageStatus.COMPLETE else 1


async def _print_turn(service: ChatService, turn: Turn, args: argparse.Namespace) -> str | None:
    """Stream one answer: its badge on stderr, its text on stdout; the failure, if any."""
    out, err = sys.stdout, sys.stderr
    if not args.json:
        err.write(
            badge_line(turn.route, turn.assistant.model or "", turn.decision.reasons, turn.note)
            + "\n"
        )
        err.flush()
    failed: str | None = None
    limited = False  # the thinking budget cut the stream: say so once, before the answer
    mid_thought = False  # stderr ends inside printed thoughts (--thinking)
    async with aclosing(service.stream_turn(turn)) as events:
        async for event in events:
            if not limited and turn.time_limit_s is not None and not args.json:
                model, reasons = turn.assistant.model or "", turn.decision.reasons
                lead = "\n" if mid_thought else ""
                limited, mid_thought = True, False
                err.write(lead + badge_line(turn.route, model, reasons, turn.note) + "\n")
                err.flush()
            if isinstance(event, Content) and not args.json:
                if mid_thought:
                    err.write("\n")  # end the thoughts' line before the answer starts
                    err.flush()
                    mid_thought = False
                out.write(event.text)
                out.flush()
            elif isinstance(event, Thinking) and args.thinking and not args.json:
                err.write(event.text)
                err.flush()
                mid_thought = True
            elif isinstance(event, Rerouted) and not args.json:
                # deep failed at answer time and fast answers instead: say so before its text
                err.write(badge_line(event.route, event.model, turn.decision.reasons, event.note))
                err.write("\n")
                err.flush()
            elif isinstance(event, Failed):
                failed = event.message
    final = turn.final
    assert final is not None
    if not args.json and final.content and not final.content.endswith("\n"):
        out.write("\n")
    return failed


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    prompt = _prompt_from(args)
    if not prompt or not prompt.strip():
        print("aha ask: give a prompt as an argument or on stdin", file=sys.stderr)
        return 2
    prompt, replaced = repair_text(prompt)
    if replaced:
        sys.stderr.write(
            f"aha: the prompt held {replaced} byte(s) that are not valid UTF-8;"
            " each was replaced by \ufffd before it was stored\n"
        )
    try:
        return _ask_stored(prompt, args, settings)
    except _PromptNotSaved as exc:
        # Nothing typed is lost: the prompt goes back to the user with the reason.
        sys.stderr.write(f"aha: {exc.__cause__ or exc}\n")
        sys.stderr.write("aha: your prompt was not saved; here it is:\n" + prompt + "\n")
        return 1
    except StorageError as exc:
        sys.stderr.write(f"aha: {exc}; the answer above may not be saved in full\n")
        return 1


class _PromptNotSaved(Exception):
    """The database refused the prompt before it was stored."""


def _ask_stored(prompt: str, args: argparse.Namespace, settings: Settings) -> int:
    try:
        store = Store.open(paths.database_path())
    except StorageError as exc:
        raise _PromptNotSaved from exc
    try:
        try:
            store.recover_interrupted()
            if args.session:
                session = store.get_session(args.session)
                if session is None:
                    print(f"aha ask: no session {args.session}", file=sys.stderr)
                    return 2
            else:
                session = store.create_session()
        except StorageError as exc:
            raise _PromptNotSaved from exc
        service = ChatService(store, _apply_overrides(settings, args))
        return asyncio.run(_ask(service, session.id, prompt, args))
    except KeyboardInterrupt:
        ended = signals.received() is not None
        what = "ended by a signal" if ended else "cancelled"
        sys.stderr.write(f"\naha: {what} (the partial answer is kept)\n")
        return signals.exit_status()
    except BrokenPipeError:
        # `aha ask ... | head`: the reader left, so the answer stopped there (stored as
        # cancelled); point stdout at /dev/null so Python's exit-time flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        store.close()
