"""Text in an image's pixels, read by Tesseract, with the box of every word.

The words are joined into one text (a space between words, a newline between
lines) that goes through the same screening as any text output; a finding's
character span maps back to the boxes of the words it covers, one box per line.
Small images are enlarged first: Tesseract reads text of about 20-30 pixels best.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aigc_guard.errors import DependencyError

if TYPE_CHECKING:
    from PIL import Image

Box = tuple[int, int, int, int]
UPSCALE_BELOW = 1_600  # images whose longer side is shorter are read at twice the size


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    line: tuple[int, int, int]  # (block, paragraph, line) as Tesseract numbers them
    box: Box


@dataclass
class OcrText:
    text: str = ""
    words: list[Word] = field(default_factory=list)

    def boxes(self, start: int, end: int) -> list[Box]:
        """One box per line around the words that overlap text[start:end]."""
        per_line: dict[tuple[int, int, int], list[Box]] = {}
        for word in self.words:
            if word.start < end and start < word.end:
                per_line.setdefault(word.line, []).append(word.box)
        return [
            (min(b[0] for b in boxes), min(b[1] for b in boxes),
             max(b[2] for b in boxes), max(b[3] for b in boxes))
            for boxes in per_line.values()
        ]  # fmt: skip


def require_tesseract() -> None:
    """DependencyError unless pytesseract and the tesseract program are installed."""
    try:
        import pytesseract  # noqa: F401
    except ModuleNotFoundError as exc:
        raise DependencyError(
            "OCR of images needs the package pytesseract (pip install pytesseract)"
        ) from exc
    if shutil.which("tesseract") is None:
        raise DependencyError(
            "OCR of images needs the tesseract program (Debian/Ubuntu: apt-get install "
            "tesseract-ocr; macOS: brew install tesseract); or set checks.pii.images.ocr: false"
        )


def read_text(image: Image.Image, *, languages: str, min_confidence: float) -> OcrText:
    """The words Tesseract reads in `image` with at least `min_confidence`, and their boxes."""
    import pytesseract

    scale = 2 if max(image.size) < UPSCALE_BELOW else 1
    gray = image.convert("L")
    if scale > 1:
        gray = gray.resize((gray.width * scale, gray.height * scale))
    data = pytesseract.image_to_data(gray, lang=languages, output_type=pytesseract.Output.DICT)
    out = OcrText()
    previous_line: tuple[int, int, int] | None = None
    parts: list[str] = []
    offset = 0
    for index, word in enumerate(data["text"]):
        word = word.strip()
        if not word or float(data["conf"][index]) < min_confidence:
            continue
        line = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        if parts:
            separator = " " if line == previous_line else "\n"
            parts.append(separator)
            offset += 1
        left, top = data["left"][index] // scale, data["top"][index] // scale
        right = left + -(-data["width"][index] // scale)
        bottom = top + -(-data["height"][index] // scale)
        out.words.append(Word(offset, offset + len(word), line, (left, top, right, bottom)))
        parts.append(word)
        offset += len(word)
        previous_line = line
    out.text = "".join(parts)
    return out


__all__ = ["Box", "OcrText", "read_text", "require_tesseract"]
