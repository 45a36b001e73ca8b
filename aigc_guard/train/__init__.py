"""DP training: GAN, VAE and diffusion generators with Opacus DP-SGD, merf with one DP
release (kinds.py), their privacy card, and loading any kind back
(PrivateImageGenerator.load).

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
    from aigc_guard.train.lm_training import LmTrainResult, train_dp_lm
    from aigc_guard.train.load import load_model
    from aigc_guard.train.merf_training import train_dp_merf
    from aigc_guard.train.text_data import TextDataset, load_text_records
    from aigc_guard.train.text_generator import PrivateTextGenerator

_EXPORTS = {
    "PrivacyCard": "aigc_guard.train.card",
    "TrainResult": "aigc_guard.train.engine",
    "TrainStep": "aigc_guard.train.engine",
    "train_dp_gan": "aigc_guard.train.engine",
    "validate_private_module": "aigc_guard.train.engine",
    "PrivateImageGenerator": "aigc_guard.train.generator",
    "LmTrainResult": "aigc_guard.train.lm_training",
    "train_dp_lm": "aigc_guard.train.lm_training",
    "load_model": "aigc_guard.train.load",
    "train_dp_merf": "aigc_guard.train.merf_training",
    "TextDataset": "aigc_guard.train.text_data",
    "load_text_records": "aigc_guard.train.text_data",
    "PrivateTextGenerator": "aigc_guard.train.text_generator",
}

__all__ = [
    "LmTrainResult",
    "PrivacyCard",
    "PrivateImageGenerator",
    "PrivateTextGenerator",
    "TextDataset",
    "TrainResult",
    "TrainStep",
    "load_model",
    "load_text_records",
    "train_dp_gan",
    "train_dp_lm",
    "train_dp_merf",
    "validate_private_module",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
