"""The `marks:` section of a policy: which watermark, which C2PA claims.

Method names are resolved against the watermark registry when the policy is
loaded, so a typo or an uninstalled plug-in fails at load time, not mid-batch.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aigc_guard.artifacts import ArtifactKind


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _registered(name: str, kind: ArtifactKind) -> str:
    from aigc_guard.marks.registry import watermark_names

    valid = watermark_names(kind)
    if name not in valid:
        raise ValueError(f"unknown {kind.value} watermark {name!r}; registered: {', '.join(valid)}")
    return name


class WatermarkSettings(_Strict):
    enabled: bool = True
    image_method: str = "keyed-tile"
    text_method: str = "zero-width"
    text_generation: Literal["none", "green-list"] = Field(
        default="none",
        description="a watermark drawn in while text is generated, for generators that "
        "expose next-token logits (aigc_guard's trained lm): green-list, keyed",
    )
    min_side: int = Field(
        default=256, ge=64, le=4096, description="images are upscaled to this side first"
    )

    @field_validator("image_method")
    @classmethod
    def _image_method(cls, value: str) -> str:
        return _registered(value, ArtifactKind.IMAGE)

    @field_validator("text_method")
    @classmethod
    def _text_method(cls, value: str) -> str:
        return _registered(value, ArtifactKind.TEXT)

    def method_for(self, kind: ArtifactKind) -> str:
        return self.image_method if kind is ArtifactKind.IMAGE else self.text_method


class C2paSettings(_Strict):
    enabled: bool = True
    allow_dev_credentials: bool = Field(
        default=False, description="sign with development credentials (NOT FOR PRODUCTION)"
    )
    digital_source_type: Literal[
        "trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"
    ] = "trainedAlgorithmicMedia"


class CaptionSettings(_Strict):
    """A visible label drawn on images (explicit label; EU AI Act 50(4), GB 45438-2025)."""

    enabled: bool = False
    text: str = Field(default="AI-generated", min_length=1, max_length=40)
    font: str | None = Field(default=None, description="TrueType/OpenType file; default: found")
    min_height: float = Field(
        default=0.05, ge=0.02, le=0.25, description="letter height as a share of the shorter side"
    )
    position: Literal["bottom-right", "bottom-left", "top-right", "top-left"] = "bottom-right"


class TextPrefixSettings(_Strict):
    """A visible label put before text outputs (explicit label)."""

    enabled: bool = False
    text: str = Field(default="[AI-generated] ", min_length=1, max_length=40)


class MetadataLabelSettings(_Strict):
    """GB 45438-2025's implicit label (`AIGC` fields) in file metadata and the manifest."""

    enabled: bool = False
    label: Literal["1", "2", "3"] = Field(
        default="1", description="1: AI-generated, 2: possibly, 3: suspected (GB 45438)"
    )
    content_producer: str = Field(default="", max_length=200,
                                  description="the service provider's name or code")  # fmt: skip
    content_propagator: str = Field(default="", max_length=200)


class LabelSettings(_Strict):
    caption: CaptionSettings = CaptionSettings()
    text_prefix: TextPrefixSettings = TextPrefixSettings()
    metadata: MetadataLabelSettings = MetadataLabelSettings()


class MarksSettings(_Strict):
    required: bool = Field(
        default=False,
        description="no output leaves unmarked: a mark that cannot be applied blocks it",
    )
    watermark: WatermarkSettings = WatermarkSettings()
    c2pa: C2paSettings = C2paSettings()
    label: LabelSettings = LabelSettings()

    @model_validator(mode="after")
    def _required_marks_are_on(self) -> MarksSettings:
        if self.required and not (self.watermark.enabled and self.c2pa.enabled):
            raise ValueError("required: true needs watermark.enabled and c2pa.enabled")
        return self


__all__ = [
    "C2paSettings",
    "CaptionSettings",
    "LabelSettings",
    "MarksSettings",
    "MetadataLabelSettings",
    "TextPrefixSettings",
    "WatermarkSettings",
]
