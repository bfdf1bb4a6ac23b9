"""Tests that need a tool the machine may lack (tmux, root for a tmpfs or a read-only mount).

On a developer's machine a missing tool skips the test, with the reason. Where CI promises
the tool (`.ci/run` sets REQUIRE_TEST_TOOLS=1 after installing it), a missing tool fails the
run instead: a skip there would silently drop the only proof of what the test checks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

STRICT_VAR = "REQUIRE_TEST_TOOLS"


def strict() -> bool:
    return os.environ.get(STRICT_VAR, "") not in ("", "0")


def require(available: bool, reason: str) -> None:
    """Skip (or, under REQUIRE_TEST_TOOLS, fail) unless `available`."""
    if available:
        return
    if strict():
        pytest.fail(f"{reason} ({STRICT_VAR} is set: CI must have it)")
    pytest.skip(reason)


def require_tmux() -> str:
    path = shutil.which("tmux")
    require(path is not None, "tmux is not installed")
    assert path is not None
    return path


def can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/aha-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
            capture_output=True,
        )
        if done.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    finally:
        probe.rmdir()


def require_mount() -> None:
    require(can_mount(), "needs root and mount(8) for a real tmpfs or read-only mount")


@contextmanager
def tmpfs(at: Path, size_kib: int) -> Iterator[Path]:
    """A real tmpfs of `size_kib` KiB mounted at `at` for the duration."""
    at.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0777", "tmpfs", str(at)],
        check=True,
    )
    try:
        yield at
    finally:
        subprocess.run(["umount", "-l", str(at)], check=False)


def remount_read_only(at: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(at)], check=True)


def fill_disk(folder: Path) -> Path:
    """Write a file until the file system holding `folder` has no byte left."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        for size in (1 << 16, 4096, 512, 1):  # big blocks, then the last few bytes
            block = b"\0" * size
            try:
                while True:
                    os.write(fd, block)
            except OSError:
                continue
    finally:
        os.close(fd)
    return filler
