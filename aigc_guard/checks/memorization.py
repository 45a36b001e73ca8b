"""Memorization check: is an output a near-duplicate of a training item?

An output fails when its distance to the nearest training item is at or below
the threshold: closer than fresh real data almost ever comes (the index's
threshold is calibrated on held-out data at a stated false-positive rate).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from aigc_guard.artifacts import Artifact, ArtifactKind, CheckResult
from aigc_guard.checks.base import Check
from aigc_guard.errors import InputError


class MemorizationCheck(Check):
    """Compare each output with a fingerprint index (`ImageIndex` or `TextIndex`)."""

    name: ClassVar[str] = "memorization"
    version: ClassVar[str] = "1.0"

    def __init__(self, index: Any, *, threshold: float | None = None) -> None:
        if not hasattr(index, "nearest") or getattr(index, "kind", None) not in ("image", "text"):
            raise InputError(
                f"index: expected an ImageIndex or TextIndex, got {type(index).__name__}"
            )
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, (int, float))
            or not math.isfinite(threshold)
            or not 0.0 <= threshold <= 1.0
        ):
            raise InputError(f"threshold={threshold!r}: expected None or a distance in [0, 1]")
        self.index = index
        self.threshold = float(index.threshold if threshold is None else threshold)
        self._calibrated = threshold is None

    def inspect(self, artifact: Artifact) -> CheckResult:
        """Pass when the nearest training item is strictly farther than the threshold."""
        kind = artifact.kind.value
        if kind != self.index.kind:
            return CheckResult(
                check=self.name,
                version=self.version,
                passed=True,
                skipped=True,
                reason=f"the fingerprint index holds {self.index.kind}s, not {kind}s",
            )
        query = artifact.image if artifact.kind is ArtifactKind.IMAGE else artifact.text
        match = self.index.nearest(query)
        details: dict[str, Any] = {
            "distance": round(match.distance, 6),
            "threshold": round(self.threshold, 6),
            "threshold_source": "calibrated" if self._calibrated else "policy",
            "nearest_id": match.id,
        }
        if match.phash_distance is not None:
            details["phash_distance"] = match.phash_distance
        return CheckResult(
            check=self.name,
            version=self.version,
            passed=match.distance > self.threshold,
            details=details,
        )
