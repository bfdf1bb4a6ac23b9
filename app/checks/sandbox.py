"""Run model-written code where it can do no harm: bubblewrap plus resource limits.

The code runs in its own process, never in aha's, inside a bubblewrap sandbox:

- no network (a new network namespace holds only a loopback with nothing listening);
- a fresh temporary folder, mounted at /work, as the only writable place; the system and the
  Python installation are mounted read-only, nothing else of the host is visible;
- none of the user's environment (no keys, no HOME): a fixed, minimal environment;
- its own PID namespace and session: when a cap is hit, the whole process tree goes with it;
- caps on CPU time, wall time, memory (address space), processes and file size.

Where bubblewrap is missing or cannot create its namespaces, `probe()` says so in one line and
nothing runs unless the caller passes `allow_unsandboxed` (the user allowed it for this
answer); then the code still runs in its own process group with the same resource limits and
an empty environment, but can reach the network and the user's files.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.config import ChecksConfig

# An unprivileged uid for the code when aha itself runs as root (CI, containers): the process
# cap (RLIMIT_NPROC) does not bind root.
NOBODY = 65534
OUTPUT_CAP = 64 * 1024  # bytes of stdout/stderr kept from a run (the head and the tail)
TMP_BYTES = 64 * 1024 * 1024  # the sandbox's own /tmp


@dataclass(frozen=True, slots=True)
class Limits:
    wall_s: float = 10.0
    cpu_s: float = 10.0
    memory_mib: int = 512
    processes: int = 32
    file_mib: int = 64

    @classmethod
    def from_config(cls, config: ChecksConfig) -> Limits:
        """The caps `[checks]` sets (time counts as both CPU and wall time)."""
        return cls(
            wall_s=config.timeout_s,
            cpu_s=config.timeout_s,
            memory_mib=config.memory_mib,
            processes=config.processes,
        )


@dataclass(frozen=True, slots=True)
class Ran:
    """How one sandboxed run ended."""

    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool  # the wall-time or CPU cap ended it
    sandboxed: bool


@dataclass(frozen=True, slots=True)
class Availability:
    ok: bool
    detail: str


def _python_roots() -> list[str]:
    """Folders the interpreter needs, read-only: its installation (and a venv's base)."""
    roots = {sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))}
    return sorted(r for r in roots if r and os.path.isdir(r))


def python_path() -> str:
    """The base interpreter (not the venv's, whose packages the code has no business with)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return os.path.realpath(base)


# Run first inside the sandbox when aha is root: give up root for an unprivileged uid (so the
# process cap binds), cap the processes, then become the code's own command.
_LAUNCH = (
    "import os, resource, sys\n"
    "os.setgroups([]); os.setgid({uid}); os.setuid({uid})\n"
    "resource.setrlimit(resource.RLIMIT_NPROC, ({processes}, {processes}))\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def _bwrap_command(folder: Path, argv: list[str], limits: Limits) -> list[str]:
    bwrap = shutil.which("bwrap")
    assert bwrap is not None
    as_root = os.geteuid() == 0
    # As root, no user namespace (root maps to itself there, and could not become nobody);
    # the launcher drops to nobody instead. Unprivileged, bubblewrap needs one.
    namespaces = (
        ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        if as_root
        else ["--unshare-all"]
    )
    command = [
        bwrap,
        *namespaces,  # no network: a namespace of its own with only a loopback
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "HOME", "/work",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--setenv", "PYTHONHASHSEED", "0",
        "--proc", "/proc",
        "--dev", "/dev",
        "--size", str(TMP_BYTES), "--tmpfs", "/tmp",  # RAM: capped, like the rest
    ]  # fmt: skip
    for system in ("/usr", "/bin", "/lib", "/lib64", "/etc/alternatives", "/etc/ld.so.cache"):
        if os.path.exists(system):
            command += ["--ro-bind", system, system]
    made: set[str] = set()
    for python_root in _python_roots():
        # Parent folders bubblewrap would create 0700 (/root for a pyenv Python): 0755, so
        # the unprivileged uid the code runs as can reach the interpreter.
        for parent in reversed(Path(python_root).parents[:-1]):
            if str(parent) not in made and not any(
                str(parent) == s or str(parent).startswith(s + "/") for s in ("/usr", "/bin")
            ):
                made.add(str(parent))
                command += ["--perms", "0755", "--dir", str(parent)]
        command += ["--ro-bind", python_root, python_root]
    command += ["--bind", str(folder), "/work", "--chdir", "/work", "--remount-ro", "/"]
    if as_root:
        argv = _as_nobody(argv, limits)
    return command + ["--", *argv]


def _as_nobody(argv: list[str], limits: Limits) -> list[str]:
    """`argv` run as nobody with the process cap: through util-linux's prlimit and setpriv
    (small programs, quick to start) where present, else through a Python launcher."""
    prlimit, setpriv = shutil.which("prlimit"), shutil.which("setpriv")
    if (
        prlimit
        and setpriv
        and prlimit.startswith(("/usr/", "/bin/"))
        and setpriv.startswith(("/usr/", "/bin/"))
    ):
        return [
            prlimit, f"--nproc={limits.processes}", setpriv, f"--reuid={NOBODY}",
            f"--regid={NOBODY}", "--clear-groups", "--", *argv,
        ]  # fmt: skip
    launch = _LAUNCH.format(uid=NOBODY, processes=limits.processes)
    return [python_path(), "-c", launch, *argv]


def _limit(limits: Limits, as_root: bool, running: int) -> None:
    """In the child, before exec: the caps (the process cap, as root, comes with the drop to
    nobody inside the sandbox: see _LAUNCH)."""
    megabyte = 1024 * 1024
    cpu = max(1, int(limits.cpu_s + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = limits.memory_mib * megabyte
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mib * megabyte,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if not as_root:
        # RLIMIT_NPROC counts every process of the user: allow what they run now, plus the cap.
        soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        wanted = running + limits.processes
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (wanted, wanted))


def _processes_of(uid: int) -> int:
    """Threads of `uid` (what RLIMIT_NPROC counts), read in the parent before forking."""
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


_working: Availability | None = None


def probe() -> Availability:
    """Whether the sandbox works here (bubblewrap present and able to make its namespaces).
    A success is remembered for the process; a failure is checked again next time."""
    global _working
    if _working is None:
        found = _probe()
        if found.ok:
            _working = found
        return found
    return _working


def _probe() -> Availability:
    if sys.platform != "linux":
        return Availability(False, "the sandbox needs Linux (bubblewrap)")
    if shutil.which("bwrap") is None:
        return Availability(
            False, "no sandbox: install bubblewrap (apt install bubblewrap, dnf install bubblewrap)"
        )
    folder = Path(_fresh_folder())
    try:
        hand_over(folder)
        ran = _run(folder, [python_path(), "-c", "print('ok')"], Limits(wall_s=20), True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if ran.returncode == 0 and ran.stdout.strip() == "ok":
        return Availability(True, "bubblewrap")
    why = " ".join(ran.stderr.split())[:200] or f"exit {ran.returncode}"
    return Availability(False, f"bubblewrap cannot make its sandbox here ({why})")


def _fresh_folder() -> str:
    """A private folder (0700, as mkdtemp makes it): no other local user can plant a link in
    it for aha to write through. As root it is handed to nobody only once written (`hand_over`)."""
    import tempfile

    return tempfile.mkdtemp(prefix="aha-check-")


def hand_over(folder: Path) -> None:
    """Give the written folder to the uid the code runs as (nobody, when aha is root); the
    files in it stay aha's, readable."""
    if os.geteuid() == 0:
        os.chown(folder, NOBODY, NOBODY)


def new_folder() -> Path:
    """A fresh folder for one run; the caller writes the files and removes it after."""
    return Path(_fresh_folder())


def run(
    folder: Path, argv: list[str], limits: Limits, allow_unsandboxed: bool = False
) -> Ran | None:
    """Run `argv` (paths inside it relative to /work, the folder) under the caps. None when
    no sandbox works here and the user did not allow running without one."""
    if probe().ok:
        return _run(folder, argv, limits, True)
    if not allow_unsandboxed:
        return None
    return _run(folder, argv, limits, False)


def _run(folder: Path, argv: list[str], limits: Limits, sandboxed: bool) -> Ran:
    root = os.geteuid() == 0
    running = 0 if root else _processes_of(os.getuid())
    if sandboxed:
        command = _bwrap_command(folder, argv, limits)
        cwd = str(folder)
        env = {"PATH": "/usr/bin:/bin"}
    else:
        command, cwd = argv, str(folder)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    import tempfile

    started = time.monotonic()
    # Outside the code's folder, so the code cannot swap them for links.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(  # noqa: S603 - the sandbox is the point
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group: killed whole at a cap
            preexec_fn=lambda: _limit(limits, as_root=root, running=running),  # noqa: PLW1509
            close_fds=True,
        )
        timed_out = False
        try:
            returncode: int | None = process.wait(timeout=limits.wall_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process)
            returncode = process.wait()
        _kill_group(process)  # anything it left behind in its group
        seconds = time.monotonic() - started
        stdout = _head_and_tail(out)
        stderr = _head_and_tail(err)
    # The CPU cap ends the code with SIGXCPU (then SIGKILL): directly a negative code,
    # through bubblewrap 128 + the signal.
    capped = {-signal.SIGXCPU, -signal.SIGKILL, 128 + signal.SIGXCPU, 128 + signal.SIGKILL}
    if returncode is not None and returncode in capped:
        timed_out = timed_out or returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU)
        timed_out = timed_out or seconds >= limits.cpu_s * 0.9
    return Ran(returncode, stdout, stderr, seconds, timed_out, sandboxed)


def _head_and_tail(handle: Any) -> str:
    """The output, or its first and last OUTPUT_CAP/2 bytes when longer: the harness's
    report is the last line, whatever the code printed before it."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(0)
    if size <= OUTPUT_CAP:
        return handle.read().decode(errors="replace")
    head = handle.read(OUTPUT_CAP // 2)
    handle.seek(size - OUTPUT_CAP // 2)
    tail = handle.read()
    return (head + b"\n...\n" + tail).decode(errors="replace")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
