"""A diffusers pipeline (any DiffusionPipeline whose call returns `.images`) as a generator.

Prompts, seeds and generation keyword arguments pass through: a pipeline whose call
takes a `prompt` gets `prompt=` and `num_images_per_prompt=n`; an unconditional one
gets `batch_size=n`. The pipeline's name and hub revision go into the audit row and
the C2PA softwareAgent.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

from aigc_guard.adapters.base import GeneratorAdapter, generator_errors, to_artifacts
from aigc_guard.adapters.huggingface import has_base, model_name, model_revision, seeded_generator
from aigc_guard.artifacts import Artifact
from aigc_guard.errors import GeneratorError, InputError


class DiffusersAdapter(GeneratorAdapter):
    """Wrap a `diffusers.DiffusionPipeline`; `generation_kwargs` go to every call
    (e.g. `{"num_inference_steps": 25, "guidance_scale": 7.5}`)."""

    name: ClassVar[str] = "diffusers"
    priority: ClassVar[int] = 20

    def __init__(
        self, pipeline: Any, *, generation_kwargs: Mapping[str, Any] | None = None, **common: Any
    ) -> None:
        super().__init__(**common)
        self._pipeline = pipeline
        self._kwargs = dict(generation_kwargs or {})
        reserved = {"prompt", "generator", "batch_size", "num_images_per_prompt", "output_type"}
        clash = sorted(reserved & set(self._kwargs))
        if clash:
            raise InputError(
                f"generation_kwargs may not set {', '.join(clash)}: the guard sets them "
                "(pass prompt= and seed= to guard.generate)"
            )
        parameters = inspect.signature(pipeline.__call__).parameters
        self._takes_prompt = "prompt" in parameters
        config = getattr(pipeline, "config", None)
        if self.model_id is None:
            self.model_id = model_name(pipeline, config)
        if self.model_revision is None:
            self.model_revision = model_revision(config)

    @classmethod
    def matches(cls, generator: Any) -> bool:
        return has_base(generator, "diffusers", "DiffusionPipeline")

    def produce(self, n: int, *, prompt: str | None, seed: int | None) -> list[Artifact]:
        kwargs = {**self._kwargs, "generator": seeded_generator(seed), "output_type": "pil"}
        if self._takes_prompt:
            kwargs.update(prompt=prompt or "", num_images_per_prompt=n)
        elif prompt is not None:
            raise GeneratorError(f"pipeline {self.model_id!r} is unconditional: it takes no prompt")
        else:
            kwargs["batch_size"] = n
        with generator_errors(f"pipeline {self.model_id!r}"):
            output = self._pipeline(**kwargs)
        images = getattr(output, "images", None)
        if images is None:
            raise GeneratorError(f"pipeline {self.model_id!r} returned no `.images`")
        return to_artifacts(list(images), expected=n, source=f"pipeline {self.model_id!r}")
