"""Atomic file output: a reader (or a Ctrl-C) sees the old file or the new one, never half.

Every writer of outputs, keys, cards and exports goes through `atomic_writer`, so
the temp-file-then-rename dance lives in one place.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_writer(
    path: str | Path, *, text: bool = False, mode: int | None = None
) -> Iterator[IO[Any]]:
    """Yield a handle on a temp file beside `path`; on success fsync and rename it over `path`.

    On any exception (KeyboardInterrupt included) the temp file is removed and
    `path` is left as it was. `mode` sets the file's permissions (e.g. 0o600 for keys).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        if mode is not None:
            os.fchmod(descriptor, mode)
        stream: IO[Any] = (
            os.fdopen(descriptor, "w", encoding="utf-8") if text else os.fdopen(descriptor, "wb")
        )
        with stream as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_bytes_new(path: str | Path, data: bytes) -> None:
    """Write `data` to `path`, which must not exist: FileExistsError otherwise.

    The bytes go to a temp sibling first (fsynced), which is then hard-linked to
    `path`: the link fails if `path` appeared meanwhile, so nothing is ever
    overwritten, and `path` never shows a partial file (a full disk, a signal).
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(errno.EEXIST, "file exists; outputs are never overwritten", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temp_name, path)
    finally:
        Path(temp_name).unlink(missing_ok=True)


def write_bytes_atomic(path: str | Path, data: bytes, *, mode: int | None = None) -> None:
    with atomic_writer(path, mode=mode) as handle:
        handle.write(data)


def write_json_atomic(path: str | Path, data: Mapping[str, Any]) -> None:
    with atomic_writer(path, text=True) as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
