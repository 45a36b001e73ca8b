"""Pick the adapter for a generator object, and hand it the caller's options."""

from __future__ import annotations

import inspect
from typing import Any

from aigc_guard.adapters.base import GeneratorAdapter
from aigc_guard.errors import InputError


def as_generator(generator: Any, **options: Any) -> GeneratorAdapter:
    """Wrap `generator` in the first registered adapter (by priority) that accepts it.

    `options` go to that adapter's constructor; one it does not take is an error
    naming the options it does take (nothing is silently dropped).
    """
    from aigc_guard.adapters.registry import ADAPTERS

    if isinstance(generator, GeneratorAdapter):
        if options:
            raise InputError(
                f"generator options {sorted(options)} cannot apply to an adapter instance "
                f"({type(generator).__name__}); pass them to its constructor"
            )
        return generator
    adapters = sorted(
        (adapter for _, adapter in ADAPTERS), key=lambda adapter: (adapter.priority, adapter.name)
    )
    for adapter in adapters:
        if adapter.matches(generator):
            _check_options(adapter, options)
            return adapter(generator, **options)  # type: ignore[call-arg]  # subclasses wrap one
    kinds = ", ".join(adapter.name for adapter in adapters)
    raise InputError(
        f"cannot use a {type(generator).__name__} as a generator; the registered adapters "
        f"({kinds}) take a trained aigc_guard model, a torch module mapping noise to images, "
        "a diffusers pipeline, a transformers text-generation model or pipeline, or a callable "
        "returning PIL images or str"
    )


def _check_options(adapter: type[GeneratorAdapter], options: dict[str, Any]) -> None:
    accepted = _keyword_parameters(adapter)
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise InputError(
            f"the {adapter.name} adapter takes no option {', '.join(map(repr, unknown))}; "
            f"its options: {', '.join(sorted(accepted))}"
        )


def _keyword_parameters(adapter: type[GeneratorAdapter]) -> set[str]:
    """Keyword parameters of the adapter's constructor and of the base constructor."""
    names: set[str] = set()
    for cls in (adapter, GeneratorAdapter):
        parameters = inspect.signature(cls.__init__).parameters.values()
        names |= {p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}
    return names


__all__ = ["as_generator"]
