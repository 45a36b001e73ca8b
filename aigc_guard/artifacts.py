"""Value objects that flow through the pipeline: an output, a check's result, a decision.

Everything here is plain data with a JSON-safe `to_dict`, so the audit log, the
CLI's `--json` output and the Python API all describe results the same way.
"""

from __future__ import annotations

import enum
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.errors import InputError

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SUFFIXES = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
TEXT_SUFFIXES = {".txt"}
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


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
    """One generated output: an image or a text, never both."""

    kind: ArtifactKind
    image: Image.Image | None = None
    text: str | None = None

    @classmethod
    def from_image(cls, image: Image.Image) -> Artifact:
        from PIL import Image as PILImage

        if not isinstance(image, PILImage.Image):
            raise InputError(f"expected a PIL image, got {type(image).__name__}")
        if image.width == 0 or image.height == 0:
            raise InputError("image has zero width or height")
        return cls(kind=ArtifactKind.IMAGE, image=image)

    @classmethod
    def from_text(cls, text: str) -> Artifact:
        if not isinstance(text, str):
            raise InputError(f"expected a str, got {type(text).__name__}")
        return cls(kind=ArtifactKind.TEXT, text=text)

    @classmethod
    def from_file(cls, path: str | Path) -> Artifact:
        """Load an image (PNG, JPEG, WebP) or a UTF-8 text file (.txt).

        Raises InputError naming the file when it is missing, of another type,
        truncated or not decodable, so a batch stops with a useful message.
        """
        path = Path(path)
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        return cls.from_bytes(path.read_bytes(), name=str(path))

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str) -> Artifact:
        """Decode a file's bytes; `name` gives the type by its suffix and names it in errors.

        Text is decoded as is (no newline translation), so it matches the bytes a
        manifest or a content hash was made over.
        """
        suffix = Path(name).suffix.lower()
        if suffix in TEXT_SUFFIXES:
            try:
                return cls.from_text(data.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: not UTF-8 text ({exc.reason})") from exc
        if suffix not in IMAGE_SUFFIXES:
            supported = ", ".join(sorted([*IMAGE_SUFFIXES, *TEXT_SUFFIXES]))
            raise InputError(
                f"{name}: unsupported file type {suffix!r}; expected one of {supported}"
            )
        return cls.from_image(load_image_bytes(data, source=name))

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

    def to_bytes(self) -> bytes:
        """Canonical bytes: UTF-8 for text, PNG for images (lossless, C2PA-signable)."""
        if self.kind is ArtifactKind.TEXT:
            return (self.text or "").encode("utf-8")
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG")  # type: ignore[union-attr]
        return buffer.getvalue()

    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()


def load_image_bytes(data: bytes, *, source: str = "<bytes>") -> Image.Image:
    """Decode image bytes fully (not lazily), turning decoder failures into InputError."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        image = PILImage.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{source}: not a readable image ({exc})") from exc
    if image.width == 0 or image.height == 0:
        raise InputError(f"{source}: image has zero width or height")
    return image


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
