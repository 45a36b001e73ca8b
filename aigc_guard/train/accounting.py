"""Privacy accounting from a run's history: calibrate, recompute, and cap steps to a budget.

A history is a list of (noise_multiplier, sample_rate, steps) segments, the format of
Opacus' RDP, PRV and GDP accountants, so the epsilon of a card can be recomputed from
the card alone, and a resumed run composes its new steps onto the old ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aigc_guard.errors import TrainingError

Segment = tuple[float, float, int]
MAX_NOISE_MULTIPLIER = 1e6  # Opacus' own search bound


def epsilon_for(history: Sequence[Segment], *, delta: float, accountant: str) -> float:
    """The epsilon Opacus' `accountant` gives for `history` at `delta` (0 for no steps)."""
    from opacus.accountants import create_accountant

    segments = [(float(s), float(q), int(k)) for s, q, k in history if int(k) > 0]
    if not segments:
        return 0.0
    import numpy as np

    acc = create_accountant(mechanism=accountant)
    acc.history = segments
    with np.errstate(divide="ignore"):  # PRV at sample rate 1 (merf's release) takes log(0)
        return float(acc.get_epsilon(delta=delta))


def calibrate_noise(
    *, target_epsilon: float, delta: float, sample_rate: float, steps: int, accountant: str
) -> float:
    """The noise multiplier that spends `target_epsilon` in `steps` steps; fails with the reason."""
    from opacus.accountants.utils import get_noise_multiplier

    floor = epsilon_for(
        [(MAX_NOISE_MULTIPLIER, sample_rate, steps)], delta=delta, accountant=accountant
    )
    if floor > target_epsilon:  # one accountant call instead of Opacus' whole search
        raise TrainingError(
            f"the target epsilon={target_epsilon:g} (delta={delta:g}) cannot be reached: {steps} "
            f"steps at sample rate {sample_rate:.4g} spend epsilon={floor:.3g} even with noise "
            f"multiplier {MAX_NOISE_MULTIPLIER:g} (the {accountant} accountant's floor); raise "
            "epsilon or delta, or use another accountant"
        )
    try:
        return float(
            get_noise_multiplier(
                target_epsilon=target_epsilon, target_delta=delta, sample_rate=sample_rate,
                steps=steps, accountant=accountant, epsilon_tolerance=0.01,
            )
        )  # fmt: skip
    except ValueError as exc:
        raise TrainingError(
            f"the target epsilon={target_epsilon:g} (delta={delta:g}) cannot be reached: {steps} "
            f"steps at sample rate {sample_rate:.4g} spend more than that even with noise "
            f"multiplier {MAX_NOISE_MULTIPLIER:g} ({exc}); raise epsilon or delta, or train "
            "fewer epochs or with a smaller batch"
        ) from exc


def run_noise_multiplier(
    options: Any, *, steps_per_epoch: int, resumed_noise: float | None
) -> float:
    """A run's noise multiplier: calibrated to spend `options.target_epsilon` over its
    planned schedule, or, for a resumed run, the noise its card already accounts for."""
    if resumed_noise is not None:
        return resumed_noise
    return calibrate_noise(
        target_epsilon=options.target_epsilon,
        delta=options.target_delta,
        sample_rate=1 / steps_per_epoch,
        steps=steps_per_epoch * options.epochs,
        accountant=options.accountant,
    )


def steps_within_budget(
    history: Sequence[Segment],
    *,
    noise_multiplier: float,
    sample_rate: float,
    wanted: int,
    target_epsilon: float,
    delta: float,
    accountant: str,
) -> int:
    """The most steps (<= wanted) that can follow `history` without passing target_epsilon.

    One accountant call when the whole of `wanted` fits (the usual case: the noise was
    calibrated for it); otherwise a binary search.
    """

    def spent(k: int) -> float:
        return epsilon_for(
            [*history, (noise_multiplier, sample_rate, k)], delta=delta, accountant=accountant
        )

    if wanted <= 0 or spent(wanted) <= target_epsilon:
        return max(wanted, 0)
    low, high = 0, wanted  # spent(low) <= target < spent(high)
    if spent(1) > target_epsilon:
        return 0
    low = 1
    while high - low > 1:
        middle = (low + high) // 2
        if spent(middle) <= target_epsilon:
            low = middle
        else:
            high = middle
    return low


def history_steps(history: Sequence[Segment]) -> int:
    return sum(int(k) for _, _, k in history)
