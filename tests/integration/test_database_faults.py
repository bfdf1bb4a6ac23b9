"""Databases that are locked, full, read-only, damaged or newer, with real parts: a second
process holding the write lock, a real tmpfs filled to the last byte, a real read-only mount,
files truncated or overwritten on disk, and `aha` run as a subprocess.

What must hold in each case: one clear line (never a traceback), a non-zero exit, and nothing
the user typed lost (the prompt is stored, or printed back with the reason).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import MessageStatus, Store
from storage.errors import DatabaseCorrupt, SchemaTooNew
from storage.schema import MIGRATION_NAMES
from tests.helpers.tools import fill_disk, remount_read_only, require_mount, tmpfs
from tests.servers.fake_openai import FakeOpenAI, ok

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = "What does the Adam optimiser's epsilon do, in one paragraph?"
ANSWER = ("Epsilon ", "keeps ", "the ", "step ", "finite.")


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        server.script(then=ok(*ANSWER))
        yield server


def env_for(home: Path, server: FakeOpenAI, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "AHA_HOME": str(home),
        "AHA_ROUTES__DEEP__API_BASE": server.api_base,
        "AHA_ROUTES__DEEP__MODEL": "openai/fake-deep",
        "AHA_UI__PRELOAD_MODEL": "false",
        **extra,
    }


def aha(
    env: dict[str, str], *args: str | bytes, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        env=env,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=timeout,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode(errors="replace"),
        done.stderr.decode(errors="replace"),
    )


def ask(env: dict[str, str], prompt: str = PROMPT) -> subprocess.CompletedProcess[str]:
    return aha(env, "ask", "--route", "deep", prompt)


def assert_one_clear_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode not in (0, None), done
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr.split("aha:")[0]
    for word in words:
        assert word in done.stderr, done.stderr


def prompts_in(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT content FROM messages WHERE role = 'user'")]
    finally:
        conn.close()


# (a) Locked -----------------------------------------------------------------------------------


def hold_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    """A second process that takes the write lock and keeps it for `seconds`."""
    code = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "c.execute('UPDATE sessions SET title = title')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "c.execute('COMMIT')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_a_lock_is_waited_for_visibly_and_the_prompt_stored(
    aha_home: Path, fake: FakeOpenAI
) -> None:
    env = env_for(aha_home, fake)
    assert ask(env, "first").returncode == 0
    holder = hold_lock(aha_home / "aha.db", 6)
    try:
        done = ask(env)
    finally:
        holder.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert "waiting for the database" in done.stderr
    assert done.stdout.strip() == "".join(ANSWER)
    assert PROMPT in prompts_in(aha_home / "aha.db")


def test_a_lock_held_too_long_is_one_line_and_the_prompt_printed_back(
    aha_home: Path, fake: FakeOpenAI
) -> None:
    env = env_for(aha_home, fake, AHA_DB_LOCK_WAIT_S="3")
    assert ask(env, "first").returncode == 0
    holder = hold_lock(aha_home / "aha.db", 60)
    try:
        done = ask(env)
    finally:
        holder.kill()
        holder.wait()
    assert_one_clear_line(done, "waiting for the database", "stayed locked", PROMPT)
    assert "your prompt was not saved" in done.stderr


# (b) Full -------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """AHA_HOME on a real 2 MiB tmpfs."""
    require_mount()
    with tmpfs(tmp_path / "small", 2048) as mount:
        home = mount / "home"
        home.mkdir()
        yield home


def test_a_full_disk_before_the_prompt_prints_it_back(small_disk: Path, fake: FakeOpenAI) -> None:
    env = env_for(small_disk, fake)
    assert ask(env, "first").returncode == 0
    fill_disk(small_disk.parent)
    done = ask(env, "A prompt typed on a full disk")
    assert_one_clear_line(done, "full", "A prompt typed on a full disk")
    assert "your prompt was not saved" in done.stderr


def test_a_disk_filling_during_the_stream_marks_nothing_saved_that_is_not(
    small_disk: Path,
) -> None:
    """The disk fills while the answer streams: stdout still gets the whole answer, the
    exit is non-zero unless the final write made it, and the row is `complete` only then;
    otherwise recovery marks it interrupted, never left streaming."""
    words = tuple(f"word{i} " for i in range(60))
    with FakeOpenAI() as server:
        server.script(then=ok(*words, delay=0.05))
        env = env_for(small_disk, server)
        assert ask(env, "first").returncode == 0
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "ask", "--route", "deep", PROMPT],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None
        # Unbuffered, so communicate() below (which reads the raw pipe) misses nothing.
        head = os.read(proc.stdout.fileno(), 5)  # the answer has started
        filler = fill_disk(small_disk.parent)
        rest, err = proc.communicate(timeout=120)
    out = head + rest
    stderr = err.decode()
    assert "Traceback" not in stderr
    assert out.decode().rstrip("\n") == "".join(words)  # every word reached the user
    filler.unlink()
    store = Store.open(small_disk / "aha.db")
    try:
        store.recover_interrupted()
        answer = store.get_message(store.list_sessions()[0].active_leaf_id or "")
        assert answer is not None and answer.status is not MessageStatus.STREAMING
        if proc.returncode == 0:
            assert answer.status is MessageStatus.COMPLETE
            assert answer.content == "".join(words)
        else:
            assert "full" in stderr
            assert answer.status is not MessageStatus.COMPLETE
            assert "".join(words).startswith(answer.content)
    finally:
        store.close()


# (c) Read-only --------------------------------------------------------------------------------


def test_a_read_only_mount_serves_the_read_commands(tmp_path: Path, fake: FakeOpenAI) -> None:
    require_mount()
    with tmpfs(tmp_path / "ro", 4096) as mount:
        home = mount / "home"
        home.mkdir()
        env = env_for(home, fake)
        assert ask(env).returncode == 0
        remount_read_only(mount)
        found = aha(env, "search", "epsilon")
        assert found.returncode == 0 and "Adam" in found.stdout, found.stderr
        exported = aha(env, "export", "last", "--format", "json")
        assert exported.returncode == 0 and "Epsilon keeps" in exported.stdout, exported.stderr
        stats = aha(env, "stats")
        assert stats.returncode == 0, stats.stderr
        refused = ask(env, "A prompt for a read-only disk")
        assert_one_clear_line(refused, "read-only", "A prompt for a read-only disk")


# (d) Damaged ----------------------------------------------------------------------------------


@pytest.fixture
def filled_db(aha_home: Path, fake: FakeOpenAI) -> Path:
    """A database of a few hundred KiB with real sessions in it."""
    env = env_for(aha_home, fake)
    fake.script(then=ok("x" * 4000))
    for number in range(3):
        assert ask(env, f"prompt {number} " + "y" * 20_000).returncode == 0
    db = aha_home / "aha.db"
    store = Store.open(db)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    assert db.stat().st_size > 100_000
    return db


def damage(db: Path, how: str) -> None:
    data = bytearray(db.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "garbage header":
        data[:100] = os.urandom(100)
    else:  # garbage in the middle: a whole page of the message table's b-tree
        page = 4096
        middle = (len(data) // page // 2) * page
        data[middle : middle + page] = os.urandom(page)
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncated", "garbage header", "garbage in the middle"])
def test_a_damaged_database_is_refused_at_open_with_the_way_out(
    aha_home: Path, fake: FakeOpenAI, filled_db: Path, how: str
) -> None:
    damage(filled_db, how)
    before = hashlib.sha256(filled_db.read_bytes()).hexdigest()
    env = env_for(aha_home, fake)
    for args in (("ask", "--route", "deep", PROMPT), ("search", "prompt"), ()):
        done = aha(env, *args)
        assert_one_clear_line(done, "damaged", ".recover")
    doctor = aha(env, "doctor", "--check")
    assert doctor.returncode == 1 and "Traceback" not in doctor.stderr
    assert "damaged" in doctor.stdout and ".recover" in doctor.stdout, doctor.stdout
    assert hashlib.sha256(filled_db.read_bytes()).hexdigest() == before, "nothing written"
    with pytest.raises(DatabaseCorrupt):
        Store.open(filled_db)


def test_doctor_check_passes_a_healthy_database(aha_home: Path, filled_db: Path) -> None:
    env = {**os.environ, "AHA_HOME": str(aha_home)}
    doctor = aha(env, "doctor", "--check")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "health    ok: integrity_check" in doctor.stdout
    known = len(MIGRATION_NAMES)
    assert f"schema    version {known} of {known} (current)" in doctor.stdout


# (e) Newer ------------------------------------------------------------------------------------


def test_a_newer_schema_is_refused_naming_both_versions(aha_home: Path, fake: FakeOpenAI) -> None:
    env = env_for(aha_home, fake)
    assert ask(env, "first").returncode == 0
    db = aha_home / "aha.db"
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('aha', 'm099_from_the_future', '2027-01-01')"
    )
    conn.commit()
    conn.close()
    count = len(prompts_in(db))
    done = ask(env)
    known = len(MIGRATION_NAMES)
    assert_one_clear_line(
        done, f"schema version {known + 1} (m099_from_the_future)", f"up to version {known}"
    )
    assert len(prompts_in(db)) == count
    with pytest.raises(SchemaTooNew):
        Store.open(db)


# Bad prompts ----------------------------------------------------------------------------------


def test_invalid_utf8_in_argv_and_stdin_is_stored_replaced(
    aha_home: Path, fake: FakeOpenAI
) -> None:
    env = env_for(aha_home, fake)
    by_argv = aha(env, "ask", "--route", "deep", b"caf\xe9 from argv")
    assert by_argv.returncode == 0, by_argv.stderr
    assert "1 byte(s) that are not valid UTF-8" in by_argv.stderr
    by_stdin = aha(env, "ask", "--route", "deep", stdin=b"na\xefve \xff\xfe from stdin")
    assert by_stdin.returncode == 0, by_stdin.stderr
    assert "3 byte(s)" in by_stdin.stderr
    assert set(prompts_in(aha_home / "aha.db")) == {
        "caf\ufffd from argv",
        "na\ufffdve \ufffd\ufffd from stdin",
    }
