"""The adapter interface and the dispatcher that picks one for a generator object."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from aigc_guard.artifacts import Artifact
from aigc_guard.errors import GeneratorError, InputError


class GeneratorAdapter(ABC):
    """A generator seen as `produce(n, prompt, seed) -> n Artifacts`."""

    #: Stable name recorded in the audit log (for our models, the model id).
    model_id: str | None = None
    #: The privacy card of a DP-trained model, when the generator has one.
    privacy_card: Any = None

    @abstractmethod
    def produce(self, n: int, *, prompt: str | None, seed: int | None) -> list[Artifact]:
        """Return exactly `n` artifacts or raise GeneratorError."""


def to_artifacts(values: Any, *, expected: int, source: str) -> list[Artifact]:
    """Normalise what a generator returned (one item or a list) into `expected` Artifacts."""
    from PIL import Image

    items = list(values) if isinstance(values, (list, tuple)) else [values]
    if len(items) != expected:
        raise GeneratorError(f"{source} returned {len(items)} outputs, expected {expected}")
    artifacts = []
    for position, item in enumerate(items):
        if isinstance(item, Image.Image):
            artifacts.append(Artifact.from_image(item))
        elif isinstance(item, str):
            artifacts.append(Artifact.from_text(item))
        else:
            raise GeneratorError(
                f"{source} output {position} is a {type(item).__name__}; "
                "expected a PIL image or a str"
            )
    return artifacts


def as_generator(generator: Any, **options: Any) -> GeneratorAdapter:
    """Pick the adapter for `generator`.

    Order matters: an adapter instance passes through; objects with a
    `generate` method and a privacy card are our trained models; torch modules
    are checked before plain callables because modules are callable too.
    """
    from aigc_guard.adapters.callables import CallableAdapter
    from aigc_guard.adapters.models import TorchModuleAdapter, TrainedModelAdapter, is_torch_module

    if isinstance(generator, GeneratorAdapter):
        return generator
    if hasattr(generator, "generate") and hasattr(generator, "card"):
        return TrainedModelAdapter(generator)
    if is_torch_module(generator):
        return TorchModuleAdapter(generator, **options)
    if callable(generator):
        return CallableAdapter(generator)
    raise InputError(
        f"cannot use a {type(generator).__name__} as a generator; pass a trained aigc_guard "
        "model, a torch module mapping noise to images, or a callable returning PIL images or str"
    )
