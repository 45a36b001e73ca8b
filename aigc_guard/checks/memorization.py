"""Memorization check: is an output a near-duplicate of a training item?

An output fails when its distance to the nearest training item is at or below
the threshold: closer than fresh real data almost ever comes (the index's
threshold is calibrated on held-out data at a stated false-positive rate).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator

from aigc_guard.artifacts import Artifact, ArtifactKind, CheckResult
from aigc_guard.checks.base import Action, Check, CheckContext, CheckSettings, settings_of
from aigc_guard.errors import FingerprintIndexError, InputError

if TYPE_CHECKING:
    from aigc_guard.index import FingerprintIndex, NearestMatch


class MemorizationSettings(CheckSettings):
    """Near-duplicate check against the training-data fingerprint index."""

    threshold: Literal["calibrated"] | float = Field(
        default="calibrated",
        description="distance at or below which an output is a near-duplicate, "
        "or 'calibrated' for the index's threshold (held-out false-positive rate)",
    )
    on_fail: Literal["regenerate", "block", "allow"] = "regenerate"
    require_index: bool = Field(
        default=True, description="refuse to run without an index rather than skip the check"
    )

    @field_validator("threshold")
    @classmethod
    def _threshold_range(cls, value: str | float) -> str | float:
        if isinstance(value, float) and not 0.0 <= value <= 1.0:
            raise ValueError("expected 'calibrated' or a distance between 0 and 1")
        return value


class MemorizationCheck(Check):
    """Compare each output with the fingerprint index of its kind (`ImageIndex`, `TextIndex`)."""

    name: ClassVar[str] = "memorization"
    version: ClassVar[str] = "1.0"
    settings_model: ClassVar[type[CheckSettings]] = MemorizationSettings
    enabled_by_default: ClassVar[bool] = True

    def __init__(
        self,
        index: FingerprintIndex | Mapping[str, FingerprintIndex],
        *,
        threshold: float | None = None,
        on_fail: Action = "regenerate",
    ) -> None:
        super().__init__(on_fail=on_fail)
        indexes = dict(index) if isinstance(index, Mapping) else {getattr(index, "kind", ""): index}
        for kind, candidate in indexes.items():
            if not hasattr(candidate, "nearest") or getattr(candidate, "kind", None) != kind:
                raise InputError(
                    f"index: expected an ImageIndex or TextIndex, got {type(candidate).__name__}"
                )
        if not indexes:
            raise InputError("index: give at least one fingerprint index")
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
            or not math.isfinite(threshold)
            or not 0.0 <= threshold <= 1.0
        ):
            raise InputError(f"threshold={threshold!r}: expected None or a distance in [0, 1]")
        self.indexes: dict[str, FingerprintIndex] = indexes
        self._threshold = None if threshold is None else float(threshold)

    @classmethod
    def from_settings(cls, settings: CheckSettings, context: CheckContext) -> Check | None:
        settings = settings_of(settings, MemorizationSettings, check=cls.name)
        indexes = {kind: _loaded(index) for kind, index in context.indexes.items()}
        if not indexes:
            if settings.require_index:
                raise FingerprintIndexError(
                    f"policy {context.policy_id!r} runs the memorization check and requires an "
                    "index (checks.memorization.require_index); pass an index (build one with "
                    "`aigc-guard index build`) or set require_index: false"
                )
            return None
        threshold = None if settings.threshold == "calibrated" else float(settings.threshold)
        return cls(indexes, threshold=threshold, on_fail=settings.on_fail)

    @property
    def index(self) -> FingerprintIndex:
        """The only index, when there is one (most set-ups index one kind of data)."""
        if len(self.indexes) != 1:
            raise InputError(f"this check holds {len(self.indexes)} indexes; use .indexes")
        return next(iter(self.indexes.values()))

    @property
    def threshold(self) -> float:
        """The decision threshold of the only index (see `threshold_for`)."""
        return self.threshold_for(self.index)

    def threshold_for(self, index: FingerprintIndex) -> float:
        return float(index.threshold) if self._threshold is None else self._threshold

    def inspect(self, artifact: Artifact) -> CheckResult:
        """Pass when the nearest training item is strictly farther than the threshold."""
        kind = artifact.kind.value
        index = self.indexes.get(kind)
        if index is None:
            held = ", ".join(f"{k}s" for k in sorted(self.indexes))
            return self.skipped(f"the fingerprint index holds {held}, not {kind}s")
        threshold = self.threshold_for(index)
        if artifact.kind is ArtifactKind.IMAGE:
            view, match = self._nearest_view(index, artifact, threshold)
        else:
            view, match = None, index.nearest(artifact.text)
        criterion = _criterion(index, match, threshold)
        details: dict[str, Any] = {
            "distance": round(match.distance, 6),
            "threshold": round(threshold, 6),
            "threshold_source": "calibrated" if self._threshold is None else "policy",
            "criterion": criterion,
            "nearest_id": match.id,
        }
        if match.ratio is not None:
            details["ratio"] = round(match.ratio, 6)
            details["ratio_threshold"] = round(float(getattr(index, "ratio_threshold", 0.0)), 6)
        if view is not None:
            details["where"] = view if match.where is None else f"{view}, {match.where}"
        if match.phash_distance is not None:
            details["phash_distance"] = match.phash_distance
        return self.result(
            passed=criterion is None,
            details=details,
            summary=f"near-copy of {match.id} by {criterion}: distance {match.distance:.4f} "
            f"(threshold {threshold:.4f})",
        )

    @staticmethod
    def _nearest_view(
        index: FingerprintIndex, artifact: Artifact, threshold: float
    ) -> tuple[str, NearestMatch]:
        """Every frame and alpha channel is a picture of its own: the nearest-copy one."""
        found = [(label, index.nearest(picture)) for label, picture in artifact.image_views()]
        score = getattr(index, "score", None)
        if score is None:
            return min(found, key=lambda pair: pair[1].distance)
        return min(found, key=lambda pair: score(pair[1]))


def _criterion(index: FingerprintIndex, match: NearestMatch, threshold: float) -> str | None:
    """Which test calls `match` a near-copy ('distance', 'ratio'), None if none does."""
    decide = getattr(index, "criterion", None)
    if decide is not None:
        result: str | None = decide(match, threshold)
        return result
    return "distance" if match.id is not None and match.distance <= threshold else None


def _loaded(index: Any) -> FingerprintIndex:
    """An index object, loading it when given as a folder."""
    from pathlib import Path

    if isinstance(index, (str, Path)):
        from aigc_guard.index import load_index

        return load_index(index)
    return index
