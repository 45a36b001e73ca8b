"""A model trained by aigc_guard.train: it samples itself and carries its privacy card.

A class-conditional model is asked for class `labels[slot]` for each output position
(by default `slot % num_classes`, a balanced set), and a regenerated output is drawn
again for the class its position asked for.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

from aigc_guard.adapters.base import GeneratorAdapter, generator_errors, to_artifacts
from aigc_guard.artifacts import Artifact
from aigc_guard.errors import InputError


def with_carried_card(model: Any, common: dict[str, Any]) -> dict[str, Any]:
    """The adapter options with the trained model's own card: its card is bound to its
    weights, so a `card=` passed beside it is refused rather than silently replaced."""
    if common.get("card") is not None:
        raise InputError(
            "a trained aigc_guard model carries its own privacy card (bound to its weights); "
            "card= cannot replace it"
        )
    return {**common, "card": model.card}


class TrainedModelAdapter(GeneratorAdapter):
    """A model trained by aigc_guard.train (it carries its privacy card)."""

    name: ClassVar[str] = "trained"
    priority: ClassVar[int] = 10
    #: Loading checked the card against these weights, so a manifest may state its epsilon.
    card_bound_to_weights: ClassVar[bool] = True

    def __init__(self, model: Any, *, labels: Sequence[int] | None = None, **common: Any) -> None:
        super().__init__(**with_carried_card(model, common))
        self._model = model
        self._conditional = "labels" in inspect.signature(model.generate).parameters
        self._classes = int(getattr(getattr(model, "config", None), "num_classes", 0) or 0)
        if labels is not None and not self._conditional:
            raise InputError(f"{type(model).__name__} is not class-conditional: labels= unused")
        self._labels = None if labels is None else list(labels)
        if self.model_id is None:
            self.model_id = getattr(model, "model_id", None) or model.card.model_id

    @classmethod
    def matches(cls, generator: Any) -> bool:
        return hasattr(generator, "generate") and hasattr(generator, "card")

    def produce(self, n: int, *, prompt: str | None, seed: int | None) -> list[Artifact]:
        return self.produce_for(range(n), prompt=prompt, seed=seed)

    def produce_for(
        self, slots: Sequence[int], *, prompt: str | None, seed: int | None
    ) -> list[Artifact]:
        n = len(slots)
        options: dict[str, Any] = {"seed": seed}
        if self._conditional:
            options["labels"] = [self.label_for(slot) for slot in slots]
        with generator_errors(f"model {self.model_id!r}"):
            outputs = self._model.generate(n, **options)
        return to_artifacts(outputs, expected=n, source=f"model {self.model_id!r}")

    def label_for(self, slot: int) -> int | None:
        """The class output position `slot` is asked for (None for an unconditional model)."""
        if not self._conditional:
            return None
        if self._labels is not None:
            if slot >= len(self._labels):
                raise InputError(f"labels= names {len(self._labels)} classes; slot {slot} has none")
            return int(self._labels[slot])
        return slot % self._classes if self._classes else None
