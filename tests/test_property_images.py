"""Property: any bytes handed to the image loader give a valid Artifact or an InputError
naming the file; never another exception, a hang, or more than the memory budget.

The properties run inside a fresh interpreter under RLIMIT_AS (tests/limited.py),
so a decoder that allocates past the budget fails the test instead of the machine.
"""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from hostile import encoded, png_chunk, png_header
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limited import run_limited
from PIL import Image

from aigc_guard.artifacts import Artifact, ArtifactKind
from aigc_guard.errors import InputError

SETTINGS = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
SUFFIXES = st.sampled_from(["a.png", "a.jpg", "a.webp", "A.PNG", "a.jpeg"])
MEMORY_MB = 768


def outcome(data: bytes, name: str) -> Artifact | None:
    """The documented result of decoding `data`: a well-formed artifact, or None after an
    InputError that names the file on one line."""
    try:
        artifact = Artifact.from_bytes(data, name=name)
    except InputError as exc:
        message = str(exc)
        assert message.startswith(f"{name}: ") and "\n" not in message and len(message) < 400
        return None
    assert artifact.kind is ArtifactKind.IMAGE and artifact.image is artifact.frames[0]
    size = artifact.image.size
    assert all(frame.mode in ("RGB", "L") and frame.size == size for frame in artifact.frames)
    assert artifact.alpha == () or len(artifact.alpha) == len(artifact.frames)
    assert all(alpha.mode == "L" and alpha.size == size for alpha in artifact.alpha)
    assert artifact.durations == () or len(artifact.durations) == len(artifact.frames)
    return artifact


@SETTINGS
@given(data=st.binary(max_size=4096), name=SUFFIXES)
def property_random_bytes(data: bytes, name: str) -> None:
    outcome(data, name)


CHUNK_KINDS = st.sampled_from([b"IDAT", b"PLTE", b"tRNS", b"acTL", b"fcTL", b"fdAT", b"eXIf",
                               b"iCCP", b"zTXt", b"iTXt", b"gAMA", b"IEND"])  # fmt: skip


CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _zero_rows(width: int, height: int, bit_depth: int, colour_type: int) -> bytes:
    """The IDAT body of an all-zero image of this shape (filter byte 0 on every row)."""
    row = (width * CHANNELS.get(colour_type, 1) * bit_depth + 7) // 8
    return zlib.compress((b"\x00" * (1 + row)) * height)


@SETTINGS
@given(
    width=st.integers(0, 2**31 - 1) | st.integers(1, 64),
    height=st.integers(0, 2**31 - 1) | st.integers(1, 64),
    bit_depth=st.sampled_from([1, 2, 4, 8, 16, 0, 3, 255]),
    colour_type=st.sampled_from([0, 2, 3, 4, 6, 1, 7]),
    valid_pixels=st.booleans(),
    chunks=st.lists(st.tuples(CHUNK_KINDS, st.binary(max_size=256)), max_size=6),
)
def property_png_headers(
    width: int,
    height: int,
    bit_depth: int,
    colour_type: int,
    valid_pixels: bool,
    chunks: list[tuple[bytes, bytes]],
) -> None:
    """Random PNG headers (sizes, bit depths, colour types), random chunks, and for small
    sizes sometimes the right amount of pixel data."""
    data = png_header(width, height, bit_depth=bit_depth, colour_type=colour_type)
    if colour_type == 3:
        data += png_chunk(b"PLTE", bytes(range(48)))
    data += b"".join(png_chunk(kind, body) for kind, body in chunks)
    if valid_pixels and width * height <= 64 * 64:
        data += png_chunk(b"IDAT", _zero_rows(width, height, bit_depth, colour_type))
        data += png_chunk(b"IEND", b"")
    outcome(data, "header.png")


MODES = st.sampled_from(["1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I", "F", "CMYK"])


@st.composite
def encoded_images(draw: st.DrawFn) -> tuple[bytes, str, int]:
    """A valid PNG, JPEG or WebP (maybe animated) of a random mode and size."""
    fmt = draw(st.sampled_from(["PNG", "JPEG", "WEBP"]))
    mode = draw(MODES)
    size = (draw(st.integers(1, 48)), draw(st.integers(1, 48)))
    frames = draw(st.integers(1, 1 if fmt == "JPEG" else 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pictures = [Image.fromarray(rng.integers(0, 256, (size[1], size[0]), dtype=np.uint8))
                for _ in range(frames)]  # fmt: skip
    pictures = [_as_mode(picture, mode, fmt) for picture in pictures]
    options: dict[str, object] = (
        {"save_all": True, "append_images": pictures[1:]} if frames > 1 else {}
    )
    try:
        data = encoded(pictures[0], fmt, **options)
    except (OSError, ValueError, KeyError):  # a mode this format cannot store
        data = encoded(pictures[0].convert("RGB"), fmt, **options)
    return data, fmt, frames


def _as_mode(picture: Image.Image, mode: str, fmt: str) -> Image.Image:
    if mode == "I;16":
        return picture.convert("I").point(lambda v: v * 257).convert("I;16")
    return picture.convert(mode)


@SETTINGS
@given(
    image=encoded_images(),
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.integers(0, 10**6), max_size=3),
)
def property_truncated_or_flipped(
    image: tuple[bytes, str, int], cut: float, flips: list[int]
) -> None:
    """Valid images decode with every frame; truncated or bit-flipped ones decode or fail
    with a named error."""
    data, fmt, frames = image
    name = f"x.{fmt.lower()}"
    whole = outcome(data, name)
    assert whole is not None  # identical consecutive frames may be merged by the encoder
    assert 1 <= len(whole.frames) <= frames
    damaged = bytearray(data[: max(1, int(len(data) * cut))])
    for position in flips:
        damaged[position % len(damaged)] ^= 0x55
    outcome(bytes(damaged), name)


def in_memory_modes() -> None:
    """Generator outputs of every mode Pillow has become RGB or L frames plus alpha."""
    for mode in ("1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "CMYK",
                 "YCbCr", "LAB", "HSV", "I", "I;16", "I;16B", "F"):  # fmt: skip
        picture = Image.new(mode, (5, 3))
        artifact = Artifact.from_image(picture)
        assert artifact.image.mode in ("RGB", "L"), mode
        assert len(io.BytesIO(artifact.to_bytes()).getvalue()) > 0


@pytest.mark.parametrize(
    "target",
    ["property_random_bytes", "property_png_headers", "property_truncated_or_flipped",
     "in_memory_modes"],
)  # fmt: skip
@pytest.mark.hardening(
    "input", "image decoding: random bytes, PNG headers, modes, sizes, truncations (hypothesis)",
    f"a valid Artifact or InputError; under RLIMIT_AS {MEMORY_MB} MiB",
)  # fmt: skip
def test_image_loader_properties(target: str, record_property: pytest.RecordProperty) -> None:
    usage = run_limited(f"test_property_images:{target}", memory_mb=MEMORY_MB, timeout_s=240)
    record_property("peak_mb", usage.peak_mb)
    record_property("seconds", usage.seconds)
