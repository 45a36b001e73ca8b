"""Plain Python callables as generators.

Two calling conventions, chosen from the signature so users need no wrapper:
a callable with a parameter named `n` is called once per batch as
`fn(n=k[, prompt=p][, seed=s])` and returns a list; any other callable is
called once per output as `fn(prompt)` (or `fn()` if it takes no argument)
and returns one PIL image or str.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

from aigc_guard.adapters.base import GeneratorAdapter, generator_errors, to_artifacts
from aigc_guard.artifacts import Artifact


class CallableAdapter(GeneratorAdapter):
    name: ClassVar[str] = "callable"
    priority: ClassVar[int] = 1000  # anything callable: the last resort

    def __init__(self, fn: Callable[..., Any], **common: Any) -> None:
        super().__init__(**common)
        self._fn = fn
        if self.model_id is None:
            self.model_id = getattr(fn, "__qualname__", type(fn).__name__)
        parameters = _names(fn)
        self._batched = "n" in parameters
        self._takes_prompt = "prompt" in parameters or (not self._batched and len(parameters) > 0)
        self._takes_seed = "seed" in parameters

    @classmethod
    def matches(cls, generator: Any) -> bool:
        return callable(generator)

    def produce(self, n: int, *, prompt: str | None, seed: int | None) -> list[Artifact]:
        source = f"generator {self.model_id!r}"
        if self._batched:
            kwargs: dict[str, Any] = {"n": n}
            if "prompt" in _names(self._fn):
                kwargs["prompt"] = prompt
            if self._takes_seed:
                kwargs["seed"] = seed
            return to_artifacts(self._call(**kwargs), expected=n, source=source)
        outputs = []
        for _ in range(n):
            value = self._call(prompt) if self._takes_prompt else self._call()
            outputs.extend(to_artifacts(value, expected=1, source=source))
        return outputs

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        with generator_errors(f"generator {self.model_id!r}"):
            return self._fn(*args, **kwargs)


def _names(fn: Callable[..., Any]) -> list[str]:
    """Parameter names of `fn` ([] for builtins without a signature)."""
    try:
        return list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return []
