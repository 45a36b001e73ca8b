"""Image fingerprint index: exact pixel-space nearest neighbour plus a pHash per item.

Why pixels and not perceptual hashes: on 28x28 digits a pHash does not
discriminate (the nearest *different* digit is a median 4 bits away, 3% collide
exactly), so the decision uses an exact distance on a grayscale thumbnail:

    distance = 1 - max(pearson(query, item), 0), in [0, 1]

i.e. cosine distance of mean-centred, unit-norm pixel vectors. Centring and
normalising make it blind to brightness and contrast changes; the query is
also compared at every shift of up to `max_shift` pixels, so a copy moved by a
pixel is still found. Both choices were measured on mnist5k against plain RMS
and cosine (see benchmarks/memorization.py). The pHash is kept as a 64-bit int
for each item and reported as a figure (and for candidate retrieval on large
photo indexes, not done here).

Scale: brute force, chunked numpy: memory N x resolution^2 x 4 bytes (314 MB
for 100k items at 28 px) and about N x 9 x resolution^2 multiply-adds per query.
Fine up to ~100k items; beyond, put an ANN library in front of `_best`.
The index holds a thumbnail of every training image: protect it like the data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aigc_guard.errors import FingerprintIndexError, InputError
from aigc_guard.index.store import (
    NearestMatch,
    calibration_figures,
    check_fpr,
    check_ids,
    check_manifest,
    load_arrays,
    new_manifest,
    read_manifest,
    require_fields,
    track,
    write_index_dir,
)

if TYPE_CHECKING:
    from PIL import Image

    from aigc_guard.train.data import ImageDataset

    ImageItems = ImageDataset | Sequence[tuple[str, Image.Image]]
    HoldoutItems = ImageDataset | Sequence[Image.Image] | Sequence[tuple[str, Image.Image]]

KIND = "image"
ALGORITHM = "pixel-pearson+phash"
ALGORITHM_VERSION = 1
DISTANCE = "1-pearson(clipped at 0), min over shifts"
MAX_SHIFT = 1
CHUNK_ITEMS = 8192
QUERY_BLOCK = 128
LOO_SAMPLE = 1000


def to_pixels(image: Image.Image, resolution: int) -> np.ndarray:
    """Grayscale float32 thumbnail in [0, 1]; identical at build and query time.

    Downscaling uses BOX (area averaging), so a 256x256 upscale of a 28x28 digit
    comes back to nearly the same 28x28 pixels whatever filter upscaled it.
    """
    from PIL import Image as PILImage

    if not isinstance(image, PILImage.Image):
        raise InputError(f"expected a PIL image, got {type(image).__name__}")
    gray = image.convert("L")
    if gray.size != (resolution, resolution):
        shrinking = gray.width >= resolution and gray.height >= resolution
        method = PILImage.Resampling.BOX if shrinking else PILImage.Resampling.BILINEAR
        gray = gray.resize((resolution, resolution), method)
    return np.asarray(gray, dtype=np.float32) / 255.0


def phash_int(image: Image.Image) -> int:
    """The 64-bit pHash (imagehash, 8x8 DCT bits) as an unsigned int."""
    import imagehash

    bits = imagehash.phash(image.convert("L")).hash.flatten()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def _unit_rows(pixels: np.ndarray) -> np.ndarray:
    """Mean-centre and L2-normalise each row; a flat image becomes the zero vector."""
    rows = pixels.reshape(pixels.shape[0], -1).astype(np.float32)
    rows = rows - rows.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 1e-6)


def _shifted_views(pixels: np.ndarray, max_shift: int) -> np.ndarray:
    """(n, r, r) -> (n, views, r*r): every shift within +-max_shift, edges replicated."""
    n, r, _ = pixels.shape
    s = max_shift
    padded = np.pad(pixels, ((0, 0), (s, s), (s, s)), mode="edge")
    views = [
        padded[:, s + dy : s + dy + r, s + dx : s + dx + r]
        for dy in range(-s, s + 1)
        for dx in range(-s, s + 1)
    ]
    stacked = np.stack(views, axis=1).reshape(n * len(views), r, r)
    return _unit_rows(stacked).reshape(n, len(views), r * r)


def _best(
    views: np.ndarray, items: np.ndarray, exclude: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest item per query: (distances, rows). `exclude[i]` is a row query i may not match."""
    n = views.shape[0]
    best_sim = np.full(n, -np.inf, dtype=np.float32)
    best_row = np.zeros(n, dtype=np.int64)
    for q0 in range(0, n, QUERY_BLOCK):
        block = views[q0 : q0 + QUERY_BLOCK]
        flat = block.reshape(-1, block.shape[-1])
        for c0 in range(0, items.shape[0], CHUNK_ITEMS):
            chunk = items[c0 : c0 + CHUNK_ITEMS]
            # items @ views.T is ~2x faster than views @ items.T for few queries
            sims = (chunk @ flat.T).reshape(chunk.shape[0], block.shape[0], -1).max(axis=2).T
            if exclude is not None:
                local = exclude[q0 : q0 + QUERY_BLOCK] - c0
                inside = np.flatnonzero((local >= 0) & (local < chunk.shape[0]))
                sims[inside, local[inside]] = -np.inf
            rows = sims.argmax(axis=1)
            top = sims[np.arange(sims.shape[0]), rows]
            better = top > best_sim[q0 : q0 + QUERY_BLOCK]
            best_sim[q0 : q0 + QUERY_BLOCK][better] = top[better]
            best_row[q0 : q0 + QUERY_BLOCK][better] = rows[better] + c0
    distances = 1.0 - np.clip(best_sim, 0.0, 1.0)
    return distances.astype(np.float64), best_row


def _items(source: Any, what: str) -> tuple[list[str], Iterator[Image.Image], int]:
    """Normalise an ImageDataset, (id, image) pairs or bare images to ids + images."""
    from PIL import Image as PILImage

    if hasattr(source, "images") and hasattr(source, "ids"):
        arrays = np.asarray(source.images)
        return list(source.ids), (PILImage.fromarray(a) for a in arrays), len(arrays)
    items = list(source)
    if items and isinstance(items[0], PILImage.Image):
        ids = [f"{what}/{i}" for i in range(len(items))]
        return ids, iter(items), len(items)
    for position, item in enumerate(items):
        if not (isinstance(item, tuple) and len(item) == 2):
            raise InputError(f"{what} item {position}: expected an (id, PIL image) pair")
    return [str(i) for i, _ in items], (image for _, image in items), len(items)


class ImageIndex:
    """Training images as thumbnails + pHashes, with a calibrated near-duplicate threshold."""

    kind = KIND

    def __init__(
        self,
        *,
        vectors: np.ndarray,
        phashes: np.ndarray,
        ids: list[str],
        manifest: dict[str, Any],
    ) -> None:
        self._vectors = vectors
        self._phashes = phashes
        self._ids = ids
        self._manifest = manifest

    @property
    def threshold(self) -> float:
        """Distance at or below which a query is a near-duplicate of a training item."""
        return float(self._manifest["threshold"])

    @property
    def resolution(self) -> int:
        return int(self._manifest["resolution"])

    @property
    def manifest(self) -> dict[str, Any]:
        return dict(self._manifest)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    @classmethod
    def build(
        cls,
        train: ImageItems,
        *,
        holdout: HoldoutItems | None = None,
        resolution: int = 28,
        fpr: float = 0.01,
        progress: bool = False,
        source_name: str | None = None,
    ) -> ImageIndex:
        """Fingerprint `train` and calibrate the threshold on `holdout`.

        The threshold is the `fpr`-quantile of held-out real images' nearest
        distances: a near-duplicate is closer to a training item than fresh
        real data almost ever is. Without `holdout`, a leave-one-out sample of
        the training set stands in (slightly stricter: near-twins in the data).
        """
        if not isinstance(resolution, int) or not 8 <= resolution <= 512:
            raise InputError(f"resolution={resolution!r}: expected an int between 8 and 512")
        ids, images, total = _items(train, "train")
        if total == 0:
            raise InputError("train: no images to index")
        check_ids(ids)
        pixels = np.empty((total, resolution, resolution), dtype=np.float32)
        phashes = np.empty(total, dtype=np.uint64)
        digest = hashlib.sha256()
        for row, image in enumerate(track(images, total, "fingerprinting", progress)):
            pixels[row] = to_pixels(image, resolution)
            phashes[row] = phash_int(image)
            digest.update(np.asarray(image.convert("L")).tobytes())
        vectors = _unit_rows(pixels)
        source = {"name": source_name or getattr(train, "name", "custom")}
        source["sha256"] = train.sha256() if hasattr(train, "sha256") else digest.hexdigest()
        distances, method = _calibration_distances(
            vectors, holdout, resolution=resolution, fpr=fpr, progress=progress
        )
        threshold = float(np.quantile(distances, fpr))
        manifest = new_manifest(
            kind=KIND,
            algorithm=ALGORITHM,
            algorithm_version=ALGORITHM_VERSION,
            distance=DISTANCE,
            max_shift=MAX_SHIFT,
            resolution=resolution,
            phash="imagehash.phash 8x8 as uint64",
            count=total,
            threshold=threshold,
            fpr=fpr,
            calibration={"method": method, **calibration_figures(distances, threshold)},
            source=source,
        )
        return cls(vectors=vectors, phashes=phashes, ids=ids, manifest=manifest)

    def nearest(self, image: Image.Image) -> NearestMatch:
        """The closest training item to `image` (any size or mode)."""
        return self.nearest_batch([image])[0]

    def nearest_batch(self, images: Sequence[Image.Image]) -> list[NearestMatch]:
        """`nearest` for many images at once (one matrix product per block)."""
        if not images:
            return []
        pixels = np.stack([to_pixels(image, self.resolution) for image in images])
        distances, rows = _best(_shifted_views(pixels, MAX_SHIFT), self._vectors)
        matches = []
        for image, distance, row in zip(images, distances, rows, strict=True):
            if distance >= 1.0:  # flat image, or nothing positively correlated
                matches.append(NearestMatch(None, 1.0))
                continue
            bits = (phash_int(image) ^ int(self._phashes[row])).bit_count()
            matches.append(NearestMatch(self._ids[row], float(distance), bits))
        return matches

    def save(self, directory: str | Path) -> Path:
        """Write the index folder atomically (temp folder, then rename)."""
        arrays = {"vectors": self._vectors, "phashes": self._phashes}
        return write_index_dir(directory, self._manifest, arrays, self._ids)

    @classmethod
    def load(cls, directory: str | Path) -> ImageIndex:
        """Read an index folder; refuse another kind, algorithm, version or damaged files."""
        manifest = read_manifest(directory)
        expected = {"kind": KIND, "algorithm": ALGORITHM, "algorithm_version": ALGORITHM_VERSION}
        check_manifest(manifest, directory, expected)
        check_manifest(manifest, directory, {"max_shift": MAX_SHIFT})
        require_fields(manifest, directory, ["resolution", "threshold", "count", "fpr"])
        arrays, ids = load_arrays(directory, manifest, ["vectors", "phashes"])
        vectors, phashes = arrays["vectors"], arrays["phashes"]
        size = int(manifest["resolution"]) ** 2
        count = manifest["count"]
        if vectors.shape != (count, size) or phashes.shape != (count,) or len(ids) != count:
            raise FingerprintIndexError(
                f"{Path(directory)}: arrays do not match manifest count={count} and "
                f"resolution={manifest['resolution']}; rebuild the index"
            )
        return cls(
            vectors=vectors.astype(np.float32, copy=False),
            phashes=phashes.astype(np.uint64, copy=False),
            ids=ids,
            manifest=manifest,
        )


def _calibration_distances(
    vectors: np.ndarray,
    holdout: HoldoutItems | None,
    *,
    resolution: int,
    fpr: float,
    progress: bool,
) -> tuple[np.ndarray, str]:
    """Nearest distances of fresh real images (or a leave-one-out training sample)."""
    if holdout is not None:
        _, images, total = _items(holdout, "holdout")
        check_fpr(fpr, total)
        tracked = track(images, total, "calibrating", progress)
        pixels = np.stack([to_pixels(image, resolution) for image in tracked])
        distances, _ = _best(_shifted_views(pixels, MAX_SHIFT), vectors)
        return distances, "holdout"
    sample_size = min(LOO_SAMPLE, vectors.shape[0])
    check_fpr(fpr, sample_size)
    rows = np.random.default_rng(0).choice(vectors.shape[0], sample_size, replace=False)
    # Unit vectors are valid pixels here: Pearson ignores offset and scale.
    pixels = vectors[rows].reshape(sample_size, resolution, resolution)
    distances, _ = _best(_shifted_views(pixels, MAX_SHIFT), vectors, exclude=rows)
    return distances, "leave-one-out"
