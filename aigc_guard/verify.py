"""Trace a file to the audit row it came from, through evidence that was checked.

A file is linked to a row only through:

- a C2PA manifest that is valid (signature and hard binding: the file's bytes are
  the bytes that were signed) and whose signer chains to a configured trust anchor
  (a trust list file; never the signer's own keys folder by default), through the
  content id it asserts; or
- a keyed watermark whose payload decodes under a watermark key (a MAC that nobody
  without the key can forge), with the file still looking like the row's delivered
  output (its perceptual fingerprint for images; its keyed content hash for text),
  since a key does not stop a mark being copied onto another file.

Everything else is reported and not linked: an invalid or untrusted manifest, a
manifest transplanted from another file (its hard binding fails), a copied mark, or
evidence that disagrees. `trace.status` says which; only "traced" links a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.artifacts import IMAGE_SUFFIXES, MEDIA_TYPES, Artifact, ArtifactKind, read_input
from aigc_guard.limits import DEFAULT_LIMITS, InputLimits
from aigc_guard.loading import read_bounded

MAX_SIDECAR_BYTES = 1_000_000

if TYPE_CHECKING:
    from aigc_guard.audit import AuditEntry, AuditLog
    from aigc_guard.credentials.watermark_key import WatermarkKey
    from aigc_guard.marks.base import Watermarker, WatermarkReading
    from aigc_guard.marks.provenance import ProvenanceReading

#: Statuses that link the file to a row (exit 0); every other one is a negative finding.
LINKED = ("traced",)
SIDECAR_SUFFIX = ".c2pa"


@dataclass(frozen=True)
class Trace:
    """How a file relates to the audit log, and on what evidence."""

    status: str
    manifest: str
    evidence: list[str] = field(default_factory=list)
    content_hash_match: bool | None = None
    fingerprint: dict[str, Any] | None = None
    claimed_row: int | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "evidence": list(self.evidence), "manifest": self.manifest,
                "content_hash_match": self.content_hash_match, "fingerprint": self.fingerprint,
                "claimed_row": self.claimed_row, "problems": list(self.problems)}  # fmt: skip


@dataclass(frozen=True)
class VerifyReport:
    file: str
    watermark: WatermarkReading
    c2pa: ProvenanceReading
    audit: AuditEntry | None
    matched_by: str | None
    trace: Trace

    @property
    def ok(self) -> bool:
        return self.trace.status in LINKED

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
                "content_hash_match": self.trace.content_hash_match,
            }
        return {"file": self.file, "watermark": self.watermark.to_dict(),
                "c2pa": self.c2pa.to_dict(), "audit": audit,
                "trace": self.trace.to_dict()}  # fmt: skip


class Verifier:
    """Reads keyed watermarks and manifests; traces files to rows of an optional audit log.

    `trust_anchors_pem`: the CA certificates a manifest's signer must chain to (PEM).
    `watermark_keys`: the keys whose watermarks count as evidence.

    `limits` bounds what a file may cost to read (default: the default policy's).
    """

    def __init__(
        self,
        *,
        audit: AuditLog | None = None,
        trust_anchors_pem: bytes | None = None,
        watermark_keys: list[WatermarkKey] | tuple[WatermarkKey, ...] = (),
        limits: InputLimits = DEFAULT_LIMITS,
    ) -> None:
        self._audit = audit
        self._trust = trust_anchors_pem
        self._keys = list(watermark_keys)
        self._limits = limits
        self._detectors: dict[ArtifactKind, list[Watermarker]] = {}

    def detectors(self, kind: ArtifactKind) -> list[Watermarker]:
        """One detector per (keyed watermark method for `kind`, key); built once."""
        if kind not in self._detectors:
            from aigc_guard.marks.registry import WATERMARKS

            self._detectors[kind] = [
                cls(key)  # type: ignore[call-arg]
                for _, cls in WATERMARKS
                if cls.kind is kind and cls.keyed
                for key in self._keys
            ]
        return self._detectors[kind]

    def read_watermark(self, artifact: Artifact) -> WatermarkReading:
        """The first keyed detector that finds a mark, else a reading that says why not."""
        from aigc_guard.marks.base import WatermarkReading

        reading = None
        for detector in self.detectors(artifact.kind):
            reading = detector.detect(artifact)
            if reading.found:
                return reading
        if reading is not None:
            return reading
        return WatermarkReading(found=False, payload=None, method="none",
                                details={"reason": "no watermark key configured"})  # fmt: skip

    def verify_file(self, path: str | Path) -> VerifyReport:
        path = Path(path)
        data = read_input(path, self._limits)  # once: decoded, watermark-read, hashed, looked up
        artifact = Artifact.from_bytes(data, name=str(path), limits=self._limits)
        sidecar_path = path.with_name(path.name + SIDECAR_SUFFIX)
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
        c2pa = read_provenance(
            data, media_type=_media_type(name, artifact), sidecar=sidecar,
            trust_anchors_pem=self._trust,
        )  # fmt: skip
        from aigc_guard.verify_evidence import EvidenceCheck

        check = EvidenceCheck(self._audit, data=data, artifact=artifact)
        trace, entry, matched_by = check.trace(watermark, c2pa)
        return VerifyReport(file=name, watermark=watermark, c2pa=c2pa, audit=entry,
                            matched_by=matched_by, trace=trace)  # fmt: skip


def _media_type(name: str, artifact: Artifact) -> str:
    if artifact.kind is ArtifactKind.TEXT:
        return "text/plain"
    suffix = Path(name).suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        return "image/png"
    return MEDIA_TYPES[IMAGE_SUFFIXES[suffix]]


__all__ = ["LINKED", "SIDECAR_SUFFIX", "Trace", "Verifier", "VerifyReport"]
