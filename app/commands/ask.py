"""`aha ask`: one prompt, streamed to stdout, stored as a session exactly as the TUI stores it."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING

from app import paths, signals
from app.backend.events import Content, Failed, Thinking
from app.chat import ChatService, Rerouted, Turn
from app.config import Settings
from app.prompt_text import read_text, repair_text
from app.sanitize import one_line
from storage import Message, MessageStatus, StorageError, Store

if TYPE_CHECKING:
    from app.attachments import Attachment


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


async def _ask(
    service: ChatService,
    session_id: str,
    prompt: str,
    args: argparse.Namespace,
    attachments: Sequence[Attachment] = (),
) -> int:
    if getattr(args, "by", None):
        return await _by_deadline(service, session_id, prompt, args, attachments)
    try:
        turn = await service.begin_turn(
            session_id, prompt, force_route=args.route, attachments=attachments
        )
    except StorageError as exc:  # the prompt, or its answer's row, could not be written
        raise _PromptNotSaved from exc
    failed = await _print_turn(service, turn, args)
    final = turn.final
    assert final is not None
    if _wants_check(service, args, final):
        return await _check(service, turn, args, failed)
    if getattr(args, "revise", False) and final.status is MessageStatus.COMPLETE:
        return await _revise(service, turn, args)
    samples = args.samples if getattr(args, "samples", None) else service.settings.checks.samples
    if samples > 1 and final.status is MessageStatus.COMPLETE:
        return await _samples(service, turn, args, samples)
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
        record = _record(service, turn, final)
        if escalated is not None and escalated.final is not None:
            record["escalated"] = escalated.final.to_dict()
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    if failed:
        sys.stderr.write(f"aha: {failed}\n")
    last = escalated.final if escalated is not None and escalated.final is not None else final
    return 0 if last.status is MessageStatus.COMPLETE else 1


async def _by_deadline(
    service: ChatService,
    session_id: str,
    prompt: str,
    args: argparse.Namespace,
    attachments: Sequence[Attachment] = (),
) -> int:
    """`aha ask --by 30s`: fast streams at once, deep works meanwhile; the best by the
    deadline is final (deep's text printed after fast's when it won)."""
    from app.deadline import race

    async def show(turn: Turn) -> None:
        await _print_turn(service, turn, args)

    try:
        result = await race(service, session_id, prompt, args.by, show, attachments)
    except StorageError as exc:
        raise _PromptNotSaved from exc
    won_deep = result.deep_won
    if args.json:
        record = _record(service, result.fast, result.winner)
        record["deadline"] = {
            "seconds": args.by,
            "winner": result.winner.route,
            "reason": result.reason,
            # Deep was still thinking when its budget ran out and was asked to answer now.
            "answer_now": result.deep is not None and result.deep.time_limit_s is not None,
        }
        if result.fast.final is not None and won_deep:
            record["escalated_from"] = result.fast.final.to_dict()
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stderr.write(f"[deadline · {result.reason}]\n")
        if won_deep:
            sys.stdout.write("\n" + result.winner.content + "\n")
    return 0 if result.winner.status is MessageStatus.COMPLETE else 1


async def _revise(service: ChatService, turn: Turn, args: argparse.Namespace) -> int:
    """`aha ask --revise`: the critique on stderr, the revision (a sibling) on stdout."""
    from app.checks.revise import begin_revision, finish_revision

    original = turn.final
    assert original is not None
    if not args.json:
        sys.stderr.write("aha: critiquing the answer…\n")
        sys.stderr.flush()
    revision = await begin_revision(service, original)
    if revision.turn is None or revision.problem:
        if args.json:
            record = _record(service, turn, original)
            record["critique"] = revision.critique
            record["revise_note"] = f"cannot revise: {revision.problem}"
            sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        sys.stderr.write(f"aha: cannot revise: {revision.problem}\n")
        return 1
    if not args.json:
        sys.stderr.write("critique:\n" + revision.critique + "\n\n")
        sys.stdout.write("\n")
    await _print_turn(service, revision.turn, args)
    revised = finish_revision(service, revision)
    if args.json:
        record = _record(service, turn, revised or original)
        record["critique"] = revision.critique
        record["revised_from"] = original.to_dict()
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return 0 if revised is not None and revised.status is MessageStatus.COMPLETE else 1


def _record(service: ChatService, turn: Turn, answer: Message) -> dict[str, object]:
    """The stored record `--json` prints: session, prompt, the final answer, the decision.
    Each mode adds its own fields (checks, agreement, critique, deadline) to it."""
    session = service.store.get_session(turn.session_id)
    record: dict[str, object] = {
        "session": {"id": turn.session_id, "title": session.title if session else ""},
        "prompt": turn.user.to_dict(),
        "answer": answer.to_dict(),
        "decision": turn.decision.to_dict(),
        "weak": turn.weak,
        # What went before the question, without the text (that is in the database once).
        "attachments": [
            {k: v for k, v in a.to_dict().items() if k != "text"}
            for a in service.store.attachments_of(turn.user.id)
        ],
    }
    summary = service.store.context_summary_of(answer.id)
    if summary is not None:  # the oldest turns did not fit and were summarised
        count, text, model = summary
        record["context_summary"] = {"messages": count, "text": text, "model": model}
    return record


def _wants_check(service: ChatService, args: argparse.Namespace, answer: Message) -> bool:
    """--check, or `[checks] run = "auto"` for an answer that holds a code block (any other
    answer goes on to the samples, the revision or the cascade as usual)."""
    if getattr(args, "check", False):
        return True
    return service.settings.checks.run == "auto" and "```" in answer.content


async def _check(
    service: ChatService, turn: Turn, args: argparse.Namespace, failed: str | None
) -> int:
    """`aha ask --check`: the answer's code against its tests in the sandbox, repair rounds
    and escalation streamed like the answer (stdout) with a line per step (stderr)."""
    from app.checks.service import Checker

    answer = turn.final
    assert answer is not None
    if answer.status is not MessageStatus.COMPLETE:
        if args.json:  # the record all the same: no checks ran, and why
            record = _record(service, turn, answer)
            record["checks"] = []
            record["check_note"] = "the answer did not complete; nothing was checked"
            sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        if failed:
            sys.stderr.write(f"aha: {failed}\n")
        return 1

    async def show(step: Turn, label: str) -> None:
        if not args.json:
            sys.stderr.write(f"aha: {label}\n")
            sys.stdout.write("\n")  # a blank line between two answers
        await _print_turn(service, step, args)

    checker = Checker(service, show, allow_unsandboxed=args.allow_unsandboxed)
    outcome = await checker.check(answer)
    if not args.json:
        for check in outcome.rounds:
            sys.stderr.write(f"[check · {check.result.badge} · {check.answer.route}]\n")
        if outcome.note:
            sys.stderr.write(f"aha: {outcome.note}\n")
        if outcome.rounds and outcome.rounds[-1].result.status == "blocked":
            sys.stderr.write(
                "aha: --allow-unsandboxed runs them without a sandbox (own process, limits)\n"
            )
    final = outcome.final or answer
    if args.json:
        record = _record(service, turn, final)
        record["checks"] = [check.to_dict() for check in outcome.rounds]
        record["first_answer"] = answer.to_dict()
        if outcome.escalated_from is not None:
            record["escalated_from"] = outcome.escalated_from.to_dict()
        if outcome.tests_answer is not None:
            record["tests_answer"] = outcome.tests_answer.to_dict()
        if outcome.note:
            record["check_note"] = outcome.note
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    if not outcome.rounds:
        return 0  # nothing to check: the answer stands as it is
    return 0 if outcome.passed else 1


async def _samples(service: ChatService, turn: Turn, args: argparse.Namespace, count: int) -> int:
    """`aha ask --samples N`: N answers on the answering route (each a stored sibling), how
    many agree on the final result, the majority shown; below checks.min_agreement, deep is
    asked once (router.escalate)."""
    from app.checks.samples import draw_samples, wants_deep

    first = turn.final
    assert first is not None

    def progress(number: int, total: int) -> None:
        if not args.json:
            sys.stderr.write(f"aha: sample {number} of {total}…\n")
            sys.stderr.flush()

    sampled = await draw_samples(service, turn, count, progress)
    answers, agreed, shown = sampled.answers, sampled.agreement, sampled.shown
    escalated = None
    if wants_deep(service, turn.route, agreed):
        problem = await service.escalation_problem(shown)
        if problem is None:
            if not args.json:
                sys.stderr.write(f"aha: only {agreed.badge}; asking deep\n\n")
            deep = await service.escalate(shown)
            await _print_turn(service, deep, args)
            escalated, shown = shown, deep.final or shown
    if args.json:
        record = _record(service, turn, shown)
        record["agreement"] = agreed.to_dict()
        record["samples"] = [a.to_dict() for a in answers]
        if escalated is not None:
            record["escalated_from"] = escalated.to_dict()
        sys.stdout.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    else:
        what = f" on {agreed.result!r}" if agreed.result else " (no final result found)"
        sys.stderr.write(f"[agree · {agreed.badge}{what}]\n")
        if shown is not first and escalated is None:
            sys.stderr.write("aha: the majority answer differs from the one above:\n\n")
            sys.stdout.write(shown.content + "\n")
    return 0 if shown.status is MessageStatus.COMPLETE else 1


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
    attachments: list[Attachment] = []
    if args.file or args.url:
        attached = _attach(prompt, args)
        if attached is None:
            return 2
        attachments = attached
    try:
        return _ask_stored(prompt, args, settings, attachments)
    except _PromptNotSaved as exc:
        # Nothing typed is lost: the prompt goes back to the user with the reason.
        sys.stderr.write(f"aha: {exc.__cause__ or exc}\n")
        sys.stderr.write("aha: your prompt was not saved; here it is:\n" + prompt + "\n")
        return 1
    except StorageError as exc:
        sys.stderr.write(f"aha: {exc}; the answer above may not be saved in full\n")
        return 1


def _attach(prompt: str, args: argparse.Namespace) -> list[Attachment] | None:
    """The ``-f`` files and ``-u`` pages, in order, or None after one clear line (nothing is
    half-attached and nothing is sent; a prompt from stdin is given back)."""
    from app.attachments import AttachmentError, read_all

    prompt_from_stdin = not args.prompt or args.prompt == "-"
    try:
        stdin = None
        if "-" in args.file:
            if prompt_from_stdin:
                raise AttachmentError("stdin: cannot be both the prompt and an attachment (-f -)")
            if sys.stdin is None or sys.stdin.isatty():
                raise AttachmentError("stdin: -f - attaches what is piped in, and nothing is")
            from app.attachments import MAX_BYTES

            stdin = sys.stdin.buffer.read(MAX_BYTES + 1)  # one byte over says "too big"
        attachments = []
        for what, value in getattr(args, "attach", None) or []:
            if what == "url":
                from app.web_page import fetch_page

                attachments.append(fetch_page(value))
            else:
                attachments += read_all([Path(value)], stdin=stdin)
    except AttachmentError as exc:
        sys.stderr.write(f"aha ask: {one_line(str(exc), 400)}\n")
        if prompt_from_stdin:
            sys.stderr.write("aha: nothing was sent; your prompt:\n" + prompt + "\n")
        return None
    for attachment in attachments:
        sys.stderr.write(f"aha: attached {one_line(attachment.chip(), 300)}\n")
    return attachments


class _PromptNotSaved(Exception):
    """The database refused the prompt before it was stored."""


def _ask_stored(
    prompt: str, args: argparse.Namespace, settings: Settings, attachments: Sequence[Attachment]
) -> int:
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
        return asyncio.run(_ask(service, session.id, prompt, args, attachments))
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
