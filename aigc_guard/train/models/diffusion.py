"""A small class-conditional diffusion model for 28x28 grayscale images, after DPDM.

DPDM (Dockhorn et al., 2022) trains a small U-Net with DP-SGD and *noise
multiplicity*: each private example is noised at `noise_multiplicity` random
levels and its loss is the mean over those draws, so its one clipped gradient
carries several denoising lessons for one share of the privacy budget. The
trainer repeats each example that many times in the batch and averages their
per-sample gradients before Opacus clips them (see aigc_guard.train.multiplicity).

The network predicts the added noise (DDPM's epsilon objective) on a cosine
schedule in continuous time; sampling is deterministic DDIM in `sample_steps`
steps with classifier-free guidance (labels are dropped to a "no class" token
with probability `label_dropout` during training; dropping is not private
randomness: it touches no data and the guarantee does not rest on it).
Every layer is Opacus-compatible: GroupNorm, no in-place activations.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from aigc_guard.errors import TrainingError
from aigc_guard.train.models.configs import (
    MAX_SIZE,
    config_from_json,
    config_to_json,
    image_shape_problems,
    integer_problems,
)

MODEL_KIND = "dp-diffusion"
MODEL_VERSION = 1
_T_MIN, _T_MAX = 1e-3, 0.999  # keep log-SNR finite at both ends


@dataclass(frozen=True)
class DiffusionConfig:
    """Architecture, sampler and noise multiplicity; saved as model.json."""

    num_classes: int = 10
    image_size: int = 28
    channels: int = 1
    width: int = 32
    noise_multiplicity: int = 4
    sample_steps: int = 40
    guidance: float = 1.0
    label_dropout: float = 0.1

    def __post_init__(self) -> None:
        problems = integer_problems(
            self,
            limits={"num_classes": 1000, "width": MAX_SIZE, "noise_multiplicity": 64,
                    "sample_steps": 1000},
        )  # fmt: skip
        problems += image_shape_problems(self)
        if not _finite_in(self.guidance, 0.0, 20.0):
            problems.append(f"guidance={self.guidance!r} (must be a number in [0, 20])")
        if not _finite_in(self.label_dropout, 0.0, 0.99):
            problems.append(f"label_dropout={self.label_dropout!r} (must be in [0, 0.99])")
        if problems:
            raise TrainingError("invalid diffusion config: " + "; ".join(problems))

    def to_json(self) -> dict[str, Any]:
        return config_to_json(self, kind=MODEL_KIND, version=MODEL_VERSION)

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str) -> DiffusionConfig:
        return config_from_json(cls, data, kind=MODEL_KIND, version=MODEL_VERSION, source=source)


def _finite_in(value: object, low: float, high: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and low <= value <= high


def _groups(channels: int) -> int:
    return next(g for g in (8, 4, 2, 1) if channels % g == 0)


def alpha_bar(t: torch.Tensor) -> torch.Tensor:
    """Cosine schedule (Nichol & Dhariwal, 2021): the share of signal left at time t."""
    return torch.cos((t + 0.008) / 1.008 * (math.pi / 2)) ** 2


class _ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, emb_dim: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.emb = nn.Linear(emb_dim, cout)
        self.norm2 = nn.GroupNorm(_groups(cout), cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip: nn.Module = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class DiffusionUNet(nn.Module):
    """Two-level U-Net (28 -> 14 -> 7): predicts the noise in x_t for time t and a label.

    `forward(x, labels)` is the training loss per row (N,); `predict(x_t, t, labels)`
    is the network itself.
    """

    def __init__(self, config: DiffusionConfig) -> None:
        super().__init__()
        self.num_classes = config.num_classes
        self.label_dropout = config.label_dropout
        w = config.width
        emb = 4 * w
        self._freq_dim = w
        self.time = nn.Sequential(nn.Linear(w, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.label = nn.Embedding(config.num_classes + 1, emb)  # last row: "no class"
        self.conv_in = nn.Conv2d(config.channels, w, 3, padding=1)
        self.down1 = _ResBlock(w, w, emb)
        self.pool1 = nn.Conv2d(w, w, 3, stride=2, padding=1)  # 14x14
        self.down2 = _ResBlock(w, 2 * w, emb)
        self.pool2 = nn.Conv2d(2 * w, 2 * w, 3, stride=2, padding=1)  # 7x7
        self.mid = _ResBlock(2 * w, 2 * w, emb)
        self.up2 = _ResBlock(4 * w, 2 * w, emb)
        self.up1 = _ResBlock(3 * w, w, emb)
        self.out_norm = nn.GroupNorm(_groups(w), w)
        self.conv_out = nn.Conv2d(w, config.channels, 3, padding=1)

    def _time_features(self, t: torch.Tensor) -> torch.Tensor:
        half = self._freq_dim // 2
        freqs = torch.exp(-math.log(10_000.0) * torch.arange(half, dtype=t.dtype) / half)
        angles = 1000.0 * t[:, None] * freqs[None, :]
        features = torch.cat([angles.sin(), angles.cos()], dim=1)
        if features.shape[1] < self._freq_dim:  # odd width
            features = F.pad(features, (0, self._freq_dim - features.shape[1]))
        return features

    def predict(self, x_t: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        emb = self.time(self._time_features(t)) + self.label(labels)
        h1 = self.down1(self.conv_in(x_t), emb)  # 28
        h2 = self.down2(self.pool1(h1), emb)  # 14
        h = self.mid(self.pool2(h2), emb)  # 7
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")  # 14
        h = self.up2(torch.cat([h, h2], dim=1), emb)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")  # 28
        h = self.up1(torch.cat([h, h1], dim=1), emb)
        return self.conv_out(F.silu(self.out_norm(h)))

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Per-row denoising loss (N,) at one random noise level per row."""
        n = x.shape[0]
        t = torch.rand(n) * (_T_MAX - _T_MIN) + _T_MIN
        if self.training and self.label_dropout > 0:
            drop = torch.rand(n) < self.label_dropout
            labels = torch.where(drop, torch.full_like(labels, self.num_classes), labels)
        noise = torch.randn_like(x)
        a = alpha_bar(t)[:, None, None, None]
        x_t = a.sqrt() * x + (1.0 - a).sqrt() * noise
        return (self.predict(x_t, t, labels) - noise).pow(2).flatten(1).mean(1)


def diffusion_sample(
    module: nn.Module, config: DiffusionConfig, labels: torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """Images in [0, 1], shape (N, 28, 28): deterministic DDIM from x_1 ~ N(0, I)."""
    guidance = config.guidance
    n = labels.shape[0]
    null = torch.full_like(labels, config.num_classes)
    x = torch.randn(n, config.channels, 28, 28, generator=generator)
    times = torch.linspace(_T_MAX, 0.0, config.sample_steps + 1)
    with torch.inference_mode():
        for now, nxt in itertools.pairwise(times):
            t = torch.full((n,), float(now))
            eps = module.predict(x, t, labels)  # type: ignore[operator]
            if guidance > 0:
                eps_free = module.predict(x, t, null)  # type: ignore[operator]
                eps = (1.0 + guidance) * eps - guidance * eps_free
            a_now = alpha_bar(now)
            a_next = alpha_bar(nxt) if nxt > 0 else torch.tensor(1.0)
            x0 = ((x - (1 - a_now).sqrt() * eps) / a_now.sqrt()).clamp(-1.0, 1.0)
            eps = (x - a_now.sqrt() * x0) / (1 - a_now).sqrt()
            x = a_next.sqrt() * x0 + (1 - a_next).sqrt() * eps
    return ((x[:, 0] + 1.0) / 2.0).clamp(0.0, 1.0)
