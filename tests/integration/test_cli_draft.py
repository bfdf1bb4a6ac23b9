"""`aha draft` end to end: the real command in a subprocess, a real SQLite file under AHA_HOME.

No model is involved, so these run in a few seconds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from storage import Store

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
# Why small routers save money

This post argues that a small router saves money on most prompts. Most prompts are easy, so a
small model can answer them well.

## Conclusion

In short, route by default and keep the big model for hard prompts.
"""
BROKEN = """\
# Title one

Intro about titles.

#### Skipped

text

# Title two

more text
"""


def aha(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AHA_HOME": str(home), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO, env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


# new, list, export ------------------------------------------------------------------------------


def test_new_list_and_export_round_trip(aha_home: Path, tmp_path: Path) -> None:
    source = tmp_path / "post.md"
    source.write_text(GOOD, encoding="utf-8")
    made = aha(aha_home, "draft", "new", "--file", str(source), "--tags", "ml, routing",
               "--description", 'Routers: "cheap" and good')  # fmt: skip
    assert made.returncode == 0, made.stderr
    draft_id = made.stdout.strip()
    second = aha(aha_home, "draft", "new", "Another idea")
    assert second.returncode == 0, second.stderr
    other_id = second.stdout.strip()

    listed = aha(aha_home, "draft", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(other_id) and lines[0].endswith("  Another idea")
    assert lines[1].startswith(draft_id) and lines[1].endswith("  Why small routers save money")
    assert " 2 words " in lines[0].replace("  ", " ")

    as_json = [
        json.loads(line) for line in aha(aha_home, "draft", "list", "--json").stdout.splitlines()
    ]
    assert [r["id"] for r in as_json] == [other_id, draft_id]
    assert as_json[1]["tags"] == ["ml", "routing"]

    exported = aha(aha_home, "draft", "export", draft_id[:20], "--format", "md")
    assert exported.returncode == 0, exported.stderr
    header, body = exported.stdout[4:].split("\n---\n", 1)
    meta = yaml.safe_load(header)
    assert meta["title"] == "Why small routers save money"
    assert meta["tags"] == ["ml", "routing"]
    assert meta["description"] == 'Routers: "cheap" and good'
    assert len(str(meta["date"])) == 10
    assert body.lstrip("\n") == GOOD.split("\n", 2)[2]  # the '# Title' line is in the header

    out = tmp_path / "out.md"
    written = aha(aha_home, "draft", "export", "last", "-o", str(out))
    assert written.returncode == 0 and written.stdout == ""
    assert yaml.safe_load(out.read_text(encoding="utf-8")[4:].split("\n---\n")[0])["title"] == (
        "Another idea"
    )
    # The exported post passes its own title checks.
    checked = aha(aha_home, "draft", "check", "-", stdin=exported.stdout)
    assert "title" not in checked.stdout and checked.returncode == 0


def test_drafts_are_found_by_aha_search(aha_home: Path) -> None:
    made = aha(aha_home, "draft", "new", "Lighthouse keepers", "--tags", "x")
    draft_id = made.stdout.strip()
    found = aha(aha_home, "search", "lighthouse")
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[0].startswith(f"Lighthouse keepers · draft {draft_id} · ")
    record = json.loads(aha(aha_home, "search", "--json", "lighthouse").stdout.splitlines()[0])
    assert (record["kind"], record["draft_id"]) == ("draft", draft_id)


def test_unknown_or_ambiguous_ids_exit_2_with_a_message(aha_home: Path) -> None:
    missing = aha(aha_home, "draft", "export", "abc")
    assert missing.returncode == 2 and "no drafts yet" in missing.stderr
    assert not (aha_home / "aha.db").exists()  # reading never creates the database
    store = Store.open(aha_home / "aha.db")
    a, b = store.create_draft("A"), store.create_draft("B")
    store.close()
    common = os.path.commonprefix([a.id, b.id])
    ambiguous = aha(aha_home, "draft", "export", common)
    assert ambiguous.returncode == 2 and "matches 2 drafts" in ambiguous.stderr
    unknown = aha(aha_home, "draft", "open", "ffffffff")
    assert unknown.returncode == 2 and "no draft matching 'ffffffff'" in unknown.stderr
    assert "Traceback" not in unknown.stderr + ambiguous.stderr


def test_list_with_no_drafts(aha_home: Path) -> None:
    empty = aha(aha_home, "draft", "list")
    assert (empty.returncode, empty.stdout) == (0, "")
    assert "no drafts yet" in empty.stderr


def test_help_names_every_action(aha_home: Path) -> None:
    helped = aha(aha_home, "draft", "--help")
    assert helped.returncode == 0
    for action in ("new", "list", "open", "export", "check"):
        assert action in helped.stdout
    assert aha(aha_home, "draft").returncode == 2  # an action is required


# check ------------------------------------------------------------------------------------------


def test_check_prints_findings_like_a_linter_and_exits_1_on_errors(
    aha_home: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text(BROKEN, encoding="utf-8")
    result = aha(aha_home, "draft", "check", str(broken))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert f"{broken}:5: error: skipped-heading-level: Heading level 4 follows level 1" in lines
    assert any(line.startswith(f"{broken}:9: error: title: A second title") for line in lines)
    linter = re.compile(r"^(.+):(\d+): (error|warning|info): ([a-z-]+): (.+)$")
    for line in lines:
        match = linter.match(line)
        assert match is not None, line
        assert match.group(1) == str(broken) and int(match.group(2)) > 0
    assert not (aha_home / "aha.db").exists()  # checking a file never touches aha's data


def test_check_json_and_a_clean_file(aha_home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text(BROKEN, encoding="utf-8")
    result = aha(aha_home, "draft", "check", "--json", str(broken))
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"line", "severity", "rule", "section", "message"} <= set(records[0])
    skipped = next(r for r in records if r["rule"] == "skipped-heading-level")
    assert (skipped["line"], skipped["section"], skipped["severity"]) == (5, "Skipped", "error")

    good = tmp_path / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    clean = aha(aha_home, "draft", "check", str(good))
    assert clean.returncode == 0, clean.stdout
    assert all(": error: " not in line for line in clean.stdout.splitlines())


def test_check_unreadable_files_exit_2(aha_home: Path, tmp_path: Path) -> None:
    missing = aha(aha_home, "draft", "check", str(tmp_path / "nope.md"))
    assert missing.returncode == 2
    assert "nope.md: cannot read: No such file or directory" in missing.stderr
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\xff\xfe\x00bad")
    bad = aha(aha_home, "draft", "check", str(binary))
    assert bad.returncode == 2 and "not UTF-8" in bad.stderr
    folder = aha(aha_home, "draft", "check", str(tmp_path))
    assert folder.returncode == 2 and "is a directory" in folder.stderr
    assert "Traceback" not in missing.stderr + bad.stderr + folder.stderr


def test_a_project_file_beside_the_posts_sets_each_rules_severity(
    aha_home: Path, tmp_path: Path
) -> None:
    """`.aha-check.toml` in a folder above the post wins over the config; "off" silences a
    rule; a rule made an error fails the check; a bad file is one line and exit 2."""
    posts = tmp_path / "blog" / "_posts"
    posts.mkdir(parents=True)
    post = posts / "broken.md"
    post.write_text(BROKEN, encoding="utf-8")
    assert aha(aha_home, "draft", "check", str(post)).returncode == 1
    project = tmp_path / "blog" / ".aha-check.toml"
    project.write_text(
        '[severity]\nskipped-heading-level = "off"\ntitle = "warning"\n', encoding="utf-8"
    )
    quiet = aha(aha_home, "draft", "check", str(post))
    assert quiet.returncode == 0, quiet.stdout
    assert "skipped-heading-level" not in quiet.stdout and ": warning: title:" in quiet.stdout
    project.write_text('[severity]\n\nlong-sentences = "off"\n', encoding="utf-8")
    bad = aha(aha_home, "draft", "check", str(post))
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().startswith(f"aha draft check: {project}:3: no rule 'long-sentences'")
    assert len(bad.stderr.strip().splitlines()) == 1


def test_the_config_sets_severities_and_names_a_bad_rule(aha_home: Path, tmp_path: Path) -> None:
    post = tmp_path / "broken.md"
    post.write_text(BROKEN, encoding="utf-8")
    config = aha_home / "config.toml"
    config.write_text('[drafts.severity]\nskipped-heading-level = "info"\ntitle = "off"\n')
    calm = aha(aha_home, "draft", "check", str(post))
    assert calm.returncode == 0 and ": info: skipped-heading-level:" in calm.stdout
    config.write_text('[drafts.severity]\ntitel = "off"\n')
    refused = aha(aha_home, "draft", "check", str(post))
    assert refused.returncode == 2 and "titel" in refused.stderr
    assert "Traceback" not in refused.stderr
