"""The privacy card of a finished run, built from what its accountant recorded.

The GAN engine, the one-network trainer and the language model each add their own
fields (kind, optimizer figures, data set); the accounting part, the guarantee, the
noise source across resumes and the binding to the weights are decided here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from aigc_guard.errors import TrainingError
from aigc_guard.train.accounting import history_steps
from aigc_guard.train.card import RECORD_LEVEL, PrivacyCard, bind_card
from aigc_guard.train.secure_noise import REPRODUCIBLE_GUARANTEE, PrivateRandomness


def run_card(
    fields: Mapping[str, Any],
    weights: Mapping[str, Any],
    *,
    accountant: Any,
    delta: float,
    steps: int,
    earlier: PrivacyCard | None,
    randomness: PrivateRandomness,
    seconds: float,
) -> PrivacyCard:
    """`fields` (the run's own) plus the accounting of every step ever taken, bound to
    `weights`. `steps` are this run's; `earlier` is the card a resumed run continues.

    The history comes from the accountant, never from what was asked for, and must add
    up to the steps taken; a run (or any run it resumed) with reproducible noise has no
    guarantee, whatever its epsilon.
    """
    from aigc_guard.train.engine import library_versions

    history = [(float(s), float(q), int(k)) for s, q, k in accountant.history]
    before = 0 if earlier is None else history_steps(earlier.accounting_history)
    total = before + steps
    if history_steps(history) != total:
        raise TrainingError(
            f"internal accounting mismatch: {total} steps taken, {history_steps(history)} accounted"
        )
    reproducible = randomness.reproducible or (earlier is not None and not earlier.claims_dp)
    source = randomness.description
    if earlier is not None and earlier.noise_source != source:
        source = f"{source}; earlier steps: {earlier.noise_source}"
    accounted = {
        "guarantee": REPRODUCIBLE_GUARANTEE if reproducible else RECORD_LEVEL,
        "epsilon": float(accountant.get_epsilon(delta=delta)),
        "delta": delta,
        "steps": total,
        "accounting_history": history,
        "resumed_from": None if earlier is None else earlier.model_id,
        "noise_source": source,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(seconds + (0.0 if earlier is None else earlier.wall_seconds), 3),
        "library_versions": library_versions(),
    }
    return bind_card({**fields, **accounted}, weights)
