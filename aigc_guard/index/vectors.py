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


def search_views(
    pixels: np.ndarray, max_shift: int, angles: tuple[float, ...], margin: int
) -> tuple[np.ndarray, np.ndarray]:
    """The compared square (`margin` trimmed) of every rotation in `angles` x every shift
    within +-max_shift of one (r, r) image.

    Returns the views (v, r - 2 margin, r - 2 margin) and a boolean mask of the `probe`
    views (every shift at 0 degrees, every rotation unshifted) that the candidate stage
    looks up. Each view is a window of the rotated image (padded with its background only
    where the shift reaches past the margin), cut as strided views and copied once: a
    query makes 225 of them, so a Python loop of pads and slices was a fifth of its time.
    """
    import cv2
    from numpy.lib.stride_tricks import sliding_window_view

    side = pixels.shape[0]
    inner = side - 2 * margin
    fill = border_value(pixels)
    centre = ((side - 1) / 2.0, (side - 1) / 2.0)
    turned = []
    for angle in angles:
        if angle:
            matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
            turned.append(cv2.warpAffine(
                pixels, matrix, (side, side), flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT, borderValue=fill,
            ))  # fmt: skip
        else:
            turned.append(pixels)
    s = max_shift
    pad = max(0, s - margin)
    stack = np.stack(turned)
    if pad:
        stack = np.pad(stack, ((0, 0), (pad, pad), (pad, pad)), constant_values=fill)
    start, span = margin + pad - s, 2 * s + 1
    windows = sliding_window_view(stack, (inner, inner), axis=(1, 2))
    views = windows[:, start : start + span, start : start + span].reshape(-1, inner, inner)
    unshifted = np.zeros((span, span), dtype=bool)
    unshifted[s, s] = True
    probe = np.array([angle == 0 for angle in angles])[:, None, None] | unshifted
    return views, probe.reshape(-1)


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
    """Where each list's items lie in an index stored sorted by list.

    Items are kept grouped by list (see `list_order`), so probing a list reads one
    contiguous slice of the memory map instead of gathering scattered rows: at
    1,000,000 items the gather was most of a query's time.
    """

    def __init__(self, lists: np.ndarray, count: int) -> None:
        lists = np.asarray(lists)
        if lists.size and (np.any(lists[1:] < lists[:-1]) or lists[0] < 0 or lists[-1] >= count):
            raise ValueError("items are not stored sorted by list number")
        self.offsets = np.searchsorted(lists, np.arange(count + 1)).astype(np.int64)

    def spans(self, lists: np.ndarray) -> list[tuple[int, int]]:
        """(start, stop) row ranges of the given lists, in storage order, adjacent ones merged."""
        out: list[tuple[int, int]] = []
        for number in np.unique(lists):
            start, stop = int(self.offsets[number]), int(self.offsets[number + 1])
            if start == stop:
                continue
            if out and out[-1][1] == start:
                out[-1] = (out[-1][0], stop)
            else:
                out.append((start, stop))
        return out

    def rows(self, lists: np.ndarray) -> np.ndarray:
        """The rows of the given lists."""
        parts = [np.arange(start, stop) for start, stop in self.spans(lists)]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def list_order(lists: np.ndarray) -> np.ndarray:
    """The permutation that stores items grouped by list (stable: equal lists keep order)."""
    return np.argsort(np.asarray(lists), kind="stable")


def span_similarities(
    embeds: np.ndarray, spans: list[tuple[int, int]], probes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `spans` and, per row, the largest |inner product| with any probe.

    Computed as probes x slice^T so the max runs over the short axis of a wide
    array (elementwise maxima of rows), twice as fast as the other orientation."""
    rows, scores = [], []
    for start, stop in spans:
        block = probes @ embeds[start:stop].T
        np.abs(block, out=block)
        scores.append(block.max(axis=0))
        rows.append(np.arange(start, stop))
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    return np.concatenate(rows), np.concatenate(scores)


def top_rows(scores: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` largest scores, largest first."""
    if scores.size <= count:
        return np.argsort(-scores, kind="stable")
    top = np.argpartition(-scores, count - 1)[:count]
    return top[np.argsort(-scores[top], kind="stable")]
