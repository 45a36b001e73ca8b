"""Small hostile inputs, built byte by byte (shared by the hardening tests, the
property tests and the fuzz targets' seed corpora)."""

from __future__ import annotations

import io
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int, *, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    fields = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return PNG_SIGNATURE + png_chunk(b"IHDR", fields)


def png_declaring(width: int, height: int) -> bytes:
    """45 bytes: a greyscale PNG header declaring `width` x `height` and an empty IDAT."""
    return png_header(width, height) + png_chunk(b"IDAT", b"")


def png_1bit_bomb(side: int = 11_000) -> bytes:
    """A real, complete 1-bit PNG of `side` x `side` zero pixels: ~15 KB that decode to
    `side`**2 pixels (121 million at the default; Pillow's own limit lets it through)."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    idat = zlib.compress(row * side, 9)
    return png_header(side, side, bit_depth=1) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def apng_declaring_frames(frames: int) -> bytes:
    """A valid 8x8 PNG whose animation control chunk declares `frames` frames."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (8, 8), 0).save(buffer, format="PNG")
    data = buffer.getvalue()
    actl = png_chunk(b"acTL", struct.pack(">II", frames, 0))
    header_end = len(PNG_SIGNATURE) + 25
    return data[:header_end] + actl + data[header_end:]


def jpeg_declaring(width: int, height: int) -> bytes:
    """A JPEG start (SOI, a baseline SOF0 frame header) declaring `width` x `height`."""
    sof = struct.pack(">BHHB", 8, height, width, 1) + bytes([1, 0x11, 0])
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9"


def billion_laughs(levels: int = 9) -> str:
    """The classic alias bomb: 342 bytes, 9**9 strings once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnopqrstuvwxyz"
    for level in range(1, levels):
        previous, name = names[level - 1], names[level]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def encoded(image: object, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)  # type: ignore[attr-defined]
    return buffer.getvalue()
