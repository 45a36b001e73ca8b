"""Real storage faults for tests: a tiny tmpfs that fills up, a read-only mount.

Mounting needs root (CAP_SYS_ADMIN). Where it is not allowed, `small_disk` falls
back to a write hook: aigc_guard.fileio's `os` is replaced by a proxy whose files
raise ENOSPC once the budget is spent, the same error a full disk gives.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import pytest


def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@contextmanager
def small_disk(folder: Path, size_bytes: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """`folder` on a disk of `size_bytes`; yields "tmpfs" or "write hook" (see module doc)."""
    if _mount(folder, f"size={size_bytes},mode=0755"):
        try:
            yield "tmpfs"
        finally:
            _unmount(folder)
        return
    import aigc_guard.fileio as fileio

    monkeypatch.setattr(fileio, "os", FullDiskOs(size_bytes))
    yield "write hook"


@contextmanager
def read_only_folder(folder: Path) -> Iterator[None]:
    """A folder nobody can write: a read-only tmpfs as root, else permissions 0555."""
    if os.geteuid() == 0:
        if not _mount(folder, "ro,size=64k"):
            pytest.skip("running as root without permission to mount a read-only tmpfs")
        try:
            yield
        finally:
            _unmount(folder)
        return
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    try:
        yield
    finally:
        folder.chmod(0o755)


class FullDiskOs(SimpleNamespace):
    """`os` for aigc_guard.fileio, with files that stop accepting bytes after a budget."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.left = budget

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def fdopen(self, descriptor: int, *args: Any, **kwargs: Any) -> IO[Any]:
        return _Budgeted(os.fdopen(descriptor, *args, **kwargs), self)


class _Budgeted:
    def __init__(self, handle: IO[Any], disk: FullDiskOs) -> None:
        self._handle = handle
        self._disk = disk

    def write(self, data: bytes) -> int:
        if len(data) > self._disk.left:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._disk.left -= len(data)
        return self._handle.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _Budgeted:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()
