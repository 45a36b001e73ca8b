"""The photo profile's extra steps: perceptual-hash candidates, a crop/flip/rotation search.

Why hashes first: on colour photos of any size imagehash's pHash and dHash survive
JPEG, resizing, blur and brightness with a few bits changed, so the items whose
summed Hamming distance (the two hashes voting) to the query, its mirror image or the
query turned back by a few angles is smallest are the candidates. An exact distance
then decides, comparing the query against every sub-window that a crop of up to 10%
of each side would have left of a candidate (and the mirror image against the same),
and the query turned back by each of ANGLES, of which only the centre that the
rotation's corner fill cannot reach is compared. Why a trend is removed: after the
low-pass, crops of different photos that are mostly smooth shading (sky, a retina's
glow, a stained slide) correlate through their gradients alone; the correlation of
what is left after a quadratic fit is what tells a copy from a look-alike."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from aigc_guard.index.vectors import low_pass

if TYPE_CHECKING:
    from PIL import Image

HASHES = ("phash", "dhash")
HASH_SIDE = 128
CROP_SHARES = (0.0, 0.05, 0.10)
ANGLES = (-8.0, -6.0, -4.0, -2.0, 2.0, 4.0, 6.0, 8.0)  # a rotation up to 8 degrees, 1 off
HASH_ANGLES = (-7.0, -4.0, 4.0, 7.0)  # the hashes bear 1.5 degrees: 2.5 to 8.5 covered
TREND_DEGREE = 2  # a quadratic trend (a smooth gradient) is removed before comparing
FEATURELESS = 0.02  # a view or window whose trend leaves < 2% of its spread: no content
FLAT = 2.0 / 255  # a row whose values span less than this is one colour


class CropView(NamedTuple):
    """A query view and where it may sit in an item's thumbnail (top and left ranges)."""

    tops: range
    lefts: range
    pattern: np.ndarray  # (height, width) float64, trend removed, unit norm


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


def hash_rows(image: Image.Image, angles: tuple[float, ...] = ()) -> np.ndarray:
    """(2 + len(angles), n_hashes) uint64: the hashes of the image, of its mirror image,
    then of the image turned back by each of `angles` (corners filled by replicating the
    edge), so that a rotated copy's hashes come near the original's again."""
    import imagehash
    from PIL import Image as PILImage
    from PIL import ImageOps

    gray = image.convert("L")
    if max(gray.size) > HASH_SIDE:  # the hashes shrink to <= 32 px anyway: save the time
        gray = gray.copy()
        gray.thumbnail((HASH_SIDE, HASH_SIDE), PILImage.Resampling.BOX)
    pictures = [gray, ImageOps.mirror(gray)]
    pixels = np.asarray(gray, dtype=np.float32)
    for angle in angles:
        pictures.append(PILImage.fromarray(np.clip(turn(pixels, angle), 0, 255).astype(np.uint8)))
    rows = np.empty((len(pictures), len(HASHES)), dtype=np.uint64)
    for number, picture in enumerate(pictures):
        for column, name in enumerate(HASHES):
            bits = getattr(imagehash, name)(picture).hash.flatten()
            rows[number, column] = int.from_bytes(np.packbits(bits).tobytes(), "big")
    return rows


def turn(pixels: np.ndarray, angle: float) -> np.ndarray:
    """`pixels` (2-D float32) rotated by `angle` degrees about the centre, same size,
    the corners filled by replicating the edge."""
    import cv2

    height, width = pixels.shape
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2.0, (height - 1) / 2.0), angle, 1.0)
    return cv2.warpAffine(pixels, matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)  # fmt: skip


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
    """The query's `side` x `side` thumbnail as it would sit inside an item's thumbnail if
    the query were a crop: one view per kept share of width and height (every offset), and
    the same for the mirror image. A `margin` band is left out (a shift fills it)."""
    import cv2

    views = []
    for picture in (gray, np.ascontiguousarray(gray[:, ::-1])):
        for share_w in CROP_SHARES:
            for share_h in CROP_SHARES:
                width, height = round(side * (1 - share_w)), round(side * (1 - share_h))
                small = picture
                if (width, height) != (side, side):
                    small = cv2.resize(picture, (width, height), interpolation=cv2.INTER_AREA)
                views.append(_view(small, sigma, margin, range(side - height + 1),
                                   range(side - width + 1)))  # fmt: skip
    return views


def inscribed_share(width: int, height: int, angle: float) -> float:
    """Largest f such that the centred f*width x f*height rectangle of an image rotated by
    `angle` degrees about its centre holds no pixel of the fill (the corners it brings in)."""
    turn = np.deg2rad(abs(angle))
    cos, sin = float(np.cos(turn)), float(np.sin(turn))
    return min(width / (width * cos + height * sin), height / (width * sin + height * cos))


def rotated_views(
    gray: np.ndarray, side: int, sigma: float, margin: int, angles: tuple[float, ...]
) -> list[CropView]:
    """Views of the query turned back by each of `angles`: rotated at 4x the thumbnail side
    in the query's own aspect (a rotation of a stretched thumbnail would be a shear), then
    only the centred rectangle that holds no corner fill is kept. That rectangle is a
    centred crop of the item (share 1 - f of each side), compared there within +-1 px."""
    import cv2

    work = gray
    if max(gray.shape) > 4 * side:
        scale = 4 * side / max(gray.shape)
        size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        work = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    height, width = work.shape
    views = []
    for angle in angles:
        turned = turn(work, angle)
        share = inscribed_share(width, height, angle)
        keep_w, keep_h = max(1, int(width * share)), max(1, int(height * share))
        left, top = (width - keep_w + 1) // 2, (height - keep_h + 1) // 2
        inner = turned[top : top + keep_h, left : left + keep_w]
        cells = round(side * share)
        small = cv2.resize(inner, (cells, cells), interpolation=cv2.INTER_AREA)
        centred = (side - cells) // 2
        near = range(max(0, centred - 1), min(side - cells, centred + 1) + 1)
        views.append(_view(small, sigma, margin, near, near))
    return views


def _view(small: np.ndarray, sigma: float, margin: int, tops: range, lefts: range) -> CropView:
    """One query view: low-passed, its `margin` band cut, the smooth trend removed and
    unit-normed, to be compared at every (top, left) in `tops` x `lefts` of an item's
    thumbnail."""
    height, width = small.shape
    inner = low_pass(small, sigma)[margin : height - margin, margin : width - margin]
    flat = inner.ravel().astype(np.float64)
    basis = trend_basis(*inner.shape)
    spread = float(np.linalg.norm(flat - flat.mean()))
    flat = flat - basis @ (basis.T @ flat)
    norm = float(np.linalg.norm(flat))
    featureless = norm <= max(1e-6, FEATURELESS * spread)
    pattern = np.zeros_like(flat) if featureless else flat / norm
    return CropView(range(tops.start + margin, tops.stop + margin),
                    range(lefts.start + margin, lefts.stop + margin),
                    pattern.reshape(inner.shape))  # fmt: skip


@functools.lru_cache(maxsize=256)
def trend_basis(height: int, width: int) -> np.ndarray:
    """(height * width, m) orthonormal basis of the polynomials of degree <= TREND_DEGREE
    on a height x width grid (degree 0: the constant, as in a Pearson correlation)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    y, x = (y.ravel() - (height - 1) / 2) / height, (x.ravel() - (width - 1) / 2) / width
    terms = [x**i * y**j for i in range(TREND_DEGREE + 1) for j in range(TREND_DEGREE + 1 - i)]
    basis, _ = np.linalg.qr(np.stack(terms, axis=1))
    return basis


def crop_similarities(items: np.ndarray, views: list[CropView], side: int) -> np.ndarray:
    """Best absolute Pearson correlation of each item (k, side*side) over all views.

    Per view, the item windows at its offsets meet the pattern in one matrix-vector
    product; their sums and sums of squares come from integral images (the pattern is
    mean-centred, so the window's mean drops out of the product)."""
    from numpy.lib.stride_tricks import sliding_window_view

    count = items.shape[0]
    grids = items.reshape(count, side, side).astype(np.float64)
    sums, squares = _integral(grids), _integral(grids**2)
    best = np.zeros(count, dtype=np.float32)
    for view in views:
        height, width = view.pattern.shape
        rows, cols = (
            slice(view.tops.start, view.tops.stop),
            slice(view.lefts.start, view.lefts.stop),
        )
        windows = sliding_window_view(grids, (height, width), axis=(1, 2))[:, rows, cols]
        # the pattern is orthogonal to the trend basis: the window's trend drops out of the dot
        basis = trend_basis(height, width)
        weights = np.concatenate([view.pattern.reshape(-1, 1), basis], axis=1)
        products = windows.reshape(-1, height * width) @ weights
        dots = products[:, 0].reshape(count, -1)
        top, left = np.arange(rows.start, rows.stop)[:, None], np.arange(cols.start, cols.stop)
        corners = (top, left, top + height, left + width)
        power = _box(squares, *corners).reshape(count, -1)
        centred = power - _box(sums, *corners).reshape(count, -1) ** 2 / (height * width)
        trend = (products[:, 1:] ** 2).sum(axis=1).reshape(count, -1)
        spread = np.sqrt(np.maximum(power - trend, 0.0))
        content = spread > np.maximum(1e-6, FEATURELESS * np.sqrt(np.maximum(centred, 0.0)))
        scores = np.divide(np.abs(dots), spread, out=np.zeros_like(spread), where=content)
        best = np.maximum(best, scores.max(axis=1))
    return best


def _integral(grids: np.ndarray) -> np.ndarray:
    """(k, r + 1, r + 1) float64 integral images: [i, y, x] sums grids[i, :y, :x]."""
    table = np.zeros((grids.shape[0], grids.shape[1] + 1, grids.shape[2] + 1))
    table[:, 1:, 1:] = grids.cumsum(axis=1, dtype=np.float64).cumsum(axis=2)
    return table


def _box(table: np.ndarray, top: np.ndarray, left: np.ndarray, bottom: np.ndarray,
         right: np.ndarray) -> np.ndarray:  # fmt: skip
    """Sum of each item's window [top:bottom, left:right] from its integral image."""
    return (
        table[:, bottom, right]
        - table[:, top, right]
        - table[:, bottom, left]
        + table[:, top, left]
    )
