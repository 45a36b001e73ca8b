"""The `marks:` section of a policy: which watermark, which C2PA claims.

Method names are resolved against the watermark registry when the policy is
loaded, so a typo or an uninstalled plug-in fails at load time, not mid-batch.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class MarksSettings(_Strict):
    watermark: WatermarkSettings = WatermarkSettings()
    c2pa: C2paSettings = C2paSettings()


__all__ = ["C2paSettings", "MarksSettings", "WatermarkSettings"]
