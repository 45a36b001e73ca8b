"""A text watermark made of zero-width characters: honest, simple, and weak.

The 80 keyed payload bits (content id + MAC tag under the watermark key, see
marks.payload) are written as U+200B (0) and U+200C (1) between two U+2060 WORD
JOINER markers, right after the first word, so the text reads and renders the
same. The key stops anyone from writing a valid mark, but anyone can strip one (a
regex, many text normalisers, retyping, most LLM rewrites) or paste it into other
text, so a found mark proves the origin of an *unmodified* copy only (`verify`
also compares the text with its row's keyed content hash); "not found" proves
nothing. For text, the signed C2PA sidecar is the stronger evidence, and the
green-list watermark (marks.green_list) survives edits for models we run.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from aigc_guard.artifacts import Artifact, ArtifactKind
from aigc_guard.errors import MarkError
from aigc_guard.marks import payload as payload_bits
from aigc_guard.marks.base import Watermarker, WatermarkReading

if TYPE_CHECKING:
    from aigc_guard.credentials.watermark_key import WatermarkKey

ZERO = "\u200b"  # ZERO WIDTH SPACE
ONE = "\u200c"  # ZERO WIDTH NON-JOINER
FRAME = "\u2060"  # WORD JOINER
_MARK_RE = re.compile(f"{FRAME}([{ZERO}{ONE}]{{{payload_bits.KEYED_BITS}}}){FRAME}")
_FIRST_WORD_END = re.compile(r"\S+")


def encode_mark(content_id: str, key: WatermarkKey) -> str:
    """The invisible string carrying `content_id` under `key` (82 zero-width characters)."""
    try:
        bits = payload_bits.keyed_bits(content_id, key)
    except ValueError as exc:
        raise MarkError(f"text watermark payload: {exc}") from exc
    return FRAME + "".join(ONE if bit else ZERO for bit in bits) + FRAME


def strip_marks(text: str) -> str:
    """`text` without any zero-width mark, and without stray WORD JOINERs: removing one
    mark nested inside another (FRAME FRAME bits FRAME bits FRAME) would otherwise
    re-form the outer one, a forged payload that `detect` would read first."""
    return _MARK_RE.sub("", text).replace(FRAME, "")


class ZeroWidthTextWatermarker(Watermarker):
    """Zero-width characters after the first word; trivially strippable (see module doc)."""

    name: ClassVar[str] = "zero-width"
    version: ClassVar[str] = "2"
    kind: ClassVar[ArtifactKind] = ArtifactKind.TEXT
    keyed: ClassVar[bool] = True

    def __init__(self, key: WatermarkKey) -> None:
        self.key = key

    def apply(self, artifact: Artifact, payload: str) -> Artifact:
        text = self._text_of(artifact)
        mark = encode_mark(payload, self.key)
        clean = strip_marks(text)
        first_word = _FIRST_WORD_END.search(clean)
        cut = first_word.end() if first_word else len(clean)
        return Artifact.from_text(clean[:cut] + mark + clean[cut:])

    def detect(self, artifact: Artifact) -> WatermarkReading:
        text = self._text_of(artifact)
        candidates = _MARK_RE.findall(text)
        details = {"version": self.version, "key_id": self.key.key_id,
                   "marks_seen": len(candidates)}  # fmt: skip
        for group in candidates:
            bits = [1 if ch == ONE else 0 for ch in group]
            content_id = payload_bits.open_keyed_bits(bits, self.key)
            if content_id is not None:
                return WatermarkReading(
                    found=True, payload=content_id, method=self.name, details=details
                )
        return WatermarkReading(found=False, payload=None, method=self.name, details=details)

    def _text_of(self, artifact: Artifact) -> str:
        if artifact.kind is not ArtifactKind.TEXT or artifact.text is None:
            raise MarkError(f"{self.name} watermarks text, got a {artifact.kind.value} artifact")
        return artifact.text


__all__ = ["ZeroWidthTextWatermarker", "encode_mark", "strip_marks"]
