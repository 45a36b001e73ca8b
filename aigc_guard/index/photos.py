"""The photo profile's extra steps: perceptual-hash candidates and a crop/flip search.

Why hashes first: on colour photos of any size imagehash's pHash and dHash survive
JPEG, resizing, blur and brightness with a few bits changed, so the items whose
summed Hamming distance (the two hashes voting) to the query or its mirror image
is smallest are the candidates; an exact low-pass Pearson distance then decides,
comparing the query against every sub-window that a crop of up to 10% of each side
would have left of a candidate (and the query's mirror image against the same).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from aigc_guard.index.vectors import low_pass, unit_rows

if TYPE_CHECKING:
    from PIL import Image

HASHES = ("phash", "dhash")
HASH_SIDE = 128
CROP_SHARES = (0.0, 0.05, 0.10)
FLAT = 2.0 / 255  # a row whose values span less than this is one colour


class CropView(NamedTuple):
    left: int
    top: int
    height: int
    width: int
    vector: np.ndarray


def trim_flat_border(gray: np.ndarray, limit: float = 0.15) -> np.ndarray:
    """Strip uniform rows and columns at the edges (up to `limit` of each side): a shifted
    copy padded with a band of one colour becomes a crop, which the crop search finds."""
    top, bottom, left, right = 0, gray.shape[0], 0, gray.shape[1]
    most_rows, most_cols = int(gray.shape[0] * limit), int(gray.shape[1] * limit)
    while top < most_rows and np.ptp(gray[top, left:right]) < FLAT:
        top += 1
    while gray.shape[0] - bottom < most_rows and np.ptp(gray[bottom - 1, left:right]) < FLAT:
        bottom -= 1
    while left < most_cols and np.ptp(gray[top:bottom, left]) < FLAT:
        left += 1
    while gray.shape[1] - right < most_cols and np.ptp(gray[top:bottom, right - 1]) < FLAT:
        right -= 1
    return gray[top:bottom, left:right]


def hash_rows(image: Image.Image) -> np.ndarray:
    """(2, n_hashes) uint64: the hashes of the image and of its mirror image."""
    import imagehash
    from PIL import Image as PILImage
    from PIL import ImageOps

    gray = image.convert("L")
    if max(gray.size) > HASH_SIDE:  # the hashes shrink to <= 32 px anyway: save the time
        gray = gray.copy()
        gray.thumbnail((HASH_SIDE, HASH_SIDE), PILImage.Resampling.BOX)
    rows = np.empty((2, len(HASHES)), dtype=np.uint64)
    for side, picture in enumerate((gray, ImageOps.mirror(gray))):
        for column, name in enumerate(HASHES):
            bits = getattr(imagehash, name)(picture).hash.flatten()
            rows[side, column] = int.from_bytes(np.packbits(bits).tobytes(), "big")
    return rows


def hash_candidates(query: np.ndarray, hashes: np.ndarray, count: int) -> np.ndarray:
    """Rows of the `count` items nearest by summed Hamming distance to the query or its
    mirror image (`query` from `hash_rows`, `hashes` the (n, n_hashes) of the items)."""
    from aigc_guard.index.vectors import top_rows

    best = None
    for side in range(query.shape[0]):
        bits = np.bitwise_count(np.bitwise_xor(hashes, query[side][None, :])).sum(axis=1)
        best = bits if best is None else np.minimum(best, bits)
    assert best is not None
    return top_rows(-best.astype(np.float32), count)


def crop_views(gray: np.ndarray, side: int, sigma: float, margin: int) -> list[CropView]:
    """The query's `side` x `side` thumbnail (float32) as it would sit inside an item's
    thumbnail if the query were a crop: one view per kept share of width and height and per
    offset, and the same for the mirror image. A `margin` band is left out (a shift or
    rotation fills it with background)."""
    import cv2

    views = []
    for picture in (gray, np.ascontiguousarray(gray[:, ::-1])):
        for share_w in CROP_SHARES:
            for share_h in CROP_SHARES:
                width, height = round(side * (1 - share_w)), round(side * (1 - share_h))
                small = picture
                if (width, height) != (side, side):
                    small = cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)
                inner = low_pass(small, sigma)[margin : height - margin, margin : width - margin]
                vector = unit_rows(inner[None])[0]
                for top in range(side - height + 1):
                    for left in range(side - width + 1):
                        views.append(CropView(left + margin, top + margin, height - 2 * margin,
                                              width - 2 * margin, vector))  # fmt: skip
    return views


def crop_similarities(items: np.ndarray, views: list[CropView], side: int) -> np.ndarray:
    """Best absolute Pearson correlation of each item (k, side*side) over all crop views."""
    grids = items.reshape(items.shape[0], side, side).astype(np.float32)
    best = np.zeros(items.shape[0], dtype=np.float32)
    for view in views:
        window = grids[:, view.top : view.top + view.height, view.left : view.left + view.width]
        best = np.maximum(best, np.abs(unit_rows(window) @ view.vector))
    return best
