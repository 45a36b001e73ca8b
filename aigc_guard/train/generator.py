"""Load a trained generator of any kind (GAN, VAE, diffusion) with one call and sample it.

model.json names the kind (see kinds.py), which picks the architecture and its
sampler. Loading checks that the three files belong together: model.json describes the
architecture, generator.pt must fit it exactly, and the weights and the card must
hash to the card's model_id, with its epsilon recomputed from its own accounting
inputs (`card.verify_card`), so a card can never vouch for other weights or
overstate its guarantee.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import InputError, TrainingError
from aigc_guard.train.card import CARD_FILE, PrivacyCard, read_json, verify_card
from aigc_guard.train.rundir import CONFIG_FILE, WEIGHTS_FILE, load_weights_into

if TYPE_CHECKING:
    import numpy as np
    import torch
    from PIL import Image
    from torch import nn

    from aigc_guard.train.kinds import ModelSpec


class PrivateImageGenerator:
    """A DP-trained class-conditional image generator with its privacy card."""

    def __init__(
        self, module: nn.Module, *, card: PrivacyCard, config: Any, spec: ModelSpec | None = None
    ) -> None:
        from aigc_guard.train.kinds import spec_for

        self._module = module.eval()
        self._card = card
        self._config = config
        self._spec = spec_for(card.model_kind) if spec is None else spec

    @property
    def kind(self) -> str:
        """The kind name: gan, vae or diffusion."""
        return self._spec.name

    @property
    def card(self) -> PrivacyCard:
        return self._card

    @property
    def model_id(self) -> str:
        return self._card.model_id

    @property
    def module(self) -> nn.Module:
        """The torch network that samples (eval mode): the GAN's generator, the VAE, the U-Net."""
        return self._module

    @property
    def config(self) -> Any:
        return self._config

    @classmethod
    def load(cls, model_dir: Path) -> PrivateImageGenerator:
        """Load model.json, generator.pt and privacy_card.json; TrainingError names a bad file."""
        from aigc_guard.errors import InputError as UnknownKind
        from aigc_guard.train.kinds import spec_for

        model_dir = Path(model_dir)
        if not model_dir.is_dir():
            raise TrainingError(f"model directory not found: {model_dir}")
        config_path = model_dir / CONFIG_FILE
        data = read_json(config_path, what="model config")
        try:
            spec = spec_for(str(data.get("kind")))
        except UnknownKind as exc:
            raise TrainingError(f"{config_path}: {exc}") from exc
        if spec.modality != "image":
            raise TrainingError(
                f"{model_dir} holds a {spec.modality} model ({spec.name}): load it with "
                "aigc_guard.train.load_model (any kind) or PrivateTextGenerator.load"
            )
        config = spec.config_from_json(data, source=str(config_path))
        card = PrivacyCard.load(model_dir / CARD_FILE)
        if card.model_kind != spec.model_kind:
            raise TrainingError(
                f"{model_dir / CARD_FILE} is a card for a {card.model_kind!r} model, but "
                f"{config_path} describes a {spec.model_kind!r}"
            )
        module = spec.build(config)
        load_weights_into(
            module, model_dir / WEIGHTS_FILE, config_path=config_path, what="generator weights"
        )
        verify_card(card, module.state_dict(), source=str(model_dir))
        return cls(module, card=card, config=config, spec=spec)

    def generate(
        self, n: int, *, labels: Sequence[int] | None = None, seed: int | None = None
    ) -> list[Image.Image]:
        """Sample n 28x28 grayscale images; labels default to 0, 1, ..., 9, 0, 1, ...

        The same seed and labels give the same images.
        """
        from PIL import Image

        pixels = self.sample_array(n, labels=labels, seed=seed)
        return [Image.fromarray(pixels[i]) for i in range(n)]

    def sample_array(
        self, n: int, *, labels: Sequence[int] | None = None, seed: int | None = None
    ) -> np.ndarray:
        """Like generate, as one uint8 array (n, 28, 28)."""
        import torch

        label_tensor = self._labels(n, labels)
        generator = torch.Generator()
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed)
        images = self._spec.sample(self._module, self._config, label_tensor, generator)
        return (images * 255.0).round().clamp(0, 255).to(torch.uint8).numpy()

    def _labels(self, n: int, labels: Sequence[int] | None) -> torch.Tensor:
        import torch

        from aigc_guard.train.models.gan import default_labels

        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise InputError(f"n={n!r}: must be a positive integer")
        if labels is None:
            return default_labels(n, self._config.num_classes)
        values = list(labels)
        if len(values) != n:
            raise InputError(f"labels has {len(values)} entries; expected n={n}")
        classes = self._config.num_classes
        bad = [v for v in values if not _is_label(v, classes)]
        if bad:
            raise InputError(f"labels must be integers in 0..{classes - 1}; got {bad[:5]}")
        values = [operator.index(v) for v in values]
        return torch.tensor(values, dtype=torch.long)


def _is_label(value: object, classes: int) -> bool:
    if isinstance(value, bool):
        return False
    try:
        return 0 <= operator.index(value) < classes  # type: ignore[arg-type]  # int, numpy
    except TypeError:
        return False
