"""The one guarded door for outside bytes: files read with a size cap, images decoded
within a pixel budget, text decoded as strict UTF-8.

Every image that enters aigc_guard (a file to guard, inspect or verify, or a
generator's output) goes through `decode_image` or `normalize_image`, so these
rules hold everywhere:

- **Budget before decoding.** The file's size, then its *declared* size (width x
  height x frames, read from the header) are checked against `InputLimits` before
  a pixel is decoded; Pillow's own DecompressionBombError is caught as well.
- **Only PNG, JPEG and WebP** are opened, whatever the file name says, so no other
  decoder in Pillow is reachable from a hostile file.
- **Every frame.** An animated PNG or WebP yields every frame (composited, as a
  viewer shows it), or is refused when the policy says `animations: refuse`.
- **Explicit modes.** Colour planes come out as RGB or L. Alpha is split off into
  its own channel (kept only when some pixel is not opaque), palettes are expanded
  (their transparency becomes alpha), 16-bit and float images are *scaled* into
  0-255, never clipped (16-bit: / 257; float: [0, 1] -> [0, 255], [0, 255] as is,
  any other range stretched from its minimum to its maximum).
- **EXIF orientation applied**, so checks see the picture the way viewers do.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aigc_guard.errors import InputError
from aigc_guard.limits import DEFAULT_LIMITS, InputLimits

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

DECODABLE_FORMATS = ("PNG", "JPEG", "WEBP")
DEFAULT_FRAME_MS = 100
_ORIENTATION_TAG = 0x0112
_COLOUR_MODES = ("RGB", "L")


@dataclass(frozen=True)
class DecodedImage:
    """Every frame of one image as RGB or L, its alpha channels (L) and frame durations.

    `alpha` is empty when every pixel of every frame is opaque, else one channel per
    frame. `durations` (milliseconds) is empty for a still image.
    """

    frames: tuple[Image.Image, ...]
    alpha: tuple[Image.Image, ...] = ()
    durations: tuple[int, ...] = ()


def read_bounded(path: str | Path, *, max_bytes: int, budget: str) -> bytes:
    """The bytes of the regular file `path`, refusing it before reading when it is larger
    than `max_bytes` (`budget` names the policy field in the message)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        size = path.stat().st_size
        _check_size(path, size, max_bytes, budget)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    _check_size(path, len(data), max_bytes, budget)
    return data


def _check_size(source: str | Path, size: int, max_bytes: int, budget: str) -> None:
    if size > max_bytes:
        raise InputError(
            f"{source}: {size:,} bytes is over the budget of {max_bytes:,} bytes ({budget})"
        )


def decode_text(data: bytes, *, source: str, limits: InputLimits = DEFAULT_LIMITS) -> str:
    """Strict UTF-8 within `limits.max_text_bytes`; an invalid byte is named by its offset.

    Nothing is translated (newlines, BOM, zero-width or bidi characters stay), so
    the text matches the bytes a manifest or a content hash was made over.
    """
    _check_size(source, len(data), limits.max_text_bytes, "limits.max_text_bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: not UTF-8 text: byte 0x{data[exc.start]:02x} at byte offset "
            f"{exc.start} ({exc.reason})"
        ) from exc


def decode_image(
    data: bytes, *, source: str = "<bytes>", limits: InputLimits = DEFAULT_LIMITS
) -> DecodedImage:
    """Decode PNG, JPEG or WebP bytes within `limits`; InputError names `source` and why."""

    _check_size(source, len(data), limits.max_image_bytes, "limits.max_image_bytes")
    # Pillow warns about quirks of hostile files (and about sizes our own budget below
    # decides on): the caller gets one error line or an image, not warnings on stderr.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image = _open(data, source=source)
        with image:
            check_declared_size(image, source=source, limits=limits)
            return _decode_frames(image, source=source)


def _open(data: bytes, *, source: str) -> Image.Image:
    """Read the header only (Pillow decodes lazily), refusing formats we do not decode."""
    from PIL import Image as PILImage

    try:
        return PILImage.open(io.BytesIO(data), formats=list(DECODABLE_FORMATS))
    except PILImage.DecompressionBombError as exc:
        raise InputError(f"{source}: refused before decoding: {exc}") from exc
    except PILImage.UnidentifiedImageError as exc:
        raise InputError(
            f"{source}: not a readable image (not {', '.join(DECODABLE_FORMATS)})"
        ) from exc
    except MemoryError:
        raise  # never disguised: the budget exists so that this cannot happen
    except Exception as exc:  # any decoder failure on hostile bytes is "unreadable"
        raise _unreadable(source, exc) from exc


def normalize_image(
    image: Image.Image, *, source: str = "<image>", limits: InputLimits | None = None
) -> DecodedImage:
    """An in-memory image (a generator's output) split into frames, alpha and durations.

    `limits` None applies no budget (the pixels are already in memory).
    """
    if limits is not None:
        check_declared_size(image, source=source, limits=limits)
    return _decode_frames(image, source=source)


def check_declared_size(image: Image.Image, *, source: str, limits: InputLimits) -> None:
    """Refuse `image` on what its header declares, before any pixel is decoded."""
    width, height = image.size
    check_shape(
        width, height, int(getattr(image, "n_frames", 1) or 1), source=source, limits=limits
    )


def check_shape(width: int, height: int, frames: int, *, source: str, limits: InputLimits) -> None:
    """Refuse an image of `frames` frames of `width` x `height` pixels that is over `limits`."""
    if width <= 0 or height <= 0:
        raise InputError(f"{source}: image has zero width or height")
    if frames > 1 and limits.animations == "refuse":
        raise InputError(
            f"{source}: animated image ({frames} frames) refused by the policy "
            "(limits.animations: refuse)"
        )
    if frames > limits.max_frames:
        raise InputError(
            f"{source}: {frames:,} frames is over the budget of {limits.max_frames:,} "
            "(limits.max_frames)"
        )
    pixels = width * height * frames
    if pixels > limits.max_image_pixels:
        shape = f"{width}x{height}" + (f" x {frames} frames" if frames > 1 else "")
        raise InputError(
            f"{source}: refused before decoding: declares {shape} = {pixels:,} pixels, over "
            f"the budget of {limits.max_image_pixels:,} (limits.max_image_pixels)"
        )


def _decode_frames(image: Image.Image, *, source: str) -> DecodedImage:
    count = int(getattr(image, "n_frames", 1) or 1)
    colours: list[Image.Image] = []
    alphas: list[Image.Image | None] = []
    durations: list[int] = []
    try:
        transpose = _orientation(image)
        for index in range(count):
            if count > 1:
                image.seek(index)
            image.load()
            colour, alpha = split_alpha(image, source=source)
            if transpose is not None:
                colour = colour.transpose(transpose)
                alpha = alpha.transpose(transpose) if alpha is not None else None
            colours.append(colour)
            alphas.append(alpha)
            durations.append(_duration(image))
    except (InputError, MemoryError):
        raise
    except Exception as exc:  # truncated data, corrupt chunks, decoder errors
        raise _unreadable(source, exc) from exc
    return DecodedImage(
        frames=tuple(colours),
        alpha=_alpha_channels(colours, alphas),
        durations=tuple(durations) if count > 1 else (),
    )


def split_alpha(
    image: Image.Image, *, source: str = "<image>"
) -> tuple[Image.Image, Image.Image | None]:
    """(colour planes as RGB or L, alpha channel as L or None) for one decoded frame."""
    mode = image.mode
    if mode in _COLOUR_MODES:
        return image.copy(), None
    if mode == "1":
        return image.convert("L"), None
    if mode in ("LA", "La"):
        plain = image.convert("LA")
        return plain.getchannel("L"), plain.getchannel("A")
    if mode in ("RGBA", "RGBa", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        return rgba.convert("RGB"), rgba.getchannel("A")
    if mode in ("P", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"):
        return image.convert("RGB"), None
    if mode.startswith("I") or mode == "F":
        return _scaled_to_8_bits(image, source=source), None
    raise InputError(f"{source}: unsupported image mode {mode!r}")


def _scaled_to_8_bits(image: Image.Image, *, source: str) -> Image.Image:
    """A 16-bit, 32-bit integer or float image scaled (not clipped) to 8-bit L."""
    import numpy as np
    from PIL import Image as PILImage

    values = np.asarray(image, dtype=np.float64)
    if not np.isfinite(values).all():
        raise InputError(f"{source}: image has NaN or infinite pixel values")
    if values.size == 0:
        raise InputError(f"{source}: image has zero width or height")
    low, high = float(values.min()), float(values.max())
    if image.mode == "F" and low >= 0.0 and high <= 1.0:
        scaled = values * 255.0
    elif image.mode == "F" and low >= 0.0 and high <= 255.0:
        scaled = values
    elif image.mode != "F" and low >= 0.0 and high <= 65535.0:
        scaled = values / 257.0  # the full 16-bit range onto the full 8-bit range
    else:
        scaled = _stretched(values, low, high)
    return PILImage.fromarray(np.rint(scaled).astype(np.uint8), mode="L")


def _stretched(values: np.ndarray, low: float, high: float) -> np.ndarray:
    if high == low:
        return values * 0.0
    return (values - low) * (255.0 / (high - low))


def _alpha_channels(
    colours: list[Image.Image], alphas: list[Image.Image | None]
) -> tuple[Image.Image, ...]:
    """One alpha channel per frame when any frame has a pixel that is not opaque, else ()."""
    from PIL import Image as PILImage

    if not any(alpha is not None and _lowest(alpha) < 255 for alpha in alphas):
        return ()
    return tuple(
        alpha if alpha is not None else PILImage.new("L", colour.size, 255)
        for colour, alpha in zip(colours, alphas, strict=True)
    )


def _lowest(channel: Image.Image) -> float:
    """The smallest value of a single-band image."""
    low = channel.getextrema()[0]
    return float(low) if isinstance(low, int | float) else 0.0


def _orientation(image: Image.Image) -> Image.Transpose | None:
    """The transpose that EXIF orientation 2-8 asks for (None: as stored)."""
    from PIL import Image as PILImage

    try:
        value = image.getexif().get(_ORIENTATION_TAG)
    except Exception:  # unreadable EXIF: there is no orientation to apply
        return None
    return {
        2: PILImage.Transpose.FLIP_LEFT_RIGHT,
        3: PILImage.Transpose.ROTATE_180,
        4: PILImage.Transpose.FLIP_TOP_BOTTOM,
        5: PILImage.Transpose.TRANSPOSE,
        6: PILImage.Transpose.ROTATE_270,
        7: PILImage.Transpose.TRANSVERSE,
        8: PILImage.Transpose.ROTATE_90,
    }.get(value if isinstance(value, int) else 0)


def _duration(image: Image.Image) -> int:
    value = image.info.get("duration")
    if isinstance(value, (int, float)) and 0 < value < 3_600_000:
        return int(value)
    return DEFAULT_FRAME_MS


def _unreadable(source: str, exc: BaseException) -> InputError:
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return InputError(f"{source}: not a readable image ({detail})")


__all__ = [
    "DECODABLE_FORMATS",
    "DecodedImage",
    "check_declared_size",
    "check_shape",
    "decode_image",
    "decode_text",
    "normalize_image",
    "read_bounded",
    "split_alpha",
]
