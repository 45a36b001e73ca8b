"""Apply the marks a policy asks for: watermark first, then the signed C2PA manifest.

The order is fixed on purpose: the manifest's hash covers the watermarked bytes,
and the soft-binding assertion names the watermark and its payload, so the
watermark still leads to the audit row if the manifest is stripped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aigc_guard.artifacts import Artifact, ArtifactKind
from aigc_guard.marks.settings import MarksSettings

if TYPE_CHECKING:
    from PIL import Image

    from aigc_guard.marks.base import Watermarker
    from aigc_guard.marks.provenance import C2paProvenance


@dataclass(frozen=True)
class ProvenanceContext:
    """Facts about the output that the manifest asserts (no personal data)."""

    policy_id: str
    model_id: str | None = None
    model_revision: str | None = None
    epsilon: float | None = None
    delta: float | None = None


@dataclass(frozen=True)
class MarkedOutput:
    artifact: Artifact
    data: bytes
    sidecar: bytes | None
    record: dict[str, Any] = field(default_factory=dict)


class Marker:
    """Owns the watermarkers and the C2PA signer for one guard."""

    def __init__(self, settings: MarksSettings, provenance: C2paProvenance | None) -> None:
        self._policy = settings
        self._provenance = provenance
        self._watermarkers: dict[ArtifactKind, Watermarker] = {}

    def watermarker(self, kind: ArtifactKind) -> Watermarker:
        """The policy's watermarker for `kind`, from the registry, created on first use."""
        if kind not in self._watermarkers:
            from aigc_guard.marks.registry import WATERMARKS

            method = self._policy.watermark.method_for(kind)
            self._watermarkers[kind] = WATERMARKS.get(method)()
        return self._watermarkers[kind]

    def mark(
        self, artifact: Artifact, *, content_id: str, context: ProvenanceContext
    ) -> MarkedOutput:
        record: dict[str, Any] = {}
        if self._policy.watermark.enabled:
            artifact = self._watermark(artifact, content_id)
            marker = self.watermarker(artifact.kind)
            record["watermark"] = {
                "method": marker.name,
                "version": marker.version,
                "payload": content_id,
            }
        data = artifact.to_bytes()
        sidecar = None
        if self._policy.c2pa.enabled and self._provenance is not None:
            signed = self._provenance.sign(
                data,
                media_type=artifact.media_type,
                title=f"{content_id}{artifact.suffix}",
                assertions=self._assertions(content_id, context, record.get("watermark")),
            )
            data, sidecar = signed.data, signed.sidecar
            record["c2pa"] = {"signed": True, "embedded": sidecar is None}
        return MarkedOutput(artifact=artifact, data=data, sidecar=sidecar, record=record)

    def _watermark(self, artifact: Artifact, content_id: str) -> Artifact:
        """Every frame of an image carries the mark (its alpha channel follows any upscale)."""
        marker = self.watermarker(artifact.kind)
        if artifact.kind is not ArtifactKind.IMAGE:
            return marker.apply(artifact, content_id)
        from aigc_guard.marks.image_watermark import upscale_for_watermark

        min_side = self._policy.watermark.min_side

        def mark_frame(frame: Image.Image) -> Image.Image:
            large = upscale_for_watermark(frame, min_side=min_side)
            return marker.apply(Artifact.from_image(large), content_id).image  # type: ignore[return-value]

        return artifact.map_frames(mark_frame)

    def _assertions(
        self, content_id: str, context: ProvenanceContext, watermark: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        from aigc_guard.marks import provenance

        assertions = [
            provenance.created_action_assertion(
                digital_source_type=self._policy.c2pa.digital_source_type,
                software_agent=_software_agent(context),
            ),
            provenance.privacy_assertion(
                epsilon=context.epsilon,
                delta=context.delta,
                policy_id=context.policy_id,
                content_id=content_id,
                model_id=context.model_id,
            ),
        ]
        if watermark is not None:
            assertions.append(
                provenance.soft_binding_assertion(
                    watermark["method"], content_id, version=watermark["version"]
                )
            )
        return assertions


def _software_agent(context: ProvenanceContext) -> tuple[str, str | None] | None:
    """(name, version) of the model that made the output, for the C2PA softwareAgent."""
    return (context.model_id, context.model_revision) if context.model_id else None
