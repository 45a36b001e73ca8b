"""Turn any supported generator into one uniform batch call.

Supported: aigc_guard's own trained models (anything with `generate(n, seed=...)`),
a torch module mapping noise to image tensors, and any callable returning PIL
images or strings. `as_generator` picks the adapter; each adapter returns
Artifacts and raises GeneratorError when the wrapped object fails.
"""

from aigc_guard.adapters.base import GeneratorAdapter, as_generator

__all__ = ["GeneratorAdapter", "as_generator"]
