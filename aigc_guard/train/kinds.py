"""The kinds of generator aigc_guard.train can train and load: one ModelSpec per kind.

A spec names its architecture (config class, network class, sampler) by import
path, so this module stays light (no torch) and the CLI can list kinds fast.
`gan` trains through the two-network engine (only the discriminator is private);
`merf` through one Gaussian release of feature means (merf_training); the others
through dp_sgd (one private network). A text kind (`lm`) can join
with `modality="text"` and its own trainer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import InputError

if TYPE_CHECKING:
    import torch
    from torch import nn

    from aigc_guard.train.data import ImageDataset
    from aigc_guard.train.engine import TrainResult


@dataclass(frozen=True)
class ModelSpec:
    """One kind of generator: what builds, trains and samples it, and its tuned defaults."""

    name: str  # what users type: `aigc-guard train vae`
    model_kind: str  # what model.json and the privacy card say: "dp-vae"
    summary: str
    module: str  # the models submodule that holds the names below
    config_name: str
    network_name: str  # the network that is saved and samples
    sampler_name: str  # sampler(network, config, labels, generator) -> (N, H, W) in [0, 1]
    epochs: int
    batch_size: int
    lr: float
    ema_decay: float
    modality: str = "image"

    def _get(self, name: str) -> Any:
        return getattr(importlib.import_module(self.module), name)

    def config_class(self) -> type:
        return self._get(self.config_name)

    def default_config(self) -> Any:
        return self.config_class()()

    def config_from_json(self, data: dict[str, Any], *, source: str) -> Any:
        return self.config_class().from_json(data, source=source)  # type: ignore[attr-defined]

    def build(self, config: Any) -> nn.Module:
        return self._get(self.network_name)(config)

    def sample(
        self, network: nn.Module, config: Any, labels: torch.Tensor, generator: torch.Generator
    ) -> torch.Tensor:
        sampler: Callable[..., torch.Tensor] = self._get(self.sampler_name)
        return sampler(network, config, labels, generator)

    def train(self, data: ImageDataset, *, out_dir: Path, **options: Any) -> TrainResult:
        """Train this kind with DP-SGD; options as in train_dp_gan / dp_sgd.train_private."""
        if self.modality == "text":
            from aigc_guard.train.lm_training import train_dp_lm

            options = {key: value for key, value in options.items() if value is not None}
            return train_dp_lm(data, out_dir=out_dir, **options)  # type: ignore[arg-type,return-value]
        if self.name == "merf":
            from aigc_guard.train.merf_training import train_dp_merf

            return train_dp_merf(data, out_dir=out_dir, **options)
        if self.name == "gan":
            from aigc_guard.train.engine import train_dp_gan

            options = {key: value for key, value in options.items() if value is not None}
            if "lr" in options:  # one learning rate for both networks
                lr = options.pop("lr")
                options.setdefault("lr_d", lr)
                options.setdefault("lr_g", lr)
            return train_dp_gan(data, out_dir=out_dir, **options)
        from aigc_guard.train.dp_sgd import train_private

        return train_private(self, data, out_dir=out_dir, **options)


KINDS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="gan",
            model_kind="dp-gan",
            summary="class-conditional GAN; only the discriminator is trained with DP-SGD",
            module="aigc_guard.train.models.gan",
            config_name="GanConfig",
            network_name="Generator",
            sampler_name="gan_sample",
            epochs=50,
            batch_size=128,
            lr=5e-4,
            ema_decay=0.995,
        ),
        ModelSpec(
            name="vae",
            model_kind="dp-vae",
            summary="class-conditional VAE; the whole network is trained with DP-SGD",
            module="aigc_guard.train.models.vae",
            config_name="VaeConfig",
            network_name="ConditionalVae",
            sampler_name="vae_sample",
            epochs=60,
            batch_size=256,
            lr=2e-3,
            ema_decay=0.99,
        ),
        ModelSpec(
            name="diffusion",
            model_kind="dp-diffusion",
            summary="class-conditional diffusion U-Net, DP-SGD with noise multiplicity (DPDM)",
            module="aigc_guard.train.models.diffusion",
            config_name="DiffusionConfig",
            network_name="DiffusionUNet",
            sampler_name="diffusion_sample",
            epochs=60,
            batch_size=256,
            lr=2e-3,
            ema_decay=0.995,
        ),
        ModelSpec(
            name="merf",
            model_kind="dp-merf",
            summary="class-conditional generator fitted to one DP release of per-class random "
            "Fourier feature means (DP-MERF)",
            module="aigc_guard.train.models.merf",
            config_name="MerfConfig",
            network_name="MerfGenerator",
            sampler_name="merf_sample",
            epochs=1,  # one release: no epochs or batches (the trainer refuses both)
            batch_size=1,
            lr=1e-3,
            ema_decay=0.0,
        ),
        ModelSpec(
            name="lm",
            model_kind="dp-lm",
            summary="byte-level causal transformer on text records (.txt lines, .jsonl field)",
            module="aigc_guard.train.models.lm",
            config_name="LmConfig",
            network_name="ByteLM",
            sampler_name="",  # text: sampled by aigc_guard.train.text_generator
            epochs=10,
            batch_size=64,
            lr=3e-3,
            ema_decay=0.0,
            modality="text",
        ),
    )
}


def spec_for(name: str) -> ModelSpec:
    """The spec for a kind name (`gan`) or a model.json / card kind (`dp-gan`)."""
    for spec in KINDS.values():
        if name in (spec.name, spec.model_kind):
            return spec
    raise InputError(f"unknown model kind {name!r}; known: {', '.join(KINDS)}")
