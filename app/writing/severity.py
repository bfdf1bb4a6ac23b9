"""Each structure rule switched off or given another severity, as a writer's project wants.

Two places say it, the nearer winning: `[drafts.severity]` in aha's config, and a
`.aha-check.toml` beside the posts (or in a folder above them, as Vale finds `.vale.ini`), with
a `[severity]` table:

    [severity]
    long-sentence = "off"
    conclusion = "warning"

A rule name aha does not know, or a severity other than off, error, warning or info, is one
line naming the file and the line, never a silent no-op.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from app.writing.findings import Finding

PROJECT_FILE = ".aha-check.toml"
SEVERITIES = ("off", "error", "warning", "info")


class SeverityError(Exception):
    """A bad override; the message is the whole line the user sees."""


def validate(overrides: Mapping[str, object], where: str, text: str = "") -> dict[str, str]:
    """The overrides as {rule: severity}, or ``SeverityError`` naming ``where`` and the line."""
    from app.writing.checks import rule_names

    known = set(rule_names())
    checked: dict[str, str] = {}
    for rule, severity in overrides.items():
        line = _line_of(text, rule)
        at = f"{where}:{line}" if line else where
        if rule not in known:
            raise SeverityError(f"{at}: no rule '{rule}' (rules: {', '.join(sorted(known))})")
        if severity not in SEVERITIES:
            raise SeverityError(f"{at}: {rule} = {severity!r}: use one of {', '.join(SEVERITIES)}")
        checked[rule] = str(severity)
    return checked


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        name = line.split("=", 1)[0].strip().strip("\"'")
        if "=" in line and name == key:
            return number
    return None


def find_project_file(start: Path) -> Path | None:
    """The nearest `.aha-check.toml` in ``start`` (a folder) or a folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def load_project_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise SeverityError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SeverityError(f"{path}: not valid TOML ({exc})") from None
    table = data.get("severity", {})
    if not isinstance(table, dict):
        raise SeverityError(f"{path}: [severity] must be a table of rule = severity")
    unknown = set(data) - {"severity"}
    if unknown:
        raise SeverityError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    return validate(table, str(path), text)


def apply(findings: Iterable[Finding], overrides: Mapping[str, str]) -> list[Finding]:
    """The findings with each rule's severity as overridden; rules set "off" left out."""
    out: list[Finding] = []
    for finding in findings:
        severity = overrides.get(finding.rule)
        if severity == "off":
            continue
        if severity is not None and severity != finding.severity:
            finding = replace(finding, severity=severity)  # type: ignore[arg-type]
        out.append(finding)
    return out
