"""A model trained by aigc_guard.train: it samples itself and carries its privacy card."""

from __future__ import annotations

from typing import Any, ClassVar

from aigc_guard.adapters.base import GeneratorAdapter, to_artifacts
from aigc_guard.artifacts import Artifact
from aigc_guard.errors import AigcGuardError, GeneratorError, InputError


class TrainedModelAdapter(GeneratorAdapter):
    """A model trained by aigc_guard.train (it carries its privacy card)."""

    name: ClassVar[str] = "trained"
    priority: ClassVar[int] = 10
    #: Loading checked the card against these weights, so a manifest may state its epsilon.
    card_bound_to_weights: ClassVar[bool] = True

    def __init__(self, model: Any, **common: Any) -> None:
        if common.get("card") is not None:
            raise InputError(
                "a trained aigc_guard model carries its own privacy card (bound to its weights); "
                "card= cannot replace it"
            )
        common["card"] = model.card
        super().__init__(**common)
        self._model = model
        if self.model_id is None:
            self.model_id = getattr(model, "model_id", None) or model.card.model_id

    @classmethod
    def matches(cls, generator: Any) -> bool:
        return hasattr(generator, "generate") and hasattr(generator, "card")

    def produce(self, n: int, *, prompt: str | None, seed: int | None) -> list[Artifact]:
        try:
            outputs = self._model.generate(n, seed=seed)
        except AigcGuardError:
            raise
        except Exception as exc:
            raise GeneratorError(
                f"model {self.model_id!r} raised {type(exc).__name__}: {exc}"
            ) from exc
        return to_artifacts(outputs, expected=n, source=f"model {self.model_id!r}")
