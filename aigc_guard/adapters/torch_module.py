"""A torch module mapping noise to images, as a generator."""

from __future__ import annotations

from typing import Any, ClassVar

from aigc_guard.adapters.base import GeneratorAdapter, generator_errors
from aigc_guard.artifacts import Artifact
from aigc_guard.errors import GeneratorError, InputError


def is_torch_module(obj: Any) -> bool:
    """True for torch.nn.Module instances, without importing torch when it is not loaded."""
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


class TorchModuleAdapter(GeneratorAdapter):
    """A torch module mapping noise (N, *noise_shape) to images (N, C, H, W).

    `noise_shape` defaults to `(module.latent_dim,)`; `value_range` is the range of
    the module's output ((-1, 1) for tanh generators, (0, 1) for sigmoid ones).
    """

    name: ClassVar[str] = "torch"
    priority: ClassVar[int] = 500  # after the library-specific torch adapters

    def __init__(
        self,
        module: Any,
        *,
        noise_shape: tuple[int, ...] | None = None,
        value_range: tuple[float, float] = (-1.0, 1.0),
        **common: Any,
    ) -> None:
        super().__init__(**common)
        if noise_shape is None:
            latent_dim = getattr(module, "latent_dim", None)
            if not isinstance(latent_dim, int):
                raise InputError(
                    f"{type(module).__name__} has no integer `latent_dim`; pass noise_shape=(...)"
                )
            noise_shape = (latent_dim,)
        low, high = value_range
        if not high > low:
            raise InputError(f"value_range must be (low, high) with high > low, got {value_range}")
        self._module = module
        self._noise_shape = tuple(noise_shape)
        self._range = (float(low), float(high))
        self.model_id = self.model_id or type(module).__name__

    @classmethod
    def matches(cls, generator: Any) -> bool:
        return is_torch_module(generator)

    def produce(self, n: int, *, prompt: str | None, seed: int | None) -> list[Artifact]:
        import torch

        generator = torch.Generator().manual_seed(seed) if seed is not None else None
        noise = torch.randn((n, *self._noise_shape), generator=generator)
        with generator_errors(f"module {self.model_id!r}"), torch.no_grad():
            images = self._module(noise)
        return [Artifact.from_image(image) for image in tensor_to_images(images, self._range)]


def tensor_to_images(batch: Any, value_range: tuple[float, float]) -> list[Any]:
    """(N, C, H, W) float tensor in `value_range` -> PIL images (L for C=1, RGB for C=3)."""
    import numpy as np
    import torch
    from PIL import Image

    if not isinstance(batch, torch.Tensor) or batch.dim() != 4 or batch.shape[1] not in (1, 3):
        shape = tuple(batch.shape) if isinstance(batch, torch.Tensor) else type(batch).__name__
        raise GeneratorError(f"expected an image tensor of shape (N, 1|3, H, W), got {shape}")
    low, high = value_range
    scaled = ((batch.detach().float().cpu() - low) / (high - low)).clamp(0, 1)
    pixels = (scaled * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    if pixels.shape[-1] == 1:
        return [Image.fromarray(np.ascontiguousarray(p[..., 0]), mode="L") for p in pixels]
    return [Image.fromarray(np.ascontiguousarray(p), mode="RGB") for p in pixels]
