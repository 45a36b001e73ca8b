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

    from aigc_guard.credentials.watermark_key import WatermarkKey
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
    guarantee: str | None = None


@dataclass(frozen=True)
class MarkedOutput:
    artifact: Artifact
    data: bytes
    sidecar: bytes | None
    record: dict[str, Any] = field(default_factory=dict)


class Marker:
    """Owns the watermarkers and the C2PA signer for one guard."""

    def __init__(
        self,
        settings: MarksSettings,
        provenance: C2paProvenance | None,
        *,
        watermark_key: WatermarkKey | None = None,
    ) -> None:
        self._policy = settings
        self._provenance = provenance
        self._key = watermark_key
        self._watermarkers: dict[ArtifactKind, Watermarker] = {}

    def arm_generator(self, adapter: Any) -> dict[str, Any]:
        """Hand `adapter` the policy's generation-time watermark (marks.generation)."""
        from aigc_guard.marks.generation import arm_generation_watermark

        return arm_generation_watermark(self._policy, self._key, adapter)

    def watermarker(self, kind: ArtifactKind) -> Watermarker:
        """The policy's watermarker for `kind`, from the registry, created on first use."""
        if kind not in self._watermarkers:
            from aigc_guard.marks.registry import WATERMARKS, build_watermarker

            method = self._policy.watermark.method_for(kind)
            self._watermarkers[kind] = build_watermarker(WATERMARKS.get(method), self._key)
        return self._watermarkers[kind]

    def mark(
        self, artifact: Artifact, *, content_id: str, context: ProvenanceContext
    ) -> MarkedOutput:
        """Labels, then the watermark, then the metadata label, then the signed manifest.

        Raises MarkError when a mark cannot be applied (the guard then blocks the output
        under a policy with `marks.required`).
        """
        record: dict[str, Any] = {}
        if artifact.kind is ArtifactKind.IMAGE:  # the watermark then covers the caption
            artifact = self._explicit_label(artifact, record)
        if self._policy.watermark.enabled:
            artifact = self._watermark(artifact, content_id)
            marker = self.watermarker(artifact.kind)
            record["watermark"] = {
                "method": marker.name,
                "version": marker.version,
                "payload": content_id,
            }
            if marker.keyed and self._key is not None:
                record["watermark"]["key_id"] = self._key.key_id
        if artifact.kind is ArtifactKind.TEXT:  # the prefix comes first, before any mark
            artifact = self._explicit_label(artifact, record)
        if artifact.kind is ArtifactKind.IMAGE:
            from aigc_guard.marks.fingerprint import image_fingerprint

            record["fingerprint"] = image_fingerprint(artifact.image)  # type: ignore[arg-type]
        data, implicit = self._with_metadata(artifact, content_id, record)
        sidecar = None
        if self._policy.c2pa.enabled and self._provenance is not None:
            assertions = self._assertions(content_id, context, record.get("watermark"))
            if implicit is not None:
                from aigc_guard.marks.labels import GB45438_ASSERTION

                assertions.append({"label": GB45438_ASSERTION, "data": implicit})
            signed = self._provenance.sign(
                data, media_type=artifact.media_type, title=f"{content_id}{artifact.suffix}",
                assertions=assertions,
            )  # fmt: skip
            data, sidecar = signed.data, signed.sidecar
            record["c2pa"] = {"signed": True, "embedded": sidecar is None}
        return MarkedOutput(artifact=artifact, data=data, sidecar=sidecar, record=record)

    def _explicit_label(self, artifact: Artifact, record: dict[str, Any]) -> Artifact:
        """The visible label the policy asks for: a caption on images, a prefix on text."""
        label = self._policy.label
        if artifact.image is not None and label.caption.enabled:
            from aigc_guard.marks.image_watermark import upscale_for_watermark
            from aigc_guard.marks.labels import add_caption

            image = upscale_for_watermark(artifact.image, min_side=self._policy.watermark.min_side)
            record["label"] = {"caption": label.caption.text}
            return Artifact.from_image(add_caption(image, label.caption))
        if artifact.kind is ArtifactKind.TEXT and label.text_prefix.enabled:
            record["label"] = {"prefix": label.text_prefix.text}
            return Artifact.from_text(label.text_prefix.text + (artifact.text or ""))
        return artifact

    def _with_metadata(
        self, artifact: Artifact, content_id: str, record: dict[str, Any]
    ) -> tuple[bytes, dict[str, str] | None]:
        """The bytes to deliver, with the implicit (GB 45438) label in PNG metadata."""
        settings = self._policy.label.metadata
        if not settings.enabled:
            return artifact.to_bytes(), None
        from aigc_guard.marks import labels

        watermark = record.get("watermark") or {}
        reserved = f"watermark={watermark['method']}" if watermark else ""
        implicit = labels.gb45438_record(settings, content_id=content_id, reserved=reserved)
        record.setdefault("label", {})["metadata"] = implicit
        if artifact.kind is ArtifactKind.IMAGE:
            return labels.png_with_metadata(artifact.image, implicit), implicit  # type: ignore[arg-type]
        return artifact.to_bytes(), implicit  # text: the signed sidecar carries it

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
                guarantee=context.guarantee,
            ),
        ]
        if watermark is not None:
            assertions.append(
                provenance.soft_binding_assertion(
                    watermark["method"], content_id, version=watermark["version"],
                    key_id=watermark.get("key_id"),
                )
            )  # fmt: skip
        return assertions


def _software_agent(context: ProvenanceContext) -> tuple[str, str | None] | None:
    """(name, version) of the model that made the output, for the C2PA softwareAgent."""
    return (context.model_id, context.model_revision) if context.model_id else None
