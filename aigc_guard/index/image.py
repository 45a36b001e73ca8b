"""Image fingerprint index: low-pass Pearson distance, searched over edits, with a ratio test.

Two profiles share one index format:

- `small` (digits, icons; default 28 px): the query is low-passed (Gaussian,
  sigma 2 px at 28 px) and compared at every shift of up to 2 px and every
  rotation in -8..8 degrees (step 2) with the low-passed training items;
  distance = 1 - |Pearson|, so brightness, contrast and a negative copy do not
  matter. An output larger than the items is also searched in sub-windows
  (a digit in one cell of a grid, or anywhere on a canvas).
- `photo` (colour photos of any size): pHash + dHash candidates, then the same
  distance, after removing a quadratic trend, over every crop of up to 10% per side,
  the mirror image and rotations up to 8 degrees (see aigc_guard/index/photos.py).

Decision (Carlini et al. 2023's criterion for calling a sample a copy, plus an
absolute one): a query is a near-copy when its nearest distance is at or below
`threshold`, or when it is much nearer its nearest item than its k-th nearest
(ratio d1/dk at or below `ratio_threshold`). Both are calibrated on held-out
real data, each at half the target false-positive rate.

Scale: candidates come from a numpy inverted file over an 8x8 embedding (brute
force under 20,000 items), so a query touches a few thousand items; items are
stored sorted by list, so a probed list is one slice of the memory-mapped arrays.
The index holds low-passed thumbnails of every training image: protect it like
the data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aigc_guard.errors import FingerprintIndexError, InputError
from aigc_guard.index import photos, vectors
from aigc_guard.index.store import (
    NearestMatch,
    calibration_figures,
    check_fpr,
    check_ids,
    check_manifest,
    int_in,
    load_arrays,
    new_manifest,
    number_in,
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
ALGORITHM = "lowpass-pearson-ratio"
ALGORITHM_VERSION = 3  # 3: items stored sorted by IVF list
PROFILES = ("small", "photo")
RATIO_RANK = 10  # dk: the 10th nearest item
CANDIDATES = 64
IVF_MIN_ITEMS = 20_000
NPROBE = 4
MIN_SIDE = 4
LOO_SAMPLE = 1000
WINDOW_TOP = 3
PHOTO_MARGIN = 3  # px at 32 px
PHOTO_CANDIDATES = 32
MARGIN = 4  # px at 28 px: twice the shift search
ANGLES = (-8.0, -6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0)  # at most 1 degree off
BUILD_BLOCK = 4096
PER_ITEM = ("vectors", "embeds", "hashes", "lists")  # arrays with one row per item


@dataclass(frozen=True)
class Settings:
    """How items are fingerprinted and queries searched; stored in the manifest."""

    profile: str
    resolution: int
    sigma: float
    max_shift: int
    angles: tuple[float, ...]
    margin: int = 0

    @property
    def side(self) -> int:
        """Side of the compared square: the thumbnail without its `margin` (the band that
        a shift or rotation fills with background, left out of the comparison)."""
        return self.resolution - 2 * self.margin

    def interior(self, grids: np.ndarray) -> np.ndarray:
        m = self.margin
        return grids[..., m : self.resolution - m, m : self.resolution - m]

    @classmethod
    def for_profile(cls, profile: str, resolution: int | None = None) -> Settings:
        if profile not in PROFILES:
            raise InputError(f"profile={profile!r}: expected one of {PROFILES}")
        side = resolution or (28 if profile == "small" else 32)
        if not isinstance(side, int) or not 8 <= side <= 128:
            raise InputError(f"resolution={side!r}: expected an int between 8 and 128")
        if profile == "photo":
            return cls(profile, side, sigma=side / 16, max_shift=0, angles=(0.0,))
        shift = max(1, round(2 * side / 28))
        return cls(profile, side, sigma=2.0 * side / 28, max_shift=shift,
                   angles=ANGLES, margin=MARGIN * side // 28)  # fmt: skip

    def manifest(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "resolution": self.resolution,
            "sigma": self.sigma,
            "max_shift": self.max_shift,
            "angles": list(self.angles),
            "margin": self.margin,
        }


def settings_problems(manifest: dict[str, Any]) -> list[str]:
    """What in a manifest's comparison settings no build of this version writes: each
    bound is far above the tuned values (a query's arrays grow with the shift, the number
    of angles and the resolution), so a damaged or hostile manifest cannot ask for TiB."""

    resolution = manifest.get("resolution")
    if not isinstance(resolution, int) or not int_in(resolution, 8, 128):
        return [f"resolution={resolution!r} (an int in 8..128)"]
    checks = (
        (
            "max_shift",
            int_in(manifest.get("max_shift"), 0, resolution // 4),
            f"0..{resolution // 4}",
        ),
        ("margin", int_in(manifest.get("margin"), 0, resolution // 4), f"0..{resolution // 4}"),
        ("sigma", number_in(manifest.get("sigma"), 0.0, float(resolution)), f"0..{resolution}"),
    )
    problems = [
        f"{name}={manifest.get(name)!r} (in {bounds})" for name, ok, bounds in checks if not ok
    ]
    angles = manifest.get("angles")
    if not (
        isinstance(angles, list)
        and 1 <= len(angles) <= 2 * len(ANGLES)
        and all(number_in(angle, -45.0, 45.0) for angle in angles)
    ):
        problems.append(f"angles={angles!r} (1..{2 * len(ANGLES)} angles within +-45 degrees)")
    return problems


def to_gray(image: Image.Image) -> np.ndarray:
    """Grayscale float32 pixels in [0, 1] of any PIL image; refuses what cannot be compared."""
    from PIL import Image as PILImage

    if not isinstance(image, PILImage.Image):
        raise InputError(f"expected a PIL image, got {type(image).__name__}")
    if min(image.size) < MIN_SIDE:
        raise InputError(
            f"image of {image.width}x{image.height} px is too small to compare with the "
            f"training data (at least {MIN_SIDE}x{MIN_SIDE})"
        )
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def thumbnail(gray: np.ndarray, side: int) -> np.ndarray:
    """`side` x `side` thumbnail: area averaging when shrinking, bilinear when growing."""
    import cv2

    if gray.shape == (side, side):
        return gray
    shrinking = gray.shape[0] >= side and gray.shape[1] >= side
    method = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(gray, (side, side), interpolation=method)


def to_pixels(image: Image.Image, resolution: int) -> np.ndarray:
    """Kept for callers of version 1: the grayscale thumbnail of an image."""
    return thumbnail(to_gray(image), resolution)


class ImageIndex:
    """Training images as low-passed thumbnails, with calibrated near-copy thresholds."""

    kind = KIND

    def __init__(self, *, arrays: dict[str, np.ndarray], ids: list[str],
                 manifest: dict[str, Any]) -> None:  # fmt: skip
        self._arrays = arrays
        self._ids = ids
        self._manifest = manifest
        self.settings = Settings(
            profile=manifest["profile"],
            resolution=int(manifest["resolution"]),
            sigma=float(manifest["sigma"]),
            max_shift=int(manifest["max_shift"]),
            angles=tuple(float(a) for a in manifest["angles"]),
            margin=int(manifest["margin"]),
        )
        self._embeds = np.asarray(arrays["embeds"])  # a plain view: slicing a memmap is slower
        centroids = arrays.get("centroids")
        self._lists = (
            vectors.InvertedLists(np.asarray(arrays["lists"]), centroids.shape[0])
            if centroids is not None and centroids.shape[0]
            else None
        )

    # --- properties ---------------------------------------------------------------------

    @property
    def threshold(self) -> float:
        """Distance at or below which a query is a near-copy of a training item."""
        return float(self._manifest["threshold"])

    @property
    def ratio_threshold(self) -> float:
        """d1/dk at or below which a query is a near-copy (0 disables the ratio test)."""
        return float(self._manifest.get("ratio_threshold", 0.0))

    @property
    def resolution(self) -> int:
        return self.settings.resolution

    @property
    def manifest(self) -> dict[str, Any]:
        return dict(self._manifest)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    # --- building -----------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        train: ImageItems,
        *,
        holdout: HoldoutItems | None = None,
        profile: str = "small",
        resolution: int | None = None,
        fpr: float = 0.01,
        progress: bool = False,
        source_name: str | None = None,
    ) -> ImageIndex:
        """Fingerprint `train`, then calibrate both thresholds on `holdout` at `fpr`.

        Without `holdout` a leave-one-out sample of the training set stands in
        (stricter: near-twins in the data lower the thresholds).
        """
        settings = Settings.for_profile(profile, resolution)
        if not 0.0 < fpr < 1.0:
            raise InputError(f"fpr={fpr!r}: expected a false-positive rate between 0 and 1")
        ids, images, total = _items(train, "train")
        if total == 0:
            raise InputError("train: no images to index")
        check_ids(ids)
        digest = hashlib.sha256()
        arrays = _fingerprint(settings, track(images, total, "fingerprinting", progress), digest)
        source = {"name": source_name or getattr(train, "name", "custom")}
        source["sha256"] = train.sha256() if hasattr(train, "sha256") else digest.hexdigest()
        manifest = new_manifest(
            kind=KIND,
            algorithm=ALGORITHM,
            algorithm_version=ALGORITHM_VERSION,
            distance="1-|pearson| of low-passed thumbnails, min over search views",
            criterion="distance <= threshold or d1/d10 <= ratio_threshold",
            **settings.manifest(),
            count=total,
            threshold=0.0,
            ratio_threshold=0.0,
            fpr=fpr,
            calibration={"method": "none"},
            source=source,
        )
        arrays, ids = _with_lists(arrays, ids, settings)
        index = cls(arrays=arrays, ids=ids, manifest=manifest)
        index.calibrate(holdout, fpr=fpr, progress=progress)
        return index

    def add(self, items: ImageItems, *, progress: bool = False) -> ImageIndex:
        """A new index holding these items too; thresholds and IVF centroids are kept
        (nothing already indexed is fingerprinted again). Save it to persist."""
        ids, images, total = _items(items, "items")
        if total == 0:
            raise InputError("items: no images to add")
        check_ids(self._ids + ids)
        digest = hashlib.sha256()
        new = _fingerprint(self.settings, track(images, total, "fingerprinting", progress), digest)
        merged = {name: np.concatenate([np.asarray(self._arrays[name]), new[name]])
                  for name in new}  # fmt: skip
        merged_ids = self._ids + ids
        centroids = np.asarray(self._arrays["centroids"])
        if centroids.shape[0]:  # keep the trained lists; new items join their nearest
            lists = vectors.assign(new["embeds"], centroids)
            merged["lists"] = np.concatenate([np.asarray(self._arrays["lists"]), lists])
            merged, merged_ids = _sorted_by_list(merged, merged_ids)
            merged["centroids"] = centroids
        else:  # brute force so far: train lists if the index has grown past the limit
            merged, merged_ids = _with_lists(merged, merged_ids, self.settings)
        manifest = dict(self._manifest)
        manifest["count"] = len(self._ids) + total
        additions = [*manifest.get("additions", []), {"count": total, "sha256": digest.hexdigest()}]
        manifest["additions"] = additions
        return ImageIndex(arrays=merged, ids=merged_ids, manifest=manifest)

    def calibrate(
        self, holdout: HoldoutItems | None, *, fpr: float = 0.01, progress: bool = False
    ) -> None:
        """Set both thresholds at `fpr`/2 of held-out real images (or a leave-one-out sample)."""
        pictures: list[Image.Image] = []
        if holdout is not None:
            _, images, total = _items(holdout, "holdout")
            check_fpr(fpr, total)
            pictures = list(track(images, total, "calibrating", progress))
            found = [self._match(image) for image in pictures]
            method = "holdout"
        else:
            total = min(LOO_SAMPLE, len(self))
            check_fpr(fpr, total)
            rows = np.random.default_rng(0).choice(len(self), total, replace=False)
            found = [self._leave_one_out(int(row)) for row in rows]
            method = "leave-one-out"
        distances = np.array([m.distance for m in found])
        ratios = np.array([m.ratio if m.ratio is not None else 1.0 for m in found])
        threshold = float(np.quantile(distances, fpr / 2))
        ratio_threshold = float(np.quantile(ratios, fpr / 2))
        flagged = (distances <= threshold) | (ratios <= ratio_threshold)
        figures = calibration_figures(distances, threshold)
        figures["measured_fpr"] = round(float(np.mean(flagged)), 6)
        figures["ratio_quantiles"] = {
            str(q): round(float(np.quantile(ratios, q)), 6) for q in (0.001, 0.01, 0.05, 0.5)
        }
        self._manifest.update(
            threshold=threshold,
            ratio_threshold=ratio_threshold,
            window_threshold=threshold,
            window_ratio_threshold=ratio_threshold,
            fpr=fpr,
            calibration={"method": method, **figures},
        )
        self._calibrate_windows(pictures, fpr)

    def _calibrate_windows(self, pictures: list[Image.Image], fpr: float) -> None:
        """Thresholds for sub-window matches, from 2x2 grids of held-out images: searching
        many windows gives chance more tries, so a window needs to come nearer.
        Without enough held-out images (4 per grid, 1/fpr grids) the whole-image ones stay."""
        side = self.resolution
        count = len(pictures) // 4
        if self.settings.profile != "small" or count * fpr < 1.0:
            return
        found = []
        for group in range(count):
            canvas = np.zeros((2 * side, 2 * side), dtype=np.float32)
            for cell in range(4):
                top, left = (cell // 2) * side, (cell % 2) * side
                thumb = thumbnail(to_gray(pictures[4 * group + cell]), side)
                canvas[top : top + side, left : left + side] = thumb
            best = self._best_window(canvas)
            found.append(best if best is not None else NearestMatch(None, 1.0))
        distances = np.array([m.distance for m in found])
        ratios = np.array([m.ratio if m.ratio is not None else 1.0 for m in found])
        self._manifest["window_threshold"] = float(np.quantile(distances, fpr / 2))
        self._manifest["window_ratio_threshold"] = float(np.quantile(ratios, fpr / 2))
        self._manifest["calibration"]["windows"] = {"method": "2x2 grids of held-out images",
                                                    "size": count}  # fmt: skip

    # --- querying -----------------------------------------------------------------------

    def nearest(self, image: Image.Image) -> NearestMatch:
        """The closest training item to `image` (any size or mode), searched over edits
        and, for the small profile, over sub-windows of a larger output."""
        whole = self._match(image)
        if self.settings.profile != "small":
            return whole
        window = self._best_window(to_gray(image))
        if window is not None and self.score(window) < self.score(whole):
            return window
        return whole

    def _best_window(self, gray: np.ndarray) -> NearestMatch | None:
        """The nearest-copy match among the sub-windows of a large output (None: too small)."""
        labels, patches = _windows(gray, self.resolution)
        if not labels:
            return None
        grids = vectors.low_pass_many(
            np.stack([thumbnail(patch, self.resolution) for patch in patches]), self.settings.sigma
        )
        promise = self._embed_similarity(vectors.embed(self.settings.interior(grids)))
        best: NearestMatch | None = None
        for position in vectors.top_rows(promise, WINDOW_TOP):
            label, window = labels[int(position)], patches[int(position)]
            found = self._query(thumbnail(window, self.resolution), where=label)
            if best is None or self.score(found) < self.score(best):
                best = found
        return best

    def _embed_similarity(self, probes: np.ndarray) -> np.ndarray:
        """Per probe, the best |similarity| of its embedding to any candidate item's:
        ranks the sub-windows of a large output before the full search of a few."""
        if self._lists is None:
            return np.abs(probes @ self._embeds.T).max(axis=1)
        centroids = np.asarray(self._arrays["centroids"])
        near = vectors.top_rows(np.abs(probes @ centroids.T).max(axis=0), NPROBE * 4)
        return np.abs(probes @ self._embeds[self._lists.rows(near)].T).max(axis=1)

    def nearest_batch(self, images: Sequence[Image.Image]) -> list[NearestMatch]:
        """`nearest` for each image."""
        return [self.nearest(image) for image in images]

    def criterion(
        self,
        match: NearestMatch,
        threshold: float | None = None,
        ratio_threshold: float | None = None,
    ) -> str | None:
        """'distance' or 'ratio' when `match` is a near-copy, else None. `threshold` and
        `ratio_threshold` (a policy's, or another calibration's) replace the whole-image
        ones; a sub-window match keeps its own."""
        if match.id is None:
            return None
        limit, ratio_limit = self._limits(match)
        if threshold is not None and match.where is None:
            limit = threshold
        if ratio_threshold is not None and match.where is None:
            ratio_limit = ratio_threshold
        if match.distance <= limit:
            return "distance"
        if match.ratio is not None and match.ratio <= ratio_limit:
            return "ratio"
        return None

    def score(self, match: NearestMatch) -> float:
        """How near a copy `match` is on both criteria (<= 1: flagged); lower is nearer."""
        if match.id is None:
            return np.inf
        limit, ratio_limit = self._limits(match)
        scores = [match.distance / max(limit, 1e-9)]
        if match.ratio is not None and ratio_limit > 0:
            scores.append(match.ratio / ratio_limit)
        return float(min(scores))

    def _limits(self, match: NearestMatch) -> tuple[float, float]:
        """(distance, ratio) thresholds for a whole-image or a sub-window match."""
        if match.where is None:
            return self.threshold, self.ratio_threshold
        manifest = self._manifest
        return (float(manifest.get("window_threshold", self.threshold)),
                float(manifest.get("window_ratio_threshold", self.ratio_threshold)))  # fmt: skip

    def _match(self, image: Image.Image) -> NearestMatch:
        from PIL import Image as PILImage

        gray = to_gray(image)
        if self.settings.profile == "photo":
            trimmed = photos.trim_flat_border(gray)
            if trimmed.shape != gray.shape and min(trimmed.shape) >= MIN_SIDE:
                gray = trimmed
                image = PILImage.fromarray((trimmed * 255).astype(np.uint8))
            return self._query_photo(gray, photos.hash_rows(image, photos.HASH_ANGLES))
        return self._query(thumbnail(gray, self.resolution))

    def _query(self, grid: np.ndarray, *, exclude: int | None = None,
               where: str | None = None) -> NearestMatch:  # fmt: skip
        """Small profile: shift/rotation views of one thumbnail against the candidates."""
        s = self.settings
        views, probe = vectors.search_views(
            vectors.low_pass(grid, s.sigma), s.max_shift, s.angles, s.margin
        )
        flat = vectors.unit_rows(views)
        if not flat.any():
            return NearestMatch(None, 1.0)
        rows = self._candidates(vectors.embed(views[probe]), exclude)
        rows = np.sort(rows)
        items = np.asarray(self._arrays["vectors"][rows], dtype=np.float32)
        similarity = np.abs(items @ flat.T).max(axis=1)
        # a blurred or shrunk-and-regrown copy is nearer the item blurred once more
        grids = items.reshape(-1, s.side, s.side)
        softer = vectors.unit_rows(vectors.low_pass_many(grids, s.sigma / 2))
        similarity = np.maximum(similarity, np.abs(softer @ flat.T).max(axis=1))
        return self._ranked(rows, similarity, where)

    def _query_photo(
        self, gray: np.ndarray, hashes: np.ndarray, exclude: int | None = None
    ) -> NearestMatch:
        """Photo profile: crop, mirror and rotation views of the query against the items
        that the hashes or the embedding put forward."""
        s = self.settings
        thumb = thumbnail(gray, s.resolution)
        rows = self._photo_candidates(thumb, hashes, exclude)
        items = np.asarray(self._arrays["vectors"][rows], dtype=np.float32)
        margin = PHOTO_MARGIN * s.resolution // 32
        views = photos.crop_views(thumb, s.resolution, s.sigma, margin)
        views += photos.rotated_views(gray, s.resolution, s.sigma, margin, photos.ANGLES)
        return self._ranked(rows, photos.crop_similarities(items, views, s.resolution), None)

    def _photo_candidates(
        self, thumb: np.ndarray, hashes: np.ndarray, exclude: int | None
    ) -> np.ndarray:
        """Rows nearest by summed hash distance, and nearest by the embedding (both sides)."""
        by_hash = photos.hash_candidates(hashes, np.asarray(self._arrays["hashes"]),
                                         PHOTO_CANDIDATES + 1)  # fmt: skip
        by_hash = by_hash[by_hash != exclude][:PHOTO_CANDIDATES]
        grid = vectors.low_pass(thumb, self.settings.sigma)
        probes = vectors.embed(np.stack([grid, np.ascontiguousarray(grid[:, ::-1])]))
        return np.union1d(by_hash, self._candidates(probes, exclude)[:PHOTO_CANDIDATES])

    def _ranked(self, rows: np.ndarray, similarity: np.ndarray, where: str | None) -> NearestMatch:
        order = vectors.top_rows(similarity, RATIO_RANK + 1)
        distances = 1.0 - np.clip(similarity[order], 0.0, 1.0)
        nearest = float(distances[0])
        if nearest >= 1.0:
            return NearestMatch(None, 1.0)
        kth = float(distances[min(RATIO_RANK, len(distances) - 1)])
        ratio = nearest / kth if kth > 0 and len(distances) > RATIO_RANK else None
        return NearestMatch(self._ids[int(rows[order[0]])], nearest, ratio=ratio, where=where)

    def _candidates(self, probes: np.ndarray, exclude: int | None) -> np.ndarray:
        """Rows of the CANDIDATES items whose embedding is nearest any probe view."""
        if self._lists is None:
            spans = [(0, self._embeds.shape[0])]
        else:
            centroids = np.asarray(self._arrays["centroids"])
            near = vectors.top_rows(np.abs(probes @ centroids.T).max(axis=0), NPROBE * 4)
            spans = self._lists.spans(near)
        rows, scores = vectors.span_similarities(self._embeds, spans, probes)
        if exclude is not None:
            scores = np.where(rows == exclude, -np.inf, scores)
        top = vectors.top_rows(scores, CANDIDATES)
        return rows[top[np.isfinite(scores[top])]]

    def _leave_one_out(self, row: int) -> NearestMatch:
        """Item `row` (as stored) queried against every other item."""
        grid = self._grids(np.array([row]))[0]
        if self.settings.profile == "photo":
            hashes = np.asarray(self._arrays["hashes"][row])[None]
            return self._query_photo(grid, hashes, exclude=row)
        return self._query(grid, exclude=row)

    def _grids(self, rows: np.ndarray) -> np.ndarray:
        """The stored (low-passed, normalised) thumbnails of `rows` as 2-D grids."""
        side, m = self.settings.side, self.settings.margin
        grids = np.asarray(self._arrays["vectors"][rows], dtype=np.float32).reshape(-1, side, side)
        return np.pad(grids, ((0, 0), (m, m), (m, m)), mode="edge")

    # --- persistence --------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Write the index folder atomically (temp folder, then rename)."""
        return write_index_dir(directory, self._manifest, self._arrays, self._ids)

    @classmethod
    def load(cls, directory: str | Path) -> ImageIndex:
        """Read an index folder memory-mapped; refuse another kind, version or damage."""
        manifest = read_manifest(directory)
        expected = {"kind": KIND, "algorithm": ALGORITHM, "algorithm_version": ALGORITHM_VERSION}
        check_manifest(manifest, directory, expected)
        require_fields(manifest, directory, ["profile", "resolution", "sigma", "max_shift",
                                             "angles", "margin", "threshold", "ratio_threshold",
                                             "count"])  # fmt: skip
        if manifest["profile"] not in PROFILES:
            raise FingerprintIndexError(
                f"{Path(directory)}: profile {manifest['profile']!r} is not one of {PROFILES}"
            )
        problems = settings_problems(manifest)
        if problems:  # the manifest is read from disk: it must not size the query's arrays
            raise FingerprintIndexError(
                f"{Path(directory)}: manifest settings out of range ({'; '.join(problems)}); "
                "rebuild the index"
            )
        names = ["vectors", "embeds", "lists", "centroids"]
        if manifest["profile"] == "photo":
            names.append("hashes")
        arrays, ids = load_arrays(directory, manifest, names, mmap=True)
        margin = manifest.get("margin", 0)
        count, size = manifest["count"], (int(manifest["resolution"]) - 2 * int(margin)) ** 2
        shapes_ok = (
            len(ids) == count
            and arrays["vectors"].shape == (count, size)
            and arrays["embeds"].shape == (count, vectors.EMBED_SIDE**2)
            and arrays["lists"].shape == (count,)
            and ("hashes" not in arrays or arrays["hashes"].shape == (count, len(photos.HASHES)))
        )
        if not shapes_ok:
            raise FingerprintIndexError(
                f"{Path(directory)}: arrays do not match manifest count={count} and "
                f"resolution={manifest['resolution']}; rebuild the index"
            )
        try:
            return cls(arrays=arrays, ids=ids, manifest=manifest)
        except ValueError as exc:  # lists out of order: not written by this version
            raise FingerprintIndexError(f"{Path(directory)}: {exc}; rebuild the index") from exc


def _fingerprint(
    settings: Settings, images: Iterable[Image.Image], digest: Any
) -> dict[str, np.ndarray]:
    """Low-passed unit thumbnails (float16), 8x8 embeddings and, for photos, hashes."""
    side = settings.resolution
    blocks: dict[str, list[np.ndarray]] = {"vectors": [], "embeds": [], "hashes": []}
    grids: list[np.ndarray] = []
    hashes: list[np.ndarray] = []

    def flush() -> None:
        if not grids:
            return
        smooth = vectors.low_pass_many(np.stack(grids), settings.sigma)
        stack = np.ascontiguousarray(settings.interior(smooth))
        blocks["vectors"].append(vectors.unit_rows(stack).astype(np.float16))
        blocks["embeds"].append(vectors.embed(stack))
        if hashes:
            blocks["hashes"].append(np.stack(hashes))
        grids.clear()
        hashes.clear()

    for image in images:
        gray = to_gray(image)
        digest.update(np.asarray(gray.shape, dtype=np.int64).tobytes())
        digest.update((gray * 255).astype(np.uint8).tobytes())
        grids.append(thumbnail(gray, side))
        if settings.profile == "photo":
            hashes.append(photos.hash_rows(image)[0])
        if len(grids) == BUILD_BLOCK:
            flush()
    flush()
    out = {name: np.concatenate(parts) for name, parts in blocks.items() if parts}
    if settings.profile != "photo":
        out.pop("hashes", None)
    return out


def _with_lists(
    arrays: dict[str, np.ndarray], ids: list[str], settings: Settings
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Add IVF centroids and list numbers when there are enough items to need them, and
    store the items (and ids) sorted by list."""
    embeds = np.asarray(arrays["embeds"])
    count = embeds.shape[0]
    out = dict(arrays)
    if settings.profile == "photo" or count < IVF_MIN_ITEMS:
        out["centroids"] = np.zeros((0, vectors.EMBED_SIDE**2), dtype=np.float32)
        out["lists"] = np.zeros(count, dtype=np.int32)
        return out, ids
    lists = int(np.sqrt(count))
    sample = embeds[np.random.default_rng(0).choice(count, min(count, 32 * lists), replace=False)]
    out["centroids"] = vectors.kmeans(sample, lists)
    out["lists"] = vectors.assign(embeds, out["centroids"])
    return _sorted_by_list(out, ids)


def _sorted_by_list(
    arrays: dict[str, np.ndarray], ids: list[str]
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Every per-item array and the ids reordered so each IVF list is one contiguous run."""
    order = vectors.list_order(arrays["lists"])
    out = {name: np.asarray(array)[order] if name in PER_ITEM else array
           for name, array in arrays.items()}  # fmt: skip
    return out, [ids[int(row)] for row in order]


def _windows(gray: np.ndarray, side: int) -> tuple[list[str], list[np.ndarray]]:
    """Sub-windows of an output at least 1.5x the item size: squares of the item's size
    and of half the shorter side, stepping a seventh of their side; blank ones skipped.
    Cut as strided views and screened for blankness in one pass (a 256 px output has
    about 3,400 windows of 28 px)."""
    from numpy.lib.stride_tricks import sliding_window_view

    height, width = gray.shape
    labels: list[str] = []
    patches: list[np.ndarray] = []
    if min(height, width) < 1.5 * side:
        return labels, patches
    for window in sorted({side, min(height, width) // 2}):
        step = max(1, window // 7)
        views = sliding_window_view(gray, (window, window))[::step, ::step]
        busy = views.std(axis=(2, 3)) > 0.05
        for row, col in zip(*np.nonzero(busy), strict=True):
            labels.append(f"window {col * step},{row * step} {window}x{window}")
            patches.append(views[row, col])
    return labels, patches


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
