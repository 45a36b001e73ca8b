"""Removing findings: text through presidio-anonymizer, image regions by filling them.

Operators (per entity type, from the policy):
- replace: `<TYPE>` in place of the value (the audit trail and the reader see what
  was removed);
- mask: every character replaced by `*` (the layout is kept);
- hash: a keyed SHA-256 of the value (presidio-anonymizer's `hash` with a secret
  salt): the same value gives the same pseudonym under the same key, and nobody
  without the key can test a guess;
- remove: the value is deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

# Derived from the guard's secret so the pseudonyms are not the audit log's hashes.
HASH_LABEL = b"aigc_guard/pii-redaction/v1"


def pseudonym_key(secret: bytes | None) -> bytes:
    """The salt of the `hash` operator: HMAC(secret, label), or a fresh random key when
    no secret is given (pseudonyms then hold within one check's lifetime only)."""
    if secret is None:
        return os.urandom(32)
    return hmac.new(secret, HASH_LABEL, hashlib.sha256).digest()


class TextRedactor:
    """presidio-anonymizer, created on first use (it imports spaCy)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._engine: Any = None

    def redact(
        self, text: str, findings: Sequence[Mapping[str, Any]], operators: Mapping[str, str]
    ) -> str:
        """`text` with each finding replaced by its type's operator."""
        if not findings:
            return text
        os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        from presidio_anonymizer import AnonymizerEngine
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        if self._engine is None:
            self._engine = AnonymizerEngine()
        recognized = [
            RecognizerResult(f["type"], f["start"], f["end"], f["score"]) for f in findings
        ]
        configs = {
            kind: _operator(OperatorConfig, kind, operators[kind], self._key)
            for kind in {f["type"] for f in findings}
        }
        return self._engine.anonymize(
            text=text, analyzer_results=recognized, operators=configs
        ).text


def _operator(config: Any, kind: str, operator: str, key: bytes) -> Any:
    if operator == "replace":
        return config("replace", {"new_value": f"<{kind}>"})
    if operator == "mask":
        return config("mask", {"masking_char": "*", "chars_to_mask": 10**9, "from_end": False})
    if operator == "hash":
        return config("hash", {"hash_type": "sha256", "salt": key})
    if operator == "remove":
        return config("redact", {})
    raise ValueError(f"unknown redaction operator {operator!r}")


def fill_boxes(image: Image.Image, boxes: Sequence[Sequence[int]], *, pad: int = 2) -> Image.Image:
    """A copy of `image` with each (left, top, right, bottom) box filled black, no metadata."""
    from PIL import ImageDraw

    redacted = strip_metadata(image)
    draw = ImageDraw.Draw(redacted)
    fill = 0 if redacted.mode in ("L", "1", "P", "I", "F") else (0,) * len(redacted.getbands())
    for left, top, right, bottom in boxes:
        draw.rectangle(
            (max(0, left - pad), max(0, top - pad), right + pad, bottom + pad), fill=fill
        )
    return redacted


def strip_metadata(image: Image.Image) -> Image.Image:
    """The pixels of `image` without text chunks, EXIF, XMP or comments."""
    from PIL import Image as PILImage

    clean = PILImage.new(image.mode, image.size)
    clean.paste(image)
    palette = image.getpalette() if image.mode == "P" else None
    if palette is not None:
        clean.putpalette(palette)
    return clean


__all__ = ["TextRedactor", "fill_boxes", "pseudonym_key", "strip_metadata"]
