"""Noise multiplicity for DP-SGD (DPDM): average an example's K draws before clipping.

Upstream Opacus has none. The batch holds each private example K times in a row
(`repeat_draws`), each copy noised at its own random level; after backward,
Opacus' per-sample gradients have B*K rows. `average_draws` folds them into B
rows, each the gradient of that example's mean loss over its K draws. Opacus
then clips and noises those B rows as usual: one example still moves the sum by
at most the clipping norm, so the accounting (sample rate, steps, noise) is
unchanged, and the average has lower variance than any single draw.

The rows must be *averaged*, not summed, and must be folded *before*
`optimizer.step()` (Opacus clips inside step).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from aigc_guard.errors import TrainingError


def repeat_draws(
    images: torch.Tensor, labels: torch.Tensor, multiplicity: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each example `multiplicity` times in consecutive rows (example i: rows iK..iK+K-1)."""
    if multiplicity == 1:
        return images, labels
    return (
        images.repeat_interleave(multiplicity, dim=0),
        labels.repeat_interleave(multiplicity, dim=0),
    )


def average_draws(params: Iterable[torch.nn.Parameter], multiplicity: int) -> None:
    """Fold each parameter's per-sample gradients (B*K, ...) into (B, ...) by averaging.

    With Opacus' mean loss reduction, row r of `grad_sample` is the gradient of row
    r's own loss, so the mean of an example's K rows is the gradient of its mean
    loss over the K draws.
    """
    if multiplicity == 1:
        return
    for p in params:
        sample = getattr(p, "grad_sample", None)
        if sample is None:
            continue
        if isinstance(sample, list):
            raise TrainingError(
                "noise multiplicity needs one backward pass per step (grad_sample is a list: "
                "gradients were accumulated)"
            )
        rows = sample.shape[0]
        if rows % multiplicity:
            raise TrainingError(
                f"per-sample gradients have {rows} rows, not a multiple of the noise "
                f"multiplicity {multiplicity}"
            )
        folded = sample.view(rows // multiplicity, multiplicity, *sample.shape[1:]).mean(1)
        p.grad_sample = folded  # type: ignore[attr-defined]  # Opacus' per-sample field
