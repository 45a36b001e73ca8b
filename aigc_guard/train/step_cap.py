"""`AIGC_GUARD_MAX_STEPS`: an upper bound on the steps of every training run.

For smoke tests and CI (the README test runs every example with it set to 3). The
noise is still calibrated for the full schedule, so a capped run spends less epsilon
than its target; its card says so (`steps` < `planned_steps`).
"""

from __future__ import annotations

import os

from aigc_guard.errors import TrainingError

MAX_STEPS_ENV = "AIGC_GUARD_MAX_STEPS"


def apply_step_cap(max_steps: int | None) -> int | None:
    """`max_steps`, lowered to $AIGC_GUARD_MAX_STEPS when that is set (read at call time)."""
    text = os.environ.get(MAX_STEPS_ENV, "").strip()
    if not text:
        return max_steps
    try:
        cap = int(text)
    except ValueError as exc:
        raise TrainingError(f"{MAX_STEPS_ENV}={text!r}: expected a positive integer") from exc
    if cap < 1:
        raise TrainingError(f"{MAX_STEPS_ENV}={text!r}: expected a positive integer")
    return cap if max_steps is None else min(max_steps, cap)
