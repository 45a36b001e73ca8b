"""A text model trained by aigc_guard.train (`lm` kind) as a generator.

The prompt and the seed pass through; `max_tokens` and `temperature` are this
adapter's options. When the guard's policy asks for a generation-time watermark
(`marks.watermark.text_generation: green-list`), the guard sets
`generation_watermark` to a green-list logits processor, and every token is drawn
with it, so the outputs carry the keyed green-list signal.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from aigc_guard.adapters.base import GeneratorAdapter, generator_errors, to_artifacts
from aigc_guard.adapters.trained import with_carried_card
from aigc_guard.artifacts import Artifact


class TrainedTextAdapter(GeneratorAdapter):
    """A PrivateTextGenerator: it carries its privacy card (bound to its weights)."""

    name: ClassVar[str] = "trained-text"
    priority: ClassVar[int] = 5  # before "trained", which would not pass the prompt
    card_bound_to_weights: ClassVar[bool] = True
    #: The guard may set `generation_watermark` (a logits processor) on this adapter.
    takes_logits_processor: ClassVar[bool] = True

    def __init__(
        self,
        model: Any,
        *,
        max_tokens: int | None = None,
        temperature: float = 1.0,
        **common: Any,
    ) -> None:
        super().__init__(**with_carried_card(model, common))
        self._model = model
        self._options: dict[str, Any] = {"temperature": temperature}
        if max_tokens is not None:
            self._options["max_tokens"] = max_tokens
        #: A logits processor applied while sampling (set by the guard from its policy).
        self.generation_watermark: Any = None
        if self.model_id is None:
            self.model_id = model.card.model_id

    @classmethod
    def matches(cls, generator: Any) -> bool:
        module = sys.modules.get("aigc_guard.train.text_generator")  # not loaded: not one
        return module is not None and isinstance(generator, module.PrivateTextGenerator)

    def produce(self, n: int, *, prompt: str | None, seed: int | None) -> list[Artifact]:
        processors = [] if self.generation_watermark is None else [self.generation_watermark]
        with generator_errors(f"model {self.model_id!r}"):
            texts = self._model.generate(
                n, prompt=prompt, seed=seed, logits_processors=processors, **self._options
            )
        return to_artifacts(texts, expected=n, source=f"model {self.model_id!r}")


__all__ = ["TrainedTextAdapter"]
