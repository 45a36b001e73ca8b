"""The registry of generator adapters: built-ins here, third-party adapters through the
entry point group `aigc_guard.adapters`. `select.as_generator` tries them by priority."""

from __future__ import annotations

from typing import Any

from aigc_guard.adapters.base import GeneratorAdapter
from aigc_guard.errors import PluginError
from aigc_guard.plugins import ADAPTERS_GROUP, Registry


def _validate_adapter(name: str, plugin: Any) -> type[GeneratorAdapter]:
    if not (isinstance(plugin, type) and issubclass(plugin, GeneratorAdapter)):
        raise PluginError(f"adapter {name!r}: expected a subclass of GeneratorAdapter")
    if getattr(plugin, "name", None) != name:
        raise PluginError(
            f"adapter {name!r}: its class says name={getattr(plugin, 'name', None)!r}; "
            "the registry name and GeneratorAdapter.name must agree"
        )
    return plugin


ADAPTERS: Registry[type[GeneratorAdapter]] = Registry(
    "generator adapter",
    group=ADAPTERS_GROUP,
    builtins={
        "trained": "aigc_guard.adapters.trained:TrainedModelAdapter",
        "diffusers": "aigc_guard.adapters.diffusers_pipeline:DiffusersAdapter",
        "transformers": "aigc_guard.adapters.transformers_model:TransformersAdapter",
        "torch": "aigc_guard.adapters.torch_module:TorchModuleAdapter",
        "callable": "aigc_guard.adapters.callables:CallableAdapter",
    },
    validate=_validate_adapter,
)

__all__ = ["ADAPTERS"]
