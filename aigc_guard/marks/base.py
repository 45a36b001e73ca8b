"""Interfaces for marks: an invisible watermark and a provenance manifest.

The watermark goes in first; the C2PA manifest is then signed over the
watermarked bytes (re-encoding a signed file would drop the manifest).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aigc_guard.artifacts import Artifact, ArtifactKind


@dataclass(frozen=True)
class WatermarkReading:
    """What a detector read. `payload` is the content id (hex) when found, else None."""

    found: bool
    payload: str | None
    method: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"found": self.found, "payload": self.payload, "method": self.method, **self.details}


class Watermarker(ABC):
    """Embed and detect a payload (a content id) in one kind of artifact.

    A `keyed` watermarker is built with a `WatermarkKey` (`cls(key)`): its payloads
    can be neither written nor read without the key, so only its readings are
    evidence that `verify` links to an audit row. Unkeyed ones are built with `cls()`.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    kind: ClassVar[ArtifactKind]
    keyed: ClassVar[bool] = False

    @abstractmethod
    def apply(self, artifact: Artifact, payload: str) -> Artifact:
        """Return `artifact` carrying `payload` (a hex content id, see marks.payload)."""

    @abstractmethod
    def detect(self, artifact: Artifact) -> WatermarkReading:
        """Read the payload back; found=False when none is present or it fails its checksum."""
