"""The text an image file carries besides its pixels: PNG text chunks, EXIF fields,
JPEG comments and XMP. Each field is screened like a text output; a GPS position in
EXIF is a LOCATION by itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

# EXIF tags that hold free text (0th IFD), and those of the Exif sub-IFD.
EXIF_TEXT_TAGS = {
    0x010E: "ImageDescription", 0x013B: "Artist", 0x8298: "Copyright",
    0x9C9B: "XPTitle", 0x9C9C: "XPComment", 0x9C9D: "XPAuthor", 0x9C9E: "XPKeywords",
    0x9C9F: "XPSubject",
}  # fmt: skip
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
EXIF_SUB_TEXT_TAGS = {0x9286: "UserComment", 0xA430: "CameraOwnerName", 0xA420: "ImageUniqueID"}
BINARY_INFO = {"exif", "icc_profile", "dpi", "gamma", "transparency", "jfif", "jfif_version",
               "jfif_unit", "jfif_density", "progressive", "progression", "adobe",
               "adobe_transform", "loop", "duration", "background", "aspect", "srgb",
               "chromaticity", "interlace", "photoshop", "mp"}  # fmt: skip


def text_fields(image: Image.Image) -> dict[str, str]:
    """Field name -> text, for every text-bearing field of `image` that is not empty."""
    fields: dict[str, str] = {}
    for key, value in image.info.items():
        if key in BINARY_INFO:
            continue
        text = _as_text(value)
        if text:
            fields[f"info:{key}"] = text
    exif = image.getexif()
    for tag, name in EXIF_TEXT_TAGS.items():
        text = _as_text(exif.get(tag), utf16=name.startswith("XP"))
        if text:
            fields[f"exif:{name}"] = text
    sub = exif.get_ifd(EXIF_IFD) if EXIF_IFD in exif else {}
    for tag, name in EXIF_SUB_TEXT_TAGS.items():
        text = _as_text(sub.get(tag), exif_comment=tag == 0x9286)
        if text:
            fields[f"exif:{name}"] = text
    return fields


def has_gps(image: Image.Image) -> bool:
    """True when EXIF holds a GPS position (latitude or longitude)."""
    exif = image.getexif()
    if GPS_IFD not in exif:
        return False
    gps = exif.get_ifd(GPS_IFD)
    return bool(gps.get(2) or gps.get(4))


def _as_text(value: object, *, utf16: bool = False, exif_comment: bool = False) -> str:
    if isinstance(value, str):
        return value.strip("\x00 \n\t")
    if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
        value = bytes(value)  # XP* tags may come back as a tuple of byte values
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
        if exif_comment:  # 8-byte character code, then the text
            code, data = data[:8], data[8:]
            utf16 = code.startswith(b"UNICODE")
        encoding = "utf-16-le" if utf16 else "utf-8"
        return data.decode(encoding, errors="replace").strip("\x00 \n\t")
    return ""


__all__ = ["has_gps", "text_fields"]
