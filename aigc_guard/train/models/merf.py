"""A class-conditional generator fitted to one DP release of kernel mean embeddings (DP-MERF).

After Harder et al., "DP-MERF: Differentially Private Mean Embeddings with Random
Features" (AISTATS 2021). Each private image x of class c is mapped to a vector of
norm exactly 1: random Fourier features of its pixels (a Gaussian kernel) scaled by
sqrt(1 - w^2) in class c's block, and the constant w in class c's count slot. The
per-class sums of these vectors are released once with Gaussian noise (adding or
removing one example moves the sums by exactly 1: one DP-SGD step with sample rate
1 and clip 1, so the card's accounting is the usual one). The generator is then fitted
to the released means without touching the data again: post-processing, as many
steps as wanted, no further privacy cost.

The feature map (frequencies from `feature_seed`, bandwidth `bandwidth`) is public
and fixed before the data is read: the default bandwidth is the median pixel
distance of the public scikit-learn 8x8 digits upscaled to 28x28 (6.02), not of the
private data. Only 28x28 grayscale, like the other kinds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from aigc_guard.errors import TrainingError
from aigc_guard.train.models.configs import (
    MAX_SIZE,
    config_from_json,
    config_to_json,
    image_shape_problems,
    integer_problems,
)
from aigc_guard.train.plan_checks import is_number

MODEL_KIND = "dp-merf"
MODEL_VERSION = 1
MAX_FEATURES = 1 << 16  # model.json is read from disk: bound the feature matrix it can ask for


@dataclass(frozen=True)
class MerfConfig:
    """Generator architecture, public feature map and fitting schedule; saved as model.json."""

    latent_dim: int = 32
    num_classes: int = 10
    image_size: int = 28
    channels: int = 1
    width: int = 64  # channels after the first projection
    features: int = 10_000  # random Fourier features (cos and sin of features/2 frequencies)
    bandwidth: float = 6.02  # Gaussian kernel length scale on [0, 1] pixels (public, see above)
    feature_seed: int = 1  # draws the public frequencies; not private randomness
    count_weight: float = 0.3  # share of each example's unit vector that carries its class count
    fit_steps: int = 3_000  # generator steps on the released means (post-processing)
    per_class: int = 50  # generated images per class in one fitting step
    lr: float = 1e-3

    def __post_init__(self) -> None:
        problems = integer_problems(
            self,
            limits={"latent_dim": MAX_SIZE, "num_classes": 1000, "width": MAX_SIZE,
                    "features": MAX_FEATURES, "per_class": MAX_SIZE, "fit_steps": 10**6,
                    "feature_seed": 2**62},
        )  # fmt: skip
        if self.width % 4 or self.width < 4:
            problems.append(f"width={self.width} (a multiple of 4)")
        if self.features % 2:
            problems.append(f"features={self.features} (even: a cos and a sin per frequency)")
        for name, low, high in (("bandwidth", 0.0, math.inf), ("count_weight", 0.0, 1.0),
                                ("lr", 0.0, 1.0)):  # fmt: skip
            value = getattr(self, name)
            if not is_number(value, low=low, high=high):
                problems.append(f"{name}={value!r} (a number in ({low:g}, {high:g}))")
        problems += image_shape_problems(self)
        if problems:
            raise TrainingError("invalid MERF config: " + "; ".join(problems))

    def to_json(self) -> dict[str, Any]:
        return config_to_json(self, kind=MODEL_KIND, version=MODEL_VERSION)

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str) -> MerfConfig:
        return config_from_json(cls, data, kind=MODEL_KIND, version=MODEL_VERSION, source=source)


class FourierFeatures(nn.Module):
    """x (N, 1, 28, 28) in [0, 1] -> (N, features) of norm exactly 1 (a Gaussian kernel)."""

    def __init__(self, config: MerfConfig) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(config.feature_seed)
        pixels = config.image_size * config.image_size
        omega = torch.randn(pixels, config.features // 2, generator=generator) / config.bandwidth
        self.omega: torch.Tensor
        self.register_buffer("omega", omega, persistent=False)  # rebuilt from the config

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        projected = images.reshape(images.shape[0], -1) @ self.omega
        scale = 1.0 / math.sqrt(projected.shape[1])  # cos^2 + sin^2 = 1 per frequency
        return torch.cat([projected.cos(), projected.sin()], dim=1) * scale


class MerfGenerator(nn.Module):
    """(noise, label) -> 28x28 image in [0, 1]. Never sees private data, so BatchNorm is fine."""

    def __init__(self, config: MerfConfig) -> None:
        super().__init__()
        w = config.width
        self.config = config
        self.project = nn.Sequential(
            nn.Linear(config.latent_dim + config.num_classes, w * 7 * 7),
            nn.BatchNorm1d(w * 7 * 7), nn.ReLU(),
        )  # fmt: skip
        self.decode = nn.Sequential(
            nn.ConvTranspose2d(w, w // 2, 4, 2, 1), nn.BatchNorm2d(w // 2), nn.ReLU(),
            nn.ConvTranspose2d(w // 2, w // 4, 4, 2, 1), nn.BatchNorm2d(w // 4), nn.ReLU(),
            nn.Conv2d(w // 4, 1, 3, padding=1), nn.Sigmoid(),
        )  # fmt: skip

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        onehot = nn.functional.one_hot(labels, self.config.num_classes).to(z.dtype)
        hidden = self.project(torch.cat([z, onehot], dim=1))
        return self.decode(hidden.view(-1, self.config.width, 7, 7))


def merf_sample(
    module: nn.Module, config: MerfConfig, labels: torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """Images in [0, 1], shape (N, 28, 28), for `labels` (no grad)."""
    z = torch.randn(labels.shape[0], config.latent_dim, generator=generator)
    with torch.inference_mode():
        return module(z, labels)[:, 0]
