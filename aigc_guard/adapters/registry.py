"""The registry of generator adapters: built-ins here, third-party adapters through the
entry point group `aigc_guard.adapters`. `select.as_generator` tries them by priority."""

from __future__ import annotations

from aigc_guard.adapters.base import GeneratorAdapter
from aigc_guard.plugins import ADAPTERS_GROUP, Registry, subclass_validator

ADAPTERS: Registry[type[GeneratorAdapter]] = Registry(
    "generator adapter",
    group=ADAPTERS_GROUP,
    builtins={
        "trained-text": "aigc_guard.adapters.trained_text:TrainedTextAdapter",
        "trained": "aigc_guard.adapters.trained:TrainedModelAdapter",
        "diffusers": "aigc_guard.adapters.diffusers_pipeline:DiffusersAdapter",
        "transformers": "aigc_guard.adapters.transformers_model:TransformersAdapter",
        "torch": "aigc_guard.adapters.torch_module:TorchModuleAdapter",
        "callable": "aigc_guard.adapters.callables:CallableAdapter",
    },
    validate=subclass_validator("generator adapter", GeneratorAdapter),
)

__all__ = ["ADAPTERS"]
