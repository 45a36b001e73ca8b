"""Read the marks on a file and find the audit row it came from.

Three independent ways back to the row, tried in order: the watermark payload
(survives re-encoding), the content id asserted in the C2PA manifest (survives
a watermark-stripping edit that keeps the manifest), and the keyed hash of
the exact bytes (needs the guard's hash key).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.artifacts import IMAGE_SUFFIXES, MEDIA_TYPES, Artifact, ArtifactKind, read_input
from aigc_guard.errors import InputError
from aigc_guard.limits import DEFAULT_LIMITS, InputLimits
from aigc_guard.loading import read_bounded

MAX_SIDECAR_BYTES = 1_000_000

if TYPE_CHECKING:
    from aigc_guard.audit import AuditEntry, AuditLog
    from aigc_guard.marks.base import Watermarker, WatermarkReading
    from aigc_guard.marks.provenance import ProvenanceReading


@dataclass(frozen=True)
class VerifyReport:
    file: str
    watermark: WatermarkReading
    c2pa: ProvenanceReading
    audit: AuditEntry | None
    matched_by: str | None

    def to_dict(self) -> dict[str, Any]:
        audit = None
        if self.audit is not None:
            audit = {
                "id": self.audit.id,
                "decision": self.audit.decision,
                "content_id": self.audit.content_id,
                "created_at": self.audit.to_dict()["created_at"],
                "policy_id": self.audit.policy_id,
                "model_id": self.audit.model_id,
                "matched_by": self.matched_by,
            }
        c2pa = self.c2pa.to_dict()
        return {
            "file": self.file,
            "watermark": self.watermark.to_dict(),
            "c2pa": c2pa,
            "audit": audit,
        }


class Verifier:
    """Reads watermarks and manifests; looks rows up in an optional audit log.

    `limits` bounds what a file may cost to read (default: the default policy's).
    """

    def __init__(
        self,
        *,
        audit: AuditLog | None = None,
        trust_anchors_pem: bytes | None = None,
        limits: InputLimits = DEFAULT_LIMITS,
    ) -> None:
        self._audit = audit
        self._trust = trust_anchors_pem
        self._limits = limits
        self._detectors: dict[ArtifactKind, list[Watermarker]] = {}

    def detectors(self, kind: ArtifactKind) -> list[Watermarker]:
        """Every registered watermark detector for `kind` (built once per verifier)."""
        if kind not in self._detectors:
            from aigc_guard.marks.registry import WATERMARKS

            self._detectors[kind] = [cls() for _, cls in WATERMARKS if cls.kind is kind]
        return self._detectors[kind]

    def read_watermark(self, artifact: Artifact) -> WatermarkReading:
        """The first detector that finds a mark, else the last reading (found=False)."""
        readings = []
        for detector in self.detectors(artifact.kind):
            reading = detector.detect(artifact)
            if reading.found:
                return reading
            readings.append(reading)
        if not readings:
            raise InputError(f"no watermark detector is registered for {artifact.kind.value}s")
        return readings[-1]

    def verify_file(self, path: str | Path) -> VerifyReport:
        path = Path(path)
        data = read_input(path, self._limits)  # once: decoded, watermark-read, hashed, looked up
        artifact = Artifact.from_bytes(data, name=str(path), limits=self._limits)
        sidecar_path = path.with_name(path.name + ".c2pa")
        sidecar = (
            read_bounded(sidecar_path, max_bytes=MAX_SIDECAR_BYTES, budget="C2PA sidecars")
            if sidecar_path.is_file()
            else None
        )
        return self.verify_bytes(data, artifact=artifact, name=str(path), sidecar=sidecar)

    def verify_bytes(
        self, data: bytes, *, artifact: Artifact, name: str, sidecar: bytes | None = None
    ) -> VerifyReport:
        from aigc_guard.marks.provenance import read_provenance

        watermark = self.read_watermark(artifact)
        media_type = _media_type(name, artifact)
        c2pa = read_provenance(
            data, media_type=media_type, sidecar=sidecar, trust_anchors_pem=self._trust
        )
        entry, matched_by = self._find_row(data, watermark, c2pa)
        return VerifyReport(
            file=name, watermark=watermark, c2pa=c2pa, audit=entry, matched_by=matched_by
        )

    def _find_row(
        self, data: bytes, watermark: WatermarkReading, c2pa: ProvenanceReading
    ) -> tuple[AuditEntry | None, str | None]:
        from aigc_guard.marks.provenance import PRIVACY_LABEL

        if self._audit is None:
            return None, None
        if watermark.found and watermark.payload:
            entries = self._audit.find_by_content_id(watermark.payload)
            if entries:
                return entries[-1], "watermark"
        asserted = (c2pa.assertions.get(PRIVACY_LABEL) or {}).get("content_id")
        if asserted:
            entries = self._audit.find_by_content_id(asserted)
            if entries:
                return entries[-1], "c2pa"
        if self._audit.key_id is not None:
            entries = self._audit.find_by_content_hash(data)
            if entries:
                return entries[-1], "content_hash"
        return None, None


def _media_type(name: str, artifact: Artifact) -> str:
    if artifact.kind is ArtifactKind.TEXT:
        return "text/plain"
    image_format = IMAGE_SUFFIXES.get(Path(name).suffix.lower(), "PNG")
    return MEDIA_TYPES[image_format]
