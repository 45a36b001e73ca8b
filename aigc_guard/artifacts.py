"""Value objects that flow through the pipeline: an output, a check's result, a decision.

Everything here is plain data with a JSON-safe `to_dict`, so the audit log, the
CLI's `--json` output and the Python API all describe results the same way.
"""

from __future__ import annotations

import enum
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import InputError
from aigc_guard.limits import DEFAULT_LIMITS, InputLimits
from aigc_guard.loading import (
    DEFAULT_FRAME_MS,
    DecodedImage,
    check_shape,
    decode_image,
    decode_text,
    normalize_image,
    read_bounded,
)

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SUFFIXES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
TEXT_SUFFIXES = {".txt"}
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}

# zlib level of every PNG we write. Measured on 256x256 photo crops (benchmarks/pipeline.py):
# level 6 (Pillow's default) 16.5 ms and 113 KB, level 3 6.7 ms and 120 KB: the encode was
# the largest stage of a guarded output, and 7% more bytes buy 2.5x less time.
PNG_COMPRESS_LEVEL = 3


class ArtifactKind(str, enum.Enum):
    IMAGE = "image"
    TEXT = "text"


class Decision(str, enum.Enum):
    """What happens to one candidate output.

    ALLOW: delivered as is (marked). REDACT: delivered with findings removed.
    REGENERATE: discarded, another candidate is drawn. BLOCK: not delivered.
    """

    ALLOW = "allow"
    REDACT = "redact"
    REGENERATE = "regenerate"
    BLOCK = "block"


# Severity order used to combine several checks: the strictest action wins.
_SEVERITY = {Decision.ALLOW: 0, Decision.REDACT: 1, Decision.REGENERATE: 2, Decision.BLOCK: 3}


def strictest(decisions: list[Decision]) -> Decision:
    """The most severe of `decisions` (ALLOW when empty)."""
    return max(decisions, key=_SEVERITY.__getitem__, default=Decision.ALLOW)


@dataclass(frozen=True)
class Artifact:
    """One generated output: an image or a text, never both.

    An image carries every frame in `frames` (RGB or L; `image` is the first, so a
    check or mark that looks at one picture keeps working) and, when some pixel is
    not opaque, the alpha channel of each frame in `alpha` (mode L), so checks can
    look at every frame and at the alpha channel as pictures of their own
    (`image_views`). `durations` holds an animation's frame times in milliseconds.
    Build images with `from_image`, `from_bytes` or `from_file`: they go through the
    guarded loader (aigc_guard.loading), which fills these fields.
    """

    kind: ArtifactKind
    image: Image.Image | None = None
    text: str | None = None
    frames: tuple[Image.Image, ...] = ()
    alpha: tuple[Image.Image, ...] = ()
    durations: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind is ArtifactKind.IMAGE and self.image is not None and not self.frames:
            object.__setattr__(self, "frames", (self.image,))
        if self.alpha and len(self.alpha) != len(self.frames):
            raise InputError(f"{len(self.alpha)} alpha channels for {len(self.frames)} frames")

    @classmethod
    def from_image(cls, image: Image.Image, *, limits: InputLimits | None = None) -> Artifact:
        """An image artifact from a PIL image of any mode, animated or not (see loading).

        `limits` (e.g. a policy's `limits`) refuses an image over budget; None checks none.
        """
        from PIL import Image as PILImage

        if not isinstance(image, PILImage.Image):
            raise InputError(f"expected a PIL image, got {type(image).__name__}")
        if image.width == 0 or image.height == 0:
            raise InputError("image has zero width or height")
        return cls.from_decoded(normalize_image(image, limits=limits))

    @classmethod
    def from_decoded(cls, decoded: DecodedImage) -> Artifact:
        return cls(
            kind=ArtifactKind.IMAGE,
            image=decoded.frames[0],
            frames=decoded.frames,
            alpha=decoded.alpha,
            durations=decoded.durations,
        )

    @classmethod
    def from_text(cls, text: str) -> Artifact:
        if not isinstance(text, str):
            raise InputError(f"expected a str, got {type(text).__name__}")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: no file, hash or manifest holds it
            raise InputError(
                f"text is not valid Unicode: {exc.reason} at character {exc.start}"
            ) from exc
        return cls(kind=ArtifactKind.TEXT, text=text)

    @classmethod
    def from_file(cls, path: str | Path, *, limits: InputLimits | None = None) -> Artifact:
        """Load an image (PNG, JPEG, WebP) or a UTF-8 text file (.txt) within `limits`.

        Raises InputError naming the file and the reason (missing, another type, over
        a budget of the policy's `limits:`, truncated, not decodable), so a batch
        reports it on its own line and goes on.
        """
        return cls.from_bytes(read_input(path, limits), name=str(path), limits=limits)

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str, limits: InputLimits | None = None) -> Artifact:
        """Decode a file's bytes; `name` gives the type by its suffix and names it in errors.

        Text is decoded as is (no newline translation), so it matches the bytes a
        manifest or a content hash was made over.
        """
        limits = limits or DEFAULT_LIMITS
        if _file_kind(name) is ArtifactKind.TEXT:
            return cls.from_text(decode_text(data, source=name, limits=limits))
        return cls.from_decoded(decode_image(data, source=name, limits=limits))

    def require_image(self) -> Image.Image:
        """The image of an image artifact; InputError for a text one."""
        if self.image is None:
            raise InputError(f"expected an image artifact, got {self.kind.value}")
        return self.image

    @property
    def media_type(self) -> str:
        return "text/plain" if self.kind is ArtifactKind.TEXT else "image/png"

    @property
    def suffix(self) -> str:
        return ".txt" if self.kind is ArtifactKind.TEXT else ".png"

    def image_views(self) -> list[tuple[str, Image.Image]]:
        """Every picture in an image, labelled: `frame N` (colour) and `alpha N` (L)."""
        views = [(f"frame {index}", frame) for index, frame in enumerate(self.frames)]
        return views + [(f"alpha {index}", alpha) for index, alpha in enumerate(self.alpha)]

    def map_frames(self, change: Callable[[Image.Image], Image.Image]) -> Artifact:
        """A copy with `change` applied to every frame's colour planes (e.g. a watermark);
        the alpha channels follow a change of size."""
        from PIL import Image as PILImage

        frames = tuple(change(frame) for frame in self.frames)
        alpha = tuple(
            channel if channel.size == frame.size
            else channel.resize(frame.size, PILImage.Resampling.LANCZOS)
            for channel, frame in zip(self.alpha, frames, strict=False)
        )  # fmt: skip
        return replace(self, image=frames[0], frames=frames, alpha=alpha)

    def check_within(self, limits: InputLimits, *, source: str = "output") -> None:
        """Raise InputError when this artifact is over `limits` (generated outputs)."""
        if self.kind is ArtifactKind.TEXT:
            size = len((self.text or "").encode("utf-8"))
            if size > limits.max_text_bytes:
                raise InputError(
                    f"{source}: {size:,} bytes of text is over the budget of "
                    f"{limits.max_text_bytes:,} bytes (limits.max_text_bytes)"
                )
            return
        width, height = self.frames[0].size if self.frames else (0, 0)
        check_shape(width, height, len(self.frames), source=source, limits=limits)

    def to_bytes(self) -> bytes:
        """Canonical bytes: UTF-8 for text, PNG for images (lossless, C2PA-signable);
        an animation becomes an animated PNG, alpha is kept."""
        if self.kind is ArtifactKind.TEXT:
            return (self.text or "").encode("utf-8")
        pictures = [_with_alpha(frame, alpha) for frame, alpha in self._frames_and_alpha()]
        buffer = io.BytesIO()
        if len(pictures) == 1:
            pictures[0].save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
        else:
            durations = list(self.durations) or [DEFAULT_FRAME_MS] * len(pictures)
            pictures[0].save(buffer, format="PNG", save_all=True, append_images=pictures[1:],
                             duration=durations, loop=0,
                             compress_level=PNG_COMPRESS_LEVEL)  # fmt: skip
        return buffer.getvalue()

    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()

    def _frames_and_alpha(self) -> list[tuple[Image.Image, Image.Image | None]]:
        frames = self.frames or ((self.image,) if self.image is not None else ())
        alpha: tuple[Image.Image | None, ...] = self.alpha or (None,) * len(frames)
        return list(zip(frames, alpha, strict=True))


def _with_alpha(frame: Image.Image, alpha: Image.Image | None) -> Image.Image:
    if alpha is None:
        return frame
    merged = frame.convert("LA" if frame.mode == "L" else "RGBA")
    merged.putalpha(alpha if alpha.size == frame.size else alpha.resize(frame.size))
    return merged


def _file_kind(name: str) -> ArtifactKind:
    """The kind a file name's suffix announces; InputError for any other suffix."""
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return ArtifactKind.TEXT
    if suffix in IMAGE_SUFFIXES:
        return ArtifactKind.IMAGE
    supported = ", ".join(sorted([*IMAGE_SUFFIXES, *TEXT_SUFFIXES]))
    raise InputError(f"{name}: unsupported file type {suffix!r}; expected one of {supported}")


def read_input(path: str | Path, limits: InputLimits | None = None) -> bytes:
    """The bytes of an input file, refused before reading when over the budget of its
    kind (by suffix: `limits.max_text_bytes` or `limits.max_image_bytes`)."""
    limits = limits or DEFAULT_LIMITS
    is_text = _file_kind(str(path)) is ArtifactKind.TEXT
    budget = "max_text_bytes" if is_text else "max_image_bytes"
    return read_bounded(path, max_bytes=getattr(limits, budget), budget=f"limits.{budget}")


def load_image_bytes(
    data: bytes, *, source: str = "<bytes>", limits: InputLimits | None = None
) -> Image.Image:
    """The first frame (RGB or L) of image bytes, through the guarded loader."""
    return decode_image(data, source=source, limits=limits or DEFAULT_LIMITS).frames[0]


@dataclass(frozen=True)
class CheckResult:
    """What one check found in one artifact, and what it asks for.

    `details` holds JSON-safe figures only, never personal data (positions and
    types, not values). A failed result carries its own one-line `summary` and the
    `action` it asks for (the check's policy decides it), so combining results
    needs no knowledge of any check.
    """

    check: str
    version: str
    passed: bool
    details: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False
    reason: str = ""
    summary: str = ""
    action: Decision | None = None

    @property
    def failed(self) -> bool:
        """True when the check ran and found something."""
        return not self.passed and not self.skipped

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"passed": self.passed, "version": self.version, **self.details}
        if self.skipped:
            out["skipped"] = True
        if self.reason:
            out["reason"] = self.reason
        if self.failed:
            out["summary"] = self.summary
            out["action"] = (self.action or Decision.BLOCK).value
        return out
