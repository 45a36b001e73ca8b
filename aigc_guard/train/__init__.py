"""DP training with Opacus: GAN, VAE and diffusion generators (kinds.py), their privacy
card, and loading any kind back (PrivateImageGenerator.load).

This package `__init__` stays light (no torch, no opacus); the names below are
imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aigc_guard.lazy import lazy_exports

if TYPE_CHECKING:
    from aigc_guard.train.card import PrivacyCard
    from aigc_guard.train.engine import (
        TrainResult,
        TrainStep,
        train_dp_gan,
        validate_private_module,
    )
    from aigc_guard.train.generator import PrivateImageGenerator

_EXPORTS = {
    "PrivacyCard": "aigc_guard.train.card",
    "TrainResult": "aigc_guard.train.engine",
    "TrainStep": "aigc_guard.train.engine",
    "train_dp_gan": "aigc_guard.train.engine",
    "validate_private_module": "aigc_guard.train.engine",
    "PrivateImageGenerator": "aigc_guard.train.generator",
}

__all__ = [
    "PrivacyCard",
    "PrivateImageGenerator",
    "TrainResult",
    "TrainStep",
    "train_dp_gan",
    "validate_private_module",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
