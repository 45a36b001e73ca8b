"""DP-SGD plumbing shared by every model kind: hand a module to Opacus with private randomness.

`make_private` is the one hook a trainer needs: it wraps the module and optimizer with
Opacus (per-example clipping, Gaussian noise, accounting), replaces Opacus' noise and
Poisson sampling with the run's `PrivateRandomness` (never the seed), and restores an
accountant history when a run is resumed, so the accountant covers every step ever
taken. The noise multiplier is given, not searched: calibrate it first with
`accounting.calibrate_noise` (a fresh run) or take it from the card (a resumed run).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aigc_guard.train.accounting import Segment
from aigc_guard.train.secure_noise import PrivateRandomness, attach_noise, poisson_loader


@dataclass
class PrivateParts:
    """What Opacus hands back, with the sampling and noise already switched to `randomness`."""

    module: Any  # opacus GradSampleModule
    optimizer: Any  # opacus DPOptimizer (noise from the run's randomness)
    loader: Any  # Poisson batches from the run's randomness; .sample_rate
    engine: Any  # opacus PrivacyEngine; engine.accountant.history holds every step
    criterion: Any = None  # set in grad_sample_mode="ghost" (Opacus' fast gradient clipping)

    @property
    def history(self) -> list[Segment]:
        return [(float(s), float(q), int(k)) for s, q, k in self.engine.accountant.history]


def make_private(
    *,
    module: Any,
    optimizer: Any,
    dataset: Any,
    batch_size: int,
    noise_multiplier: float,
    max_grad_norm: float,
    accountant: str,
    randomness: PrivateRandomness,
    history: Sequence[Segment] = (),
    **opacus_options: Any,
) -> PrivateParts:
    """Opacus-wrap `module`/`optimizer` for Poisson batches of expected size `batch_size`.

    `opacus_options` go to `PrivacyEngine.make_private` (e.g. grad_sample_mode="ghost"
    with criterion=...). `history` is the accountant history of earlier runs (resume).
    """
    import torch
    from opacus import PrivacyEngine

    with warnings.catch_warnings():  # "Secure RNG turned off": the noise is replaced below
        warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG turned off.*")
        engine = PrivacyEngine(accountant=accountant)
    engine.accountant.history = [(float(s), float(q), int(k)) for s, q, k in history]
    plain = torch.utils.data.DataLoader(dataset, batch_size=batch_size)  # fixes the sample rate
    wrapped = engine.make_private(
        module=module, optimizer=optimizer, data_loader=plain, noise_multiplier=noise_multiplier,
        max_grad_norm=max_grad_norm, poisson_sampling=True, **opacus_options,
    )  # fmt: skip
    private_module, private_optimizer = wrapped[0], wrapped[1]
    criterion = wrapped[2] if len(wrapped) == 4 else None  # ghost: (module, opt, crit, loader)
    attach_noise(private_optimizer, randomness)
    loader = poisson_loader(
        dataset, sample_rate=1 / len(plain), steps_per_epoch=len(plain), randomness=randomness
    )
    return PrivateParts(
        module=private_module, optimizer=private_optimizer, loader=loader, engine=engine,
        criterion=criterion,
    )  # fmt: skip
