"""Progress for long-running work, visible in a terminal and in a log file alike.

rich's live bar prints nothing to a pipe until it stops, so a 4-minute training
looks hung in CI logs and in `make demo > log`. `progress()` shows a rich bar on a
terminal and otherwise prints one plain line every `interval` seconds (and a last
one at the end), on stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

DEFAULT_INTERVAL = 5.0


class Advance(Protocol):
    def __call__(self, steps: int = 1, **fields: Any) -> None: ...


class _LogLines:
    """Plain progress lines, at most one every `interval` seconds."""

    def __init__(self, label: str, total: int | None, interval: float) -> None:
        self._label, self._total, self._interval = label, total, interval
        self._done = 0
        self._fields: dict[str, Any] = {}
        self._started = self._last = time.monotonic()

    def advance(self, steps: int = 1, **fields: Any) -> None:
        self._done += steps
        self._fields.update(fields)
        now = time.monotonic()
        if now - self._last >= self._interval:
            self._last = now
            self._print(now)

    def finish(self) -> None:
        self._print(time.monotonic())

    def _print(self, now: float) -> None:
        if self._total:
            share = f"{self._done}/{self._total} ({100 * self._done / self._total:.0f}%)"
        else:
            share = str(self._done)
        extra = "".join(f" {key}={value}" for key, value in self._fields.items())
        print(f"{self._label}: {share}{extra} [{now - self._started:.0f} s]", file=sys.stderr)
        sys.stderr.flush()


@contextmanager
def progress(
    label: str,
    total: int | None,
    *,
    enabled: bool = True,
    interval: float = DEFAULT_INTERVAL,
    transient: bool = False,
) -> Iterator[Advance]:
    """Yield `advance(steps=1, **fields)`; `fields` (e.g. epsilon=...) are shown beside it."""
    if not enabled:
        yield _ignore
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        lines = _LogLines(label, total, interval)
        yield lines.advance
        lines.finish()
        return
    from rich import progress as rp

    columns = [
        rp.TextColumn("{task.description}"),
        rp.BarColumn(),
        rp.MofNCompleteColumn(),
        rp.TextColumn("{task.fields[info]}"),
        rp.TimeElapsedColumn(),
        rp.TimeRemainingColumn(),
    ]
    with rp.Progress(*columns, console=console, transient=transient) as bar:
        task = bar.add_task(label, total=total, info="")

        def advance(steps: int = 1, **fields: Any) -> None:
            if fields:
                info = " ".join(f"{key} {value}" for key, value in fields.items())
                bar.update(task, advance=steps, info=info)
            else:
                bar.update(task, advance=steps)

        yield advance


def _ignore(steps: int = 1, **fields: Any) -> None:
    """The `advance` of disabled progress."""


__all__ = ["Advance", "progress"]
