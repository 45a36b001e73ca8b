"""Shared helpers of the Hugging Face adapters (diffusers, transformers), which are an
optional extra (`pip install aigc_guard[hf]`): recognising their objects without
importing them, and naming the model they wrap.
"""

from __future__ import annotations

from typing import Any


def has_base(obj: Any, package: str, class_name: str) -> bool:
    """True when a class named `class_name` from `package` is among the bases of `obj`'s
    type; the check imports nothing, so `import aigc_guard` stays light."""
    return any(
        cls.__name__ == class_name and cls.__module__.split(".")[0] == package
        for cls in type(obj).__mro__
    )


def model_name(obj: Any, config: Any) -> str:
    """The name a Hugging Face object was loaded under, else its class name."""
    for candidate in (
        getattr(obj, "name_or_path", None),
        getattr(config, "_name_or_path", None),
        config.get("_name_or_path") if isinstance(config, dict) else None,
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return type(obj).__name__


def model_revision(config: Any) -> str | None:
    """The hub commit the weights came from, when the loader recorded one."""
    value = getattr(config, "_commit_hash", None)
    if value is None and isinstance(config, dict):
        value = config.get("_commit_hash")
    return value if isinstance(value, str) and value else None


def seeded_generator(seed: int | None) -> Any:
    """A torch.Generator seeded with `seed`, or None (the library draws its own)."""
    if seed is None:
        return None
    import torch

    return torch.Generator().manual_seed(seed)
