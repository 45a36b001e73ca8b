"""Labels that laws ask for beside the watermark: visible (explicit) and in metadata (implicit).

- **Caption** (explicit, images): a text such as "AI生成" drawn in a corner on a
  contrasting band, its letters at least `min_height` of the shorter side
  (GB 45438-2025 asks for 5%). Drawn before the watermark, so the mark covers it.
- **Prefix** (explicit, text): a text such as "【AI生成】" put before the output.
- **Metadata** (implicit): GB 45438-2025's `AIGC` record (Label, ContentProducer,
  ProduceID, ReservedCode1, ContentPropagator, PropagateID, ReservedCode2) as a PNG
  iTXt chunk, and for every kind as a C2PA assertion (`cn.gb45438.aigc`), the only
  metadata a plain text file can carry (in its signed sidecar).

A caption needs a font with every character of its text: the policy's `font`, else
the first installed one found in FONT_CANDIDATES (CJK text needs a CJK font, e.g.
Debian's fonts-wqy-microhei); a missing glyph is an error, never a box drawn.
"""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigc_guard.artifacts import PNG_COMPRESS_LEVEL
from aigc_guard.errors import MarkError

if TYPE_CHECKING:
    from PIL import Image, ImageFont

    from aigc_guard.marks.settings import CaptionSettings, MetadataLabelSettings

GB45438_KEY = "AIGC"
GB45438_ASSERTION = "cn.gb45438.aigc"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


def gb45438_record(settings: MetadataLabelSettings, *, content_id: str,
                   reserved: str = "") -> dict[str, str]:  # fmt: skip
    """The AIGC implicit-label fields, in the standard's order."""
    return {
        "Label": settings.label,
        "ContentProducer": settings.content_producer,
        "ProduceID": content_id,
        "ReservedCode1": reserved,
        "ContentPropagator": settings.content_propagator,
        "PropagateID": "",
        "ReservedCode2": "",
    }


def png_with_metadata(image: Image.Image, record: dict[str, str]) -> bytes:
    """PNG bytes of `image` with the AIGC record as an iTXt chunk (JSON, UTF-8)."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt(GB45438_KEY, json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def read_png_metadata(image: Image.Image) -> dict[str, Any] | None:
    """The AIGC record of a PNG read back, or None."""
    raw = getattr(image, "text", {}).get(GB45438_KEY)
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return None


def add_caption(image: Image.Image, settings: CaptionSettings) -> Image.Image:
    """`image` (RGB) with the caption drawn on a band in the configured corner."""
    from PIL import ImageDraw

    rgb = image.convert("RGB")
    height = max(8, round(min(rgb.size) * settings.min_height))
    font = caption_font(settings.font, settings.text, height)
    left, top, right, bottom = font.getbbox(settings.text)
    pad = max(2, height // 4)
    width, tall = right - left + 2 * pad, bottom - top + 2 * pad
    if width > rgb.width or tall > rgb.height:
        raise MarkError(f"caption {settings.text!r} does not fit a {rgb.width}x{rgb.height} image")
    x = 0 if settings.position.endswith("left") else rgb.width - width
    y = 0 if settings.position.startswith("top") else rgb.height - tall
    draw = ImageDraw.Draw(rgb)
    draw.rectangle((x, y, x + width - 1, y + tall - 1), fill=(0, 0, 0))
    draw.text((x + pad - left, y + pad - top), settings.text, font=font, fill=(255, 255, 255))
    return rgb


def caption_font(path: str | None, text: str, height: int) -> ImageFont.FreeTypeFont:
    """A font whose letters are `height` px tall and that has every character of `text`."""
    candidates = [path] if path else list(FONT_CANDIDATES)
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and _covers(candidate, text):
            return _font(candidate, _size_for(candidate, text, height))
    where = f"the font {path}" if path else "no installed font (" + ", ".join(FONT_CANDIDATES) + ")"
    raise MarkError(
        f"caption text {text!r}: {where} has every character; install a font that does "
        "(CJK: Debian's fonts-wqy-microhei) or set marks.label.caption.font"
    )


@functools.lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size)
    except OSError as exc:
        raise MarkError(f"{path}: not a usable font ({exc})") from exc


@functools.lru_cache(maxsize=32)
def _covers(path: str, text: str) -> bool:
    """Every visible character of `text` has a glyph (not the font's missing-glyph box)."""
    font = _font(path, 32)
    missing = _glyph(font, "\ue000")  # a private-use code point: no glyph
    return all(_glyph(font, ch) != missing for ch in set(text) if not ch.isspace())


def _glyph(font: ImageFont.FreeTypeFont, character: str) -> bytes:
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (64, 64))
    ImageDraw.Draw(canvas).text((8, 8), character, font=font, fill=255)
    return canvas.tobytes()


def _size_for(path: str, text: str, height: int) -> int:
    """The point size whose tallest letter in `text` is at least `height` pixels."""
    size = height
    for _ in range(8):
        _, top, _, bottom = _font(path, size).getbbox(text)
        if bottom - top >= height:
            return size
        size = max(size + 1, round(size * height / max(1, bottom - top)))
    return size


__all__ = [
    "FONT_CANDIDATES",
    "GB45438_ASSERTION",
    "GB45438_KEY",
    "add_caption",
    "caption_font",
    "gb45438_record",
    "png_with_metadata",
    "read_png_metadata",
]
