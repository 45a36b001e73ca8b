"""The adapter interface: a generator seen as `produce(n, prompt, seed) -> n Artifacts`.

Every adapter accepts the same two options, whatever it wraps: `model_id` (the name
recorded in the audit log and the C2PA manifest) and `card` (a privacy card, so any
generator can carry its DP guarantee into rows and manifests). Adapter-specific
options are keyword arguments of the adapter's constructor; `select.as_generator`
refuses an option no adapter parameter takes, naming the ones it does take.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from aigc_guard.artifacts import Artifact
from aigc_guard.errors import AigcGuardError, GeneratorError


class GeneratorAdapter(ABC):
    """A generator seen as `produce(n, prompt, seed) -> n Artifacts`.

    Class attributes: `name` (registry name), `priority` (lower is tried first when
    several adapters accept an object) and `matches(obj)`, which says whether the
    adapter can wrap `obj`.
    """

    name: ClassVar[str]
    priority: ClassVar[int] = 100

    def __init__(
        self, *, model_id: str | None = None, card: Any = None, model_revision: str | None = None
    ) -> None:
        #: Stable name recorded in the audit log (for our trained models, the model id).
        self.model_id = model_id
        #: A privacy card (`aigc_guard.train.PrivacyCard`) when the generator has one.
        self.privacy_card = card
        #: The model's revision (a commit hash, a version), recorded beside model_id.
        self.model_revision = model_revision

    @classmethod
    @abstractmethod
    def matches(cls, generator: Any) -> bool:
        """Whether this adapter can wrap `generator`."""

    @abstractmethod
    def produce(self, n: int, *, prompt: str | None, seed: int | None) -> list[Artifact]:
        """Return exactly `n` artifacts or raise GeneratorError."""

    def produce_for(
        self, slots: Sequence[int], *, prompt: str | None, seed: int | None
    ) -> list[Artifact]:
        """One artifact for each of `slots` (positions 0..n-1 in the caller's request).

        The guard draws through this, so an adapter whose outputs are conditioned per
        position (a class-conditional model asked for digit `slot % 10`) can keep a
        regenerated output on the class it was asked for. By default the position
        does not matter.
        """
        return self.produce(len(slots), prompt=prompt, seed=seed)


@contextmanager
def generator_errors(source: str) -> Iterator[None]:
    """Whatever the wrapped generator raises becomes a GeneratorError naming `source`
    (our own errors pass through unchanged)."""
    try:
        yield
    except AigcGuardError:
        raise
    except Exception as exc:
        raise GeneratorError(f"{source} raised {type(exc).__name__}: {exc}") from exc


def to_artifacts(values: Any, *, expected: int, source: str) -> list[Artifact]:
    """Normalise what a generator returned (one item or a list) into `expected` Artifacts."""
    from PIL import Image

    items = list(values) if isinstance(values, (list, tuple)) else [values]
    if len(items) != expected:
        raise GeneratorError(f"{source} returned {len(items)} outputs, expected {expected}")
    artifacts = []
    for position, item in enumerate(items):
        if isinstance(item, Image.Image):
            artifacts.append(Artifact.from_image(item))
        elif isinstance(item, str):
            artifacts.append(Artifact.from_text(item))
        else:
            raise GeneratorError(
                f"{source} output {position} is a {type(item).__name__}; "
                "expected a PIL image or a str"
            )
    return artifacts


__all__ = ["GeneratorAdapter", "generator_errors", "to_artifacts"]
