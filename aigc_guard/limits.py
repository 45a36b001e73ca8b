"""How much one input may cost before it is refused: the policy's `limits:` section.

Every file that reaches the pipeline comes from outside, so its size is checked
before it is read whole and an image's declared size before it is decoded: a
45-byte PNG may declare 30000x30000 pixels, a 17 KB one may inflate to gigabytes.
The defaults bound the decoded pixels of one input to 64 MiB (4 bytes per pixel)
and keep text under spaCy's 1,000,000-character `max_length`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MAX_IMAGE_BYTES = 64 * 2**20
DEFAULT_MAX_IMAGE_PIXELS = 4096 * 4096
DEFAULT_MAX_FRAMES = 64
DEFAULT_MAX_TEXT_BYTES = 1_000_000


class InputLimits(BaseModel):
    """Budgets for one input file or generated output (policy section `limits:`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_image_bytes: int = Field(
        default=DEFAULT_MAX_IMAGE_BYTES, ge=1, le=2**32, description="size of an image file"
    )
    max_image_pixels: int = Field(
        default=DEFAULT_MAX_IMAGE_PIXELS,
        ge=1,
        le=2**31,
        description="width x height x frames, checked on the declared size before decoding",
    )
    max_frames: int = Field(
        default=DEFAULT_MAX_FRAMES, ge=1, le=10_000, description="frames of an animation"
    )
    animations: Literal["check_every_frame", "refuse"] = Field(
        default="check_every_frame",
        description="check (and deliver) every frame of an animated image, or refuse it",
    )
    max_text_bytes: int = Field(
        default=DEFAULT_MAX_TEXT_BYTES, ge=1, le=2**32, description="size of a UTF-8 text"
    )


DEFAULT_LIMITS = InputLimits()

__all__ = ["DEFAULT_LIMITS", "InputLimits"]
