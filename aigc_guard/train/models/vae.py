"""A small class-conditional VAE for 28x28 grayscale images, shaped for DP-SGD.

Two architectures (`arch`): "conv" (the default): a convolutional encoder/decoder
of `width` channels; "mlp": one hidden layer of `hidden` units each way, labels
one-hot, Linear layers only, so DP-SGD uses Opacus' ghost clipping (per-example
gradient norms without storing per-example gradients; a DP step measured 2.1-2.3x
a plain one, against 3.7-3.9x for the conv network) and a step costs milliseconds.
Measured on mnist5k (benchmarks/dp_generators.py), the MLP is better without DP
but worse at epsilon=10 and 1, so it is an option, not the default.
"""

from __future__ import annotations

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

MODEL_KIND = "dp-vae"
MODEL_VERSION = 2
ARCHS = ("conv", "mlp")


@dataclass(frozen=True)
class VaeConfig:
    """Architecture; saved as model.json beside the weights."""

    latent_dim: int = 16
    num_classes: int = 10
    image_size: int = 28
    channels: int = 1
    width: int = 32  # conv channels (arch="conv")
    arch: str = "conv"
    hidden: int = 128  # hidden units (arch="mlp")

    def __post_init__(self) -> None:
        problems = integer_problems(
            self,
            limits={"latent_dim": MAX_SIZE, "num_classes": 1000, "width": MAX_SIZE,
                    "hidden": 4 * MAX_SIZE},
        )  # fmt: skip
        if self.arch not in ARCHS:
            problems.append(f"arch={self.arch!r} (one of {', '.join(ARCHS)})")
        problems += image_shape_problems(self)
        if problems:
            raise TrainingError("invalid VAE config: " + "; ".join(problems))

    def to_json(self) -> dict[str, Any]:
        return config_to_json(self, kind=MODEL_KIND, version=MODEL_VERSION)

    @classmethod
    def from_json(cls, data: dict[str, Any], *, source: str) -> VaeConfig:
        if data.get("kind") == MODEL_KIND and data.get("version") == 1:  # before `arch`
            data = {**data, "version": MODEL_VERSION, "arch": "conv", "hidden": cls.hidden}
        return config_from_json(cls, data, kind=MODEL_KIND, version=MODEL_VERSION, source=source)


def _groups(channels: int) -> int:
    """The largest of 8, 4, 2, 1 that divides `channels` (GroupNorm needs a divisor)."""
    return next(g for g in (8, 4, 2, 1) if channels % g == 0)


def ConditionalVae(config: VaeConfig) -> nn.Module:
    """The network of `config.arch`: forward(x, y) -> per-example negative ELBO."""
    return MlpVae(config) if config.arch == "mlp" else ConvVae(config)


class _Elbo(nn.Module):
    """The loss both architectures share; subclasses define encode and decode."""

    def encode(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Per-example negative ELBO (nats), shape (N,): what DP-SGD clips row by row."""
        mu, logvar = self.encode(x, labels)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        logits = self.decode(z, labels)
        target = (x + 1.0) / 2.0  # images arrive in [-1, 1]
        recon = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)
        return recon.flatten(1).sum(1) + kl.sum(1)


class MlpVae(_Elbo):
    """784+labels -> hidden -> (mu, logvar); z+labels -> hidden -> 784 pixel logits."""

    def __init__(self, config: VaeConfig) -> None:
        super().__init__()
        self.latent_dim = config.latent_dim
        self.num_classes = config.num_classes
        pixels = config.channels * config.image_size**2
        self.image_shape = (config.channels, config.image_size, config.image_size)
        self.enc_hidden = nn.Linear(pixels + config.num_classes, config.hidden)
        self.to_stats = nn.Linear(config.hidden, 2 * config.latent_dim)
        self.dec_hidden = nn.Linear(config.latent_dim + config.num_classes, config.hidden)
        self.to_pixels = nn.Linear(config.hidden, pixels)

    def _onehot(self, labels: torch.Tensor) -> torch.Tensor:
        return F.one_hot(labels, self.num_classes).to(torch.float32)

    def encode(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = F.silu(self.enc_hidden(torch.cat([x.flatten(1), self._onehot(labels)], dim=1)))
        mu, logvar = self.to_stats(h).chunk(2, dim=1)
        return mu, logvar.clamp(-10.0, 10.0)

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.dec_hidden(torch.cat([z, self._onehot(labels)], dim=1)))
        return self.to_pixels(h).view(-1, *self.image_shape)


class ConvVae(_Elbo):
    """encode(x, y) -> (mu, logvar); decode(z, y) -> pixel logits (N, 1, 28, 28)."""

    def __init__(self, config: VaeConfig) -> None:
        super().__init__()
        self.latent_dim = config.latent_dim
        self.num_classes = config.num_classes
        w = config.width
        self.encoder = nn.Sequential(
            nn.Conv2d(config.channels, w, 4, stride=2, padding=1),  # 14x14
            nn.GroupNorm(_groups(w), w),
            nn.SiLU(),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1),  # 7x7
            nn.GroupNorm(_groups(2 * w), 2 * w),
            nn.SiLU(),
            nn.Flatten(),
        )
        features = 2 * w * 7 * 7
        self.enc_label = nn.Embedding(config.num_classes, features)
        self.to_stats = nn.Linear(features, 2 * config.latent_dim)
        self.dec_label = nn.Embedding(config.num_classes, config.latent_dim)
        self.project = nn.Linear(2 * config.latent_dim, features)
        self.decoder = nn.Sequential(
            nn.SiLU(),
            nn.Unflatten(1, (2 * w, 7, 7)),
            nn.Upsample(scale_factor=2, mode="nearest"),  # 14x14
            nn.Conv2d(2 * w, w, 3, padding=1),
            nn.GroupNorm(_groups(w), w),
            nn.SiLU(),
            nn.Upsample(scale_factor=2, mode="nearest"),  # 28x28
            nn.Conv2d(w, w, 3, padding=1),
            nn.GroupNorm(_groups(w), w),
            nn.SiLU(),
            nn.Conv2d(w, config.channels, 3, padding=1),
        )
        bound = features**-0.5  # start the label embedding at a Linear layer's scale
        nn.init.uniform_(self.enc_label.weight, -bound, bound)

    def encode(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x) + self.enc_label(labels)
        mu, logvar = self.to_stats(h).chunk(2, dim=1)
        return mu, logvar.clamp(-10.0, 10.0)

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.project(torch.cat([z, self.dec_label(labels)], dim=1))
        return self.decoder(h)


def vae_sample(
    module: nn.Module, config: VaeConfig, labels: torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """Images in [0, 1], shape (N, 28, 28), for `labels` (no grad)."""
    z = torch.randn(labels.shape[0], config.latent_dim, generator=generator)
    with torch.inference_mode():
        return torch.sigmoid(module.decode(z, labels))[:, 0]  # type: ignore[operator]
