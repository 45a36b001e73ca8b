"""A perceptual fingerprint of a delivered image, so a copied watermark is told from an output.

A key does not stop the copy attack (Kutter et al. 2000): estimate the mark from a
marked image by denoising it, add it to another image, and the payload reads back.
So the audit row records a perceptual hash of what was delivered, and `verify`
accepts a watermark as that row's output only when the file still looks like it.

The hash (imagehash pHash, 64 bits) covers the central box of the image (10% margin
on each side). A crop moves the box; the keyed-tile detector knows the crop offset
modulo its 128-pixel tile from the sync peak, and the rescale it undid, so the
verifier hashes the same pixels again. Distances: see benchmarks/watermark.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

ALG = "phash-center-v1"
MARGIN = 0.10
# Largest pHash distance (of 64 bits) still read as "the same image"; measured on the
# benchmark: attacked copies of an output stay below it, unrelated photos far above.
MAX_DISTANCE = 12


def image_fingerprint(image: Image.Image) -> dict[str, Any]:
    """The row's record: algorithm, image size, the hashed box and its pHash (hex)."""
    box = _central_box(image.width, image.height)
    return {"alg": ALG, "size": [image.width, image.height], "box": list(box),
            "phash": _phash(image.crop(box))}  # fmt: skip


def fingerprint_distance(
    record: dict[str, Any],
    image: Image.Image,
    *,
    shift: tuple[int, int] | None = None,
    scale: float = 1.0,
    tile: int = 128,
) -> int | None:
    """Smallest pHash distance between `record` and the same box found in `image`.

    `shift` is the keyed-tile detector's sync shift (dy, dx), `scale` the rescale it
    undid. None when the record is of another kind or the box no longer fits (a crop
    larger than the margin), i.e. when the comparison cannot be made.
    """
    from PIL import Image as PILImage

    if record.get("alg") != ALG:
        return None
    if abs(scale - 1.0) > 1e-6:
        size = (round(image.width / scale), round(image.height / scale))
        image = image.resize(size, PILImage.Resampling.BICUBIC)
    width, height = record["size"]
    left, top, right, bottom = record["box"]
    best: int | None = None
    for dy, dx in _offsets(image, (width, height), shift, tile):
        box = (left - dx, top - dy, right - dx, bottom - dy)
        if box[0] < 0 or box[1] < 0 or box[2] > image.width or box[3] > image.height:
            continue
        distance = _hamming(record["phash"], _phash(image.crop(box)))
        best = distance if best is None else min(best, distance)
    return best


def _offsets(
    image: Image.Image, size: tuple[int, int], shift: tuple[int, int] | None, tile: int
) -> list[tuple[int, int]]:
    """Candidate crop offsets (top, left) of `image` inside the original of `size`."""
    spare_y, spare_x = size[1] - image.height, size[0] - image.width
    if shift is None or spare_y < 0 or spare_x < 0:
        return [(0, 0)]
    first_y, first_x = (-shift[0]) % tile, (-shift[1]) % tile
    ys = range(first_y, spare_y + 1, tile) if spare_y else [0]
    xs = range(first_x, spare_x + 1, tile) if spare_x else [0]
    return [(y, x) for y in ys for x in xs][:16] or [(0, 0)]


def _central_box(width: int, height: int) -> tuple[int, int, int, int]:
    margin_x, margin_y = round(width * MARGIN), round(height * MARGIN)
    return margin_x, margin_y, width - margin_x, height - margin_y


def _phash(image: Image.Image) -> str:
    import imagehash

    return str(imagehash.phash(image.convert("L")))


def _hamming(first: str, second: str) -> int:
    return bin(int(first, 16) ^ int(second, 16)).count("1")


__all__ = ["ALG", "MAX_DISTANCE", "fingerprint_distance", "image_fingerprint"]
