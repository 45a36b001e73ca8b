"""Why a training run stops early: Ctrl-C, and a loss that is no longer a number.

`GracefulInterrupt`: the first Ctrl-C lets the current step finish, then the trainer
saves a complete, resumable run whose card covers exactly the steps taken (the
accountant and the weights agree); a second Ctrl-C aborts at once and nothing is
written. `require_finite` stops a run at the step whose loss is NaN or infinite,
before that step's update, naming the step.
"""

from __future__ import annotations

import math
import signal
import threading
from types import FrameType
from typing import Any

from aigc_guard.errors import TrainingError

STOP_INTERRUPTED = "interrupted (Ctrl-C): resume with --resume"


class GracefulInterrupt:
    """Context manager: `requested` turns True on the first SIGINT; the second raises.

    Only the main thread can own SIGINT; elsewhere this does nothing (Ctrl-C then
    raises KeyboardInterrupt as usual and the run leaves nothing behind).
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> GracefulInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            previous = self._previous if self._previous is not None else signal.SIG_DFL
            signal.signal(signal.SIGINT, previous)


def require_finite(loss: Any, *, what: str) -> None:
    """Raise TrainingError when `loss` (a 0-d tensor or a float) is NaN or infinite."""
    value = float(loss.detach()) if hasattr(loss, "detach") else float(loss)
    if not math.isfinite(value):
        raise TrainingError(
            f"the {what} is {value}: training diverged (lower the learning rate or check the "
            "data for constant or corrupt images); nothing was written"
        )
