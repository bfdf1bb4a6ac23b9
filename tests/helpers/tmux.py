"""A private tmux server (its own socket) for driving the TUI as a user would.

One server per test (plus an idle "keeper" session so it outlives the panes); always call
`kill_server()` in a `finally`. A pane runs `sh -c 'PROGRAM; exit $?'`, so PROGRAM is the
shell's child: the shell reaps it the moment it is killed. (tmux 3.3a has been seen leaving a
killed pane process a zombie, and a zombie's pid still looks alive to aha's recovery.)
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

COMMAND_TIMEOUT_S = 30.0


class Tmux:
    def __init__(self) -> None:
        self.socket = f"aha-test-{uuid.uuid4().hex[:12]}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        self.cmd("new-session", "-d", "-s", "keeper", "-x", "80", "-y", "24", "exec sleep 86400")
        # A pane whose program exits stays, showing its last screen (a traceback, say).
        self.cmd("set-option", "-g", "remain-on-exit", "on")

    def cmd(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", os.devnull, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
        )
        if result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def start(
        self, session: str, argv: list[str], env: dict[str, str], cwd: Path, size: tuple[int, int]
    ) -> int:
        """Run `argv` with `env` added in a new detached session; return the program's pid."""
        assignments = [f"{k}={v}" for k, v in env.items()]
        program = shlex.join(["env", *assignments, *argv])
        command = shlex.join(["/bin/sh", "-c", program + "; exit $?"])
        self.cmd(
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            str(size[0]),
            "-y",
            str(size[1]),
            "-c",
            str(cwd),
            "exec " + command,
        )
        shell = int(self.cmd("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        return child_running(shell, argv[-1], COMMAND_TIMEOUT_S, lambda: self.check_alive(session))

    def has_session(self, session: str) -> bool:
        try:
            self.cmd("has-session", "-t", session)
        except RuntimeError:
            return False
        return True

    def capture(self, session: str) -> str:
        """The pane's screen as text; fails with that screen if the program has exited."""
        screen = self.cmd("capture-pane", "-p", "-t", session)
        self.check_alive(session)
        return screen

    def check_alive(self, session: str) -> None:
        """Fail, showing the pane's last screen, if its program has exited."""
        if self.cmd("display-message", "-p", "-t", session, "#{pane_dead}").strip() == "1":
            screen = self.cmd("capture-pane", "-p", "-t", session)
            raise AssertionError(f"the program in {session} exited; its last screen:\n{screen}")

    def type(self, session: str, text: str) -> None:
        self.cmd("send-keys", "-t", session, "-l", text)

    def keys(self, session: str, *keys: str) -> None:
        self.cmd("send-keys", "-t", session, *keys)

    def kill_session(self, session: str) -> None:
        if self.has_session(session):
            self.cmd("kill-session", "-t", session)

    def kill_server(self) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"],
            env=self.env,
            capture_output=True,
            timeout=COMMAND_TIMEOUT_S,
        )


def child_running(
    parent: int, last_arg: str, timeout: float, check: Callable[[], None] = lambda: None
) -> int:
    """The pid of `parent`'s child once it runs the program whose last argument is `last_arg`
    (`env` execs it in place, so the pid is the same before and after). `check` runs between
    looks and may fail early (the program already exited)."""
    deadline = time.monotonic() + timeout
    while True:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == parent and last_arg.encode() in cmdline and cmdline[0] != b"env":
                return int(entry.name)
        check()
        assert time.monotonic() < deadline, f"no child of {parent} runs {last_arg!r}"
        time.sleep(0.02)


def wait_until_gone(pid: int, timeout: float) -> None:
    """Wait until `pid` no longer exists (killed and reaped by its parent)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, f"process {pid} still exists after {timeout} s"
        time.sleep(0.05)


WORD = re.compile(r"[^\W_]+")


def main_column(screen: str) -> list[str]:
    """The screen's lines right of the sidebar (cut at the column where most lines have the
    sidebar's border), so sidebar titles do not interleave with the conversation's words."""
    lines = screen.splitlines()
    columns = Counter(line.index("▕") for line in lines if "▕" in line)
    if not columns:
        return lines
    column, count = columns.most_common(1)[0]
    if count < len(lines) // 2:
        return lines
    return [line[column + 1 :] for line in lines]


def words(text: str) -> list[str]:
    return WORD.findall(text)
