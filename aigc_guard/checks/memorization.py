"""Memorization check: is an output a near-duplicate of a training item?

An output fails when its distance to the nearest training item is at or below
the threshold: closer than fresh real data almost ever comes (the index's
threshold is calibrated on held-out data at a stated false-positive rate).
Text also fails when it holds a verbatim run of a training record (see
`aigc_guard.index.text`). Each artifact kind is checked against the index of
its kind; with `require_index`, a kind without one is an error naming it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_args

from pydantic import Field, field_validator

from aigc_guard.artifacts import Artifact, ArtifactKind, CheckResult
from aigc_guard.checks.base import Action, Check, CheckContext, CheckSettings, settings_of
from aigc_guard.errors import FingerprintIndexError, InputError

if TYPE_CHECKING:
    from aigc_guard.index import FingerprintIndex, NearestMatch

IndexKind = Literal["image", "text"]
KINDS: tuple[str, ...] = get_args(IndexKind)
BUILD_HINTS = {
    "image": "`aigc-guard index build --out DIR` (mnist5k) or ImageIndex.build(...).save(DIR)",
    "text": "`aigc-guard index build --data corpus.txt|corpus.jsonl --out DIR`",
}


class MemorizationSettings(CheckSettings):
    """Near-duplicate check against the training-data fingerprint index."""

    threshold: Literal["calibrated"] | float = Field(
        default="calibrated",
        description="distance at or below which an output is a near-duplicate, "
        "or 'calibrated' for the index's threshold (held-out false-positive rate)",
    )
    on_fail: Literal["regenerate", "block", "allow"] = "regenerate"
    require_index: bool | list[IndexKind] = Field(
        default=True,
        description="true: every artifact kind checked needs an index of its kind (an error "
        "names the kind without one); a list: only those kinds (others are skipped); "
        "false: a kind without an index is skipped",
    )
    indexes: dict[IndexKind, str] = Field(
        default_factory=dict,
        description="index folder per artifact kind (image, text); an index given by the "
        "caller (--index) replaces the one named here for its kind",
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
        self.required_kinds: tuple[str, ...] = ()  # set from a policy's require_index
        self.policy_id = "<none>"

    @classmethod
    def from_settings(cls, settings: CheckSettings, context: CheckContext) -> Check | None:
        settings = settings_of(settings, MemorizationSettings, check=cls.name)
        named: dict[str, Any] = {str(k): v for k, v in settings.indexes.items()}
        named.update(context.indexes)
        indexes = {kind: _loaded(kind, index) for kind, index in named.items()}
        required = _required_kinds(settings.require_index)
        if not indexes:
            if required:
                raise FingerprintIndexError(_missing_index(context.policy_id, required))
            return None
        threshold = None if settings.threshold == "calibrated" else float(settings.threshold)
        check = cls(indexes, threshold=threshold, on_fail=settings.on_fail)
        check.required_kinds, check.policy_id = required, context.policy_id
        return check

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
            if kind in self.required_kinds:
                raise FingerprintIndexError(_missing_index(self.policy_id, (kind,)))
            held = ", ".join(f"{k}s" for k in sorted(self.indexes))
            return self.skipped(f"the fingerprint index holds {held}, not {kind}s")
        if artifact.kind is ArtifactKind.TEXT:
            from aigc_guard.checks.memorization_text import text_result

            return text_result(self, index, artifact.text or "", self.threshold_for(index))
        threshold = self.threshold_for(index)
        view, match = self._nearest_view(index, artifact, threshold)
        criterion = _criterion(index, match, threshold)
        details: dict[str, Any] = {
            "distance": round(match.distance, 6),
            "threshold": round(threshold, 6),
            "threshold_source": self.threshold_source,
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

    @property
    def threshold_source(self) -> str:
        return "calibrated" if self._threshold is None else "policy"

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


def _required_kinds(require_index: bool | Sequence[str]) -> tuple[str, ...]:
    if require_index is True:
        return KINDS
    return tuple(require_index) if isinstance(require_index, list) else ()


def _missing_index(policy_id: str, kinds: tuple[str, ...]) -> str:
    """Which kinds lack an index, and how to build one for each."""
    hints = "; ".join(f"for {kind}: {BUILD_HINTS[kind]}" for kind in kinds)
    names = " and ".join(f"{kind}s" for kind in kinds)
    return (
        f"policy {policy_id!r} runs the memorization check on {names} and requires an index "
        f"for them (checks.memorization.require_index), but no {' or '.join(kinds)} index was "
        f"given; build one ({hints}) and pass it with --index DIR (repeat --index for several "
        "kinds) or name it under checks.memorization.indexes, or set require_index: false"
    )


def _loaded(kind: str, index: Any) -> FingerprintIndex:
    """An index object for `kind`, loading it when given as a folder."""
    from pathlib import Path

    if isinstance(index, (str, Path)):
        from aigc_guard.index import load_index

        loaded: Any = load_index(index)
        if loaded.kind != kind:
            raise FingerprintIndexError(
                f"{index}: is a {loaded.kind} index, named for {kind}s; build a {kind} index "
                f"({BUILD_HINTS.get(kind, 'aigc-guard index build')})"
            )
        return loaded
    return index
