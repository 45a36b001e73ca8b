"""Numeric building blocks of the image index: low-pass thumbnails, search views, IVF lists.

Why a low-pass: blur, resize round trips, JPEG and noise all remove or add high
frequencies; a Gaussian low-pass applied to both the indexed items and the query
makes them look alike again, while the digit's or photo's shape survives. Mean
centring and unit norm make the comparison a Pearson correlation, blind to
brightness and contrast. The absolute correlation also catches a negative copy.

The candidate stage is an inverted file (IVF) in plain numpy: k-means centroids
over a coarse 8x8 embedding, each item in its nearest centroid's list. Measured
against faiss-cpu's IndexIVFFlat in benchmarks/memorization.py.
"""

from __future__ import annotations

import numpy as np

EMBED_SIDE = 8


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """Mean-centre and L2-normalise each row (float32); a flat row becomes zero."""
    flat = rows.reshape(rows.shape[0], -1).astype(np.float32)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    return np.divide(flat, norms, out=np.zeros_like(flat), where=norms > 1e-6)


def low_pass(pixels: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian low-pass of one 2-D float32 image (edges replicated)."""
    import cv2

    if sigma <= 0:
        return pixels
    return cv2.GaussianBlur(pixels, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)


def low_pass_many(grids: np.ndarray, sigma: float) -> np.ndarray:
    """`low_pass` of each (r, r) grid of an (n, r, r) stack, in one call (channels)."""
    import cv2

    out = np.empty_like(grids, dtype=np.float32)
    for start in range(0, grids.shape[0], 128):  # OpenCV wraps at most 128 channels
        block = np.ascontiguousarray(np.moveaxis(grids[start : start + 128], 0, -1))
        blurred = cv2.GaussianBlur(block, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
        out[start : start + 128] = np.moveaxis(blurred.reshape(block.shape), -1, 0)
    return out


def embed(pixels: np.ndarray) -> np.ndarray:
    """(n, r, r) low-passed thumbnails -> (n, 64) unit rows of their 8x8 area means."""
    import cv2

    small = np.stack(
        [cv2.resize(p, (EMBED_SIDE, EMBED_SIDE), interpolation=cv2.INTER_AREA) for p in pixels]
    )
    return unit_rows(small)


def border_value(pixels: np.ndarray) -> float:
    """The median of the outermost pixels: the background a shift or rotation reveals."""
    edge = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return float(np.median(edge))


def shifted_rotated(
    pixels: np.ndarray, max_shift: int, angles: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Every rotation in `angles` x every shift within +-max_shift of one (r, r) image.

    Returns the views (v, r, r) and a boolean mask of the `probe` views (every
    shift at 0 degrees, every rotation unshifted) that the candidate stage looks up.
    """
    import cv2

    side = pixels.shape[0]
    fill = border_value(pixels)
    views, probe = [], []
    centre = ((side - 1) / 2.0, (side - 1) / 2.0)
    s = max_shift
    for angle in angles:
        if angle:
            matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
            turned = cv2.warpAffine(
                pixels, matrix, (side, side), flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT, borderValue=fill,
            )  # fmt: skip
        else:
            turned = pixels
        padded = np.pad(turned, s, mode="constant", constant_values=fill)
        for dy in range(-s, s + 1):
            for dx in range(-s, s + 1):
                views.append(padded[s + dy : s + dy + side, s + dx : s + dx + side])
                probe.append((dx == 0 and dy == 0) or angle == 0)
    return np.stack(views), np.array(probe)


def kmeans(points: np.ndarray, count: int, *, iterations: int = 8) -> np.ndarray:
    """Spherical k-means centroids (count, d) of unit rows; seeds drawn without a fixed seed
    would make rebuilds differ, so the seed is fixed (it decides speed, not privacy)."""
    rng = np.random.default_rng(0)
    centroids = points[rng.choice(points.shape[0], count, replace=False)].copy()
    for _ in range(iterations):
        assignment = assign(points, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assignment, points)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] < 1e-6
        centroids = np.where(empty[:, None], centroids, sums / np.maximum(norms, 1e-6))
    return centroids.astype(np.float32)


def assign(points: np.ndarray, centroids: np.ndarray, block: int = 65536) -> np.ndarray:
    """The nearest centroid (largest inner product) of each row."""
    out = np.empty(points.shape[0], dtype=np.int32)
    for start in range(0, points.shape[0], block):
        out[start : start + block] = (points[start : start + block] @ centroids.T).argmax(axis=1)
    return out


class InvertedLists:
    """Rows grouped by list, for gathering the candidates of a few lists at once."""

    def __init__(self, lists: np.ndarray, count: int) -> None:
        self.order = np.argsort(lists, kind="stable").astype(np.int64)
        self.offsets = np.zeros(count + 1, dtype=np.int64)
        self.offsets[1:] = np.cumsum(np.bincount(lists, minlength=count))

    def rows(self, lists: np.ndarray) -> np.ndarray:
        parts = [self.order[self.offsets[i] : self.offsets[i + 1]] for i in np.unique(lists)]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def top_rows(scores: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` largest scores, largest first."""
    if scores.size <= count:
        return np.argsort(-scores, kind="stable")
    top = np.argpartition(-scores, count - 1)[:count]
    return top[np.argsort(-scores[top], kind="stable")]
