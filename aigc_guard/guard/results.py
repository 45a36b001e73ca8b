"""What the guard hands back: one GuardResult per requested output."""

from __future__ import annotations

import errno
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigc_guard.artifacts import Artifact, CheckResult, Decision
from aigc_guard.fileio import write_bytes_new


@dataclass(frozen=True)
class GuardResult:
    """The final state of one output slot.

    `data` holds the delivered bytes (watermarked, signed PNG or UTF-8 text) and is
    None when the output was blocked. `sidecar` is the detached C2PA manifest of a
    text output. `audit_id` is the row that records this decision.
    """

    decision: Decision
    content_id: str
    audit_id: int
    checks: dict[str, CheckResult]
    reasons: tuple[str, ...] = ()
    artifact: Artifact | None = None
    data: bytes | None = None
    sidecar: bytes | None = None
    attempts: int = 1
    source: str | None = None
    marks: dict[str, Any] = field(default_factory=dict)

    @property
    def delivered(self) -> bool:
        return self.data is not None

    @property
    def suffix(self) -> str:
        return self.artifact.suffix if self.artifact is not None else ".bin"

    def save(self, path: str | Path) -> Path:
        """Write the delivered bytes (and `PATH.c2pa` for a text manifest) to new files.

        Never overwrites (FileExistsError when either file exists) and never leaves a
        partial file under either name (see `write_bytes_new`). The manifest is
        written first and removed again if the output cannot be, so an output never
        appears without it. `aigc_guard.delivery.OutputFolder` adds the audit trail.
        """
        if self.data is None:
            raise ValueError(f"output {self.content_id} was blocked; nothing to save")
        path = Path(path)
        sidecar = path.with_name(path.name + ".c2pa") if self.sidecar is not None else None
        if sidecar is not None and path.exists():
            raise FileExistsError(
                errno.EEXIST, "file exists; outputs are never overwritten", str(path)
            )
        if sidecar is not None:
            write_bytes_new(sidecar, self.sidecar)  # type: ignore[arg-type]
        try:
            write_bytes_new(path, self.data)
        except BaseException:
            if sidecar is not None:
                sidecar.unlink(missing_ok=True)
            raise
        return path

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_id": self.content_id,
            "decision": self.decision.value,
            "audit_id": self.audit_id,
            "attempts": self.attempts,
            "reasons": list(self.reasons),
            "checks": {name: result.to_dict() for name, result in self.checks.items()},
            "source": self.source,
        }


def summarize(results: Iterable[GuardResult]) -> dict[str, int]:
    """Counts per final decision plus the number of discarded (regenerated) candidates."""
    counts = {decision.value: 0 for decision in Decision}
    for result in results:
        counts[result.decision.value] += 1
        counts[Decision.REGENERATE.value] += result.attempts - 1
    return counts


__all__ = ["GuardResult", "summarize"]
