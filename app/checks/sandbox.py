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
from functools import lru_cache
from pathlib import Path

# An unprivileged uid for the code when aha itself runs as root (CI, containers): the process
# cap (RLIMIT_NPROC) does not bind root.
NOBODY = 65534
OUTPUT_CAP = 64 * 1024  # bytes of stdout/stderr kept from a run


@dataclass(frozen=True, slots=True)
class Limits:
    wall_s: float = 10.0
    cpu_s: float = 10.0
    memory_mib: int = 512
    processes: int = 32
    file_mib: int = 64


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
    root = os.geteuid() == 0
    # As root, no user namespace (root maps to itself there, and could not become nobody);
    # the launcher drops to nobody instead. Unprivileged, bubblewrap needs one.
    namespaces = (
        ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        if root
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
        "--tmpfs", "/tmp",
    ]  # fmt: skip
    for system in ("/usr", "/bin", "/lib", "/lib64", "/etc/alternatives", "/etc/ld.so.cache"):
        if os.path.exists(system):
            command += ["--ro-bind", system, system]
    made: set[str] = set()
    for root in _python_roots():
        # Parent folders bubblewrap would create 0700 (/root for a pyenv Python): 0755, so
        # the unprivileged uid the code runs as can reach the interpreter.
        for parent in reversed(Path(root).parents[:-1]):
            if str(parent) not in made and not any(
                str(parent) == s or str(parent).startswith(s + "/") for s in ("/usr", "/bin")
            ):
                made.add(str(parent))
                command += ["--perms", "0755", "--dir", str(parent)]
        command += ["--ro-bind", root, root]
    command += ["--bind", str(folder), "/work", "--chdir", "/work", "--remount-ro", "/"]
    if root:
        argv = _as_nobody(argv, limits)
    return command + ["--", *argv]


def _as_nobody(argv: list[str], limits: Limits) -> list[str]:
    """`argv` run as nobody with the process cap: through util-linux's prlimit and setpriv
    (small programs, quick to start) where present, else through a Python launcher."""
    prlimit, setpriv = shutil.which("prlimit"), shutil.which("setpriv")
    if prlimit and setpriv and prlimit.startswith(("/usr/", "/bin/")) and setpriv.startswith(
        ("/usr/", "/bin/")
    ):
        return [
            prlimit, f"--nproc={limits.processes}", setpriv, f"--reuid={NOBODY}",
            f"--regid={NOBODY}", "--clear-groups", "--", *argv,
        ]  # fmt: skip
    launch = _LAUNCH.format(uid=NOBODY, processes=limits.processes)
    return [python_path(), "-c", launch, *argv]


def _limit(limits: Limits, as_root: bool) -> None:
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
        running = _processes_of(os.getuid())
        resource.setrlimit(resource.RLIMIT_NPROC, (running + limits.processes,) * 2)


def _processes_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                continue
    return count


@lru_cache(maxsize=1)
def probe() -> Availability:
    """Whether the sandbox works here (bubblewrap present and able to make its namespaces)."""
    if sys.platform != "linux":
        return Availability(False, "the sandbox needs Linux (bubblewrap)")
    if shutil.which("bwrap") is None:
        return Availability(
            False, "no sandbox: install bubblewrap (apt install bubblewrap, dnf install bubblewrap)"
        )
    folder = Path(_fresh_folder())
    try:
        ran = _run(folder, [python_path(), "-c", "print('ok')"], Limits(wall_s=20), True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if ran.returncode == 0 and ran.stdout.strip() == "ok":
        return Availability(True, "bubblewrap")
    why = " ".join(ran.stderr.split())[:200] or f"exit {ran.returncode}"
    return Availability(False, f"bubblewrap cannot make its sandbox here ({why})")


def _fresh_folder() -> str:
    import tempfile

    folder = tempfile.mkdtemp(prefix="aha-check-")
    os.chmod(folder, 0o777)  # the code may run as nobody (see NOBODY)
    return folder


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
    if sandboxed:
        command = _bwrap_command(folder, argv, limits)
        cwd = str(folder)
        env = {"PATH": "/usr/bin:/bin"}
    else:
        command, cwd = argv, str(folder)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("stdout", "stderr"):
        (folder / f".{name}").touch()
    started = time.monotonic()
    with open(folder / ".stdout", "w+b") as out, open(folder / ".stderr", "w+b") as err:
        process = subprocess.Popen(  # noqa: S603 - the sandbox is the point
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group: killed whole at a cap
            preexec_fn=lambda: _limit(limits, as_root=root),  # noqa: PLW1509
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
        out.seek(0)
        err.seek(0)
        stdout = out.read(OUTPUT_CAP).decode(errors="replace")
        stderr = err.read(OUTPUT_CAP).decode(errors="replace")
    if returncode is not None and returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        timed_out = timed_out or returncode == -signal.SIGXCPU or seconds >= limits.cpu_s
    return Ran(returncode, stdout, stderr, seconds, timed_out, sandboxed)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
