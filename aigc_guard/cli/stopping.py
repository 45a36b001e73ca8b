"""Stopping a batch on SIGTERM or Ctrl-C without orphaning an audit row.

Killing a batch between the commit of an output's row and the write of its file
would leave an `allow` row with no file and no `delivery_failed` row. So the first
SIGTERM or SIGINT only asks the batch to stop: the output in hand is finished (row
and file), then the command exits with 128 + the signal number. A second signal
stops at once (KeyboardInterrupt); the delivery code still records the outputs of
the batch it could not write.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass
class StopRequest:
    """Set by the first signal; the batch checks `requested` between outputs."""

    signal_number: int | None = None

    @property
    def requested(self) -> bool:
        return self.signal_number is not None

    @property
    def exit_code(self) -> int:
        return 128 + (self.signal_number or 0)


@contextmanager
def graceful_stop() -> Iterator[StopRequest]:
    """Install the handlers for the duration of a batch (main thread only), then restore."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(number: int, frame: FrameType | None) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.signal_number = number
        name = signal.Signals(number).name
        sys.stderr.write(f"{name}: finishing the output in hand, then stopping (again: abort)\n")

    previous = {number: signal.signal(number, handle) for number in _SIGNALS}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


__all__ = ["StopRequest", "graceful_stop"]
