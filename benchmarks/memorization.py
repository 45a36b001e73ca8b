"""Memorization check benchmark (images): detection per attack, FPR, query and build speed.

Run: OPENBLAS_NUM_THREADS=1 nice .venv/bin/python benchmarks/memorization.py
     [--sections digits,photos,speed] [--sample 1000] [--sizes 10000,100000,1000000]
     [--photo-set heldout|tuning|opencv|tiles24] [--repeats 3] [--opencv-data DIR]
     [--cache DIR]  (speed: keep and reuse the synthetic items and built indexes)
Prints markdown tables (the README quotes them). Cases and data splits come from
benchmarks/memorization_cases.py, written before tuning; thresholds are calibrated
on held-out rows that no figure below is measured on. Each section is a function
(`digits_section`, `photos_section`, `speed_section`); the `text` section runs
benchmarks/memorization_text.py (its own cases; about 45 minutes with 1M records).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one query = small products: no threads
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import memorization_cases as cases

from aigc_guard.artifacts import Artifact
from aigc_guard.checks.memorization import MemorizationCheck
from aigc_guard.errors import FingerprintIndexError
from aigc_guard.index.image import ImageIndex
from aigc_guard.train.data import load_mnist5k

SEED = 1  # the tuning runs looked at seed 0 draws; the figures use fresh draws


def _rate(flags: Sequence[bool]) -> str:
    return f"{np.mean(flags):.1%}" if len(flags) else "-"


def clopper_pearson(flagged: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided interval of a rate seen as `flagged` of `total`."""
    from scipy.stats import beta

    tail = (1.0 - level) / 2
    low = float(beta.ppf(tail, flagged, total - flagged + 1)) if flagged else 0.0
    high = float(beta.ppf(1 - tail, flagged + 1, total - flagged)) if flagged < total else 1.0
    return low, high


def _detect(
    index: ImageIndex,
    queries: list[Image.Image],
    ids: list[str],
    limits: tuple[float, float] | None = None,
) -> tuple[str, ...]:
    """Caught, nearest is the original, caught by the ratio test only; with `limits`,
    also caught at those (distance, ratio) thresholds instead of the index's own."""
    matches = index.nearest_batch(queries)
    criteria = [index.criterion(m) for m in matches]
    caught = [c is not None for c in criteria]
    same = [m.id == i for m, i in zip(matches, ids, strict=True)]
    by_ratio = [c == "ratio" for c in criteria]
    rates = (_rate(caught), _rate(same), _rate(by_ratio))
    if limits is None:
        return rates
    return (*rates, _rate([index.criterion(m, *limits) is not None for m in matches]))


def digits_section(sample: int) -> None:
    split = load_mnist5k()
    held = [Image.fromarray(a) for a in split.holdout.images]
    calibration = [held[i] for i in cases.calibration_rows(len(held))]
    evaluation = [held[i] for i in cases.evaluation_rows(len(held))]
    started = time.perf_counter()
    index = ImageIndex.build(split.train, holdout=calibration, fpr=0.01)
    build_s = time.perf_counter() - started
    check = MemorizationCheck(index)
    rng = np.random.default_rng(SEED)

    print("## Digits: mnist5k (4,000 indexed, thresholds calibrated on 500 held-out digits)\n")
    print(f"Thresholds: distance {index.threshold:.4f}, ratio d1/d10 {index.ratio_threshold:.4f}"
          f"; build + calibration {build_s:.1f} s.\n")  # fmt: skip
    print("| false positives (target <= 1%) | images | flagged |\n|---|---|---|")
    fpr_rows: list[tuple[str, list[Image.Image]]] = [
        ("held-out mnist5k digits never used for calibration", evaluation),
        ("scikit-learn 8x8 digits, upscaled into the MNIST frame", cases.sklearn_digits_as_mnist()),
        ("2x2 grids of four held-out digits (sub-window search)",
         [cases.grid_cell(g[0], g[1:], rng) for g in _groups(evaluation, 4, 200, rng)]),
        ("a held-out digit on a 64-100 px canvas (sub-window search)",
         [cases.in_canvas(g[0], [], rng) for g in _groups(evaluation, 1, 200, rng)]),
    ]  # fmt: skip
    for name, images in fpr_rows:
        flagged = [index.criterion(m) is not None for m in index.nearest_batch(images)]
        print(f"| {name} | {len(images)} | {_rate(flagged)} |")

    rows = rng.choice(len(split.train), min(sample, len(split.train)), replace=False)
    train = [Image.fromarray(split.train.images[r]) for r in rows]
    ids = [split.train.ids[r] for r in rows]
    print(f"\n| attack on a training digit ({len(rows)} each) | caught | nearest is the "
          "original | caught by the ratio test only |\n|---|---|---|---|")  # fmt: skip
    for name, attack in cases.DIGIT_ATTACKS.items():
        caught, same, ratio = _detect(index, [attack(im, rng) for im in train], ids)
        print(f"| {name} | {caught} | {same} | {ratio} |")
    few = rows[: max(1, len(rows) // 5)]
    for name, container in cases.CONTAINERS.items():
        results = []
        for r in few:
            others = [evaluation[int(i)] for i in rng.choice(len(evaluation), 3, replace=False)]
            made = container(Image.fromarray(split.train.images[r]), others, rng)
            artifact = (Artifact.from_bytes(made, name="x.png") if isinstance(made, bytes)
                        else Artifact.from_bytes(_png(made), name="x.png"))  # fmt: skip
            results.append(check.inspect(artifact))
        caught = [not r.passed for r in results]
        originals = [split.train.ids[x] for x in few]
        same = [r.details["nearest_id"] == o for r, o in zip(results, originals, strict=True)]
        print(f"| {name} ({len(few)}) | {_rate(caught)} | {_rate(same)} | - |")
    print()


def photos_section(
    sample: int, photo_set: str = "heldout", repeats: int = 3, opencv_data: Path | None = None
) -> None:
    """Crops of many photos (`photo_set` 'heldout' gives the README's figures, 'tuning' is
    the only set parameters were chosen on, 'opencv' is a second held-out set of OpenCV's
    sample photos, never tuned on; 'tiles24' reproduces the earlier 24 px tiles).

    The held-out run also counts how many of the opencv photos' crops (all of them:
    photos unrelated to the indexed ones) are flagged; the opencv run counts the held-out
    and tuning photos' crops the same way. Both calibrate as before: their own calibration
    crops pooled with the tuning set's (the held-out set alone has too few)."""
    if photo_set == "tiles24":
        _photo_figures(cases.photo_tiles(), {}, sample, 1, "tiles of scikit-learn's two "
                       "sample photos (24 px)", calibration_extra=[])  # fmt: skip
        return
    names = ["tuning", "heldout"] if photo_set == "tuning" else ["tuning", "heldout", "opencv"]
    sets = {name: cases.photo_crops(name, opencv_data) for name in names}
    other = "heldout" if photo_set == "tuning" else "tuning"
    # calibrating at 1% needs 100 held-out crops: the tuning set's calibration crops are
    # pooled with the measured set's (a tuning run pools the held-out set's)
    extra = [im for _, im in sets[other]["calibration"]]
    foreign: dict[str, list[tuple[str, Image.Image]]] = {}
    if photo_set == "heldout":  # a tuning run never looks at the held-out evaluation crops
        foreign = {
            "evaluation crops of the tuning photos (never indexed; seen while tuning)":
                sets["tuning"]["evaluation"],
            "all crops of the opencv photos (unrelated photos; never indexed, calibrated "
            "or tuned on)": _all_crops(sets["opencv"]),
        }  # fmt: skip
    elif photo_set == "opencv":
        foreign = {
            "all crops of the held-out photos (unrelated; never indexed here)":
                _all_crops(sets["heldout"]),
            "evaluation crops of the tuning photos (unrelated; never indexed here)":
                sets["tuning"]["evaluation"],
        }  # fmt: skip
    compare = None
    if photo_set == "opencv":  # the thresholds the held-out run uses, fixed before
        held = ImageIndex.build(sets["heldout"]["train"], profile="photo", fpr=0.01,
                                holdout=[im for _, im in sets["heldout"]["calibration"]]
                                + [im for _, im in sets["tuning"]["calibration"]])  # fmt: skip
        compare = (held.threshold, held.ratio_threshold)
    what = f"crops (96-200 px) of the {photo_set} photos"
    source = (f"{len(sets[photo_set]['calibration'])} of the {photo_set} photos + "
              f"{len(extra)} of the {other} photos")  # fmt: skip
    _photo_figures(sets[photo_set], foreign, sample, repeats, what, calibration_extra=extra,
                   calibration_source=source, compare=compare)  # fmt: skip


def _all_crops(
    crops: dict[str, list[tuple[str, Image.Image]]],
) -> list[tuple[str, Image.Image]]:
    return [*crops["train"], *crops["calibration"], *crops["evaluation"]]


def _photo_figures(
    crops: dict[str, list[tuple[str, Image.Image]]],
    foreign: dict[str, list[tuple[str, Image.Image]]],
    sample: int,
    repeats: int,
    what: str,
    *,
    calibration_extra: list[Image.Image],
    calibration_source: str = "",
    compare: tuple[float, float] | None = None,
) -> None:
    """With `compare` (distance, ratio), each row also says what those thresholds flag."""
    train = crops["train"]
    calibration = [im for _, im in crops["calibration"]] + calibration_extra
    started = time.perf_counter()
    index = ImageIndex.build(train, holdout=calibration, profile="photo", fpr=0.01)
    build_s = time.perf_counter() - started
    rng = np.random.default_rng(SEED)
    print(f"## Photos: {len(train)} {what} indexed, {len(calibration)} calibrate\n")
    source = f" ({calibration_source})" if calibration_source else ""
    print(f"Thresholds: distance {index.threshold:.4f}, ratio {index.ratio_threshold:.4f}, "
          f"calibrated at 1% FPR (0.5% each) on the {len(calibration)} calibration "
          f"crops{source}, the only images they were set on; every row below uses "
          f"them. Build + calibration {build_s:.1f} s.\n")  # fmt: skip
    also = ""
    if compare is not None:
        print(f"Last column: at the held-out run's thresholds instead (distance "
              f"{compare[0]:.4f}, ratio {compare[1]:.4f}, calibrated there).\n")  # fmt: skip
        also = " | at the held-out run's thresholds"
    negatives = {"evaluation crops of the indexed photos": crops["evaluation"], **foreign}
    print("| false positives (target <= 1%) | images | flagged | 95% interval "
          f"(Clopper-Pearson) | query ms (median){also} |\n|---|---|---|---|---|"
          + ("---|" if also else ""))  # fmt: skip
    hits: list[str] = []
    for name, items in negatives.items():
        timings, flagged, other = [], [], []
        for crop_id, image in items:
            started = time.perf_counter()
            match = index.nearest(image)
            timings.append((time.perf_counter() - started) * 1000)
            criterion = index.criterion(match)
            flagged.append(criterion is not None)
            if compare is not None:
                other.append(index.criterion(match, *compare) is not None)
            if criterion is not None or (other and other[-1]):
                which = criterion or "at the held-out run's thresholds only"
                hits.append(f"{name.split(' (')[0]}: {crop_id} -> {match.id} (distance "
                            f"{match.distance:.4f}, ratio {_ratio(match.ratio)}, "
                            f"{which})")  # fmt: skip
        low, high = clopper_pearson(sum(flagged), len(flagged))
        there = ""
        if compare is not None:
            other_low, other_high = clopper_pearson(sum(other), len(other))
            there = (f" {_rate(other)} ({sum(other)}; {other_low:.1%} - "
                     f"{other_high:.1%}) |")  # fmt: skip
        print(f"| {name} | {len(items)} | {_rate(flagged)} ({sum(flagged)}) | "
              f"{low:.1%} - {high:.1%} | {np.median(timings):.0f} |{there}")  # fmt: skip
    if hits:
        print("\nFlagged negatives (crop -> nearest indexed crop):\n")
        print("\n".join(f"- {hit}" for hit in hits))
    chosen = [train[i % len(train)] for i in range(min(sample, len(train) * repeats))]
    ids = [item_id for item_id, _ in chosen]
    print(f"\n| attack on a training photo ({len(chosen)} each: {len(train)} photos x "
          f"{len(chosen) // len(train)} draws) | caught | nearest is the original | caught by "
          f"the ratio test only{also} |\n|---|---|---|---|" + ("---|" if also else ""))  # fmt: skip
    for name, attack in cases.PHOTO_ATTACKS.items():
        rates = _detect(index, [attack(im, rng) for _, im in chosen], ids, compare)
        print(f"| {name} | {' | '.join(rates)} |")
    print()


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def speed_section(sizes: list[int], queries: int, cache: Path | None = None) -> None:
    """Synthetic small images (mnist5k digits, each moved, rescaled and noised at random).

    With `cache`, the synthetic items and the built index of each size are kept there and
    reused by the next run (an index of another version is rebuilt), so the query timing
    at 1,000,000 items can be rerun without the build."""
    split = load_mnist5k()
    print("## Speed: small images, synthetic items (one core for the query's BLAS)\n")
    print(
        "| items | fingerprinting + IVF lists (images/s) | index on disk (MB) | load, mmap "
        "+ SHA-256 (s) | query median / p95 (ms) | query CPU time, median (ms) | candidate "
        "stage numpy / faiss IVF (ms) | edited copies finding their item |"
    )
    print("|---|---|---|---|---|---|---|---|")
    holdout = [Image.fromarray(a) for a in split.holdout.images[:200]]
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = cache or Path(tmp)
            items = _synthetic(split, size, root if cache else None)
            folder = root / f"index-{size}"
            rate = _built(items, holdout, folder)
            megabytes = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
            started = time.perf_counter()
            loaded = ImageIndex.load(folder)
            load_s = time.perf_counter() - started
            probes = [Image.fromarray(split.holdout.images[i]) for i in range(queries)]
            for warm in split.holdout.images[-10:]:  # first page faults are not steady state
                loaded.nearest(Image.fromarray(warm))
            timings, cpu = [], []
            for probe in probes:
                started, started_cpu = time.perf_counter(), time.process_time()
                loaded.nearest(probe)
                timings.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            numpy_ms, faiss_ms = _candidate_stage(loaded, probes)
            found = _recall(loaded, items, np.random.default_rng([SEED, size, 1]))
            del loaded
        print(f"| {size:,} | {rate} | {megabytes:,.0f} | {load_s:.1f} | "
              f"{np.median(timings):.2f} / {np.quantile(timings, 0.95):.2f} | "
              f"{np.median(cpu):.2f} | "
              f"{numpy_ms:.2f} / {faiss_ms} | {found:.1%} |")  # fmt: skip
    print()


def _built(items: Synthetic, holdout: list[Image.Image], folder: Path) -> str:
    """Build and save the index unless `folder` holds one this version reads; the
    fingerprinting rate, or 'cached'."""
    if folder.is_dir():
        try:
            ImageIndex.load(folder)
            return "cached"
        except FingerprintIndexError:
            pass
    started = time.perf_counter()
    index = ImageIndex.build(items, holdout=holdout, fpr=0.01)  # type: ignore[arg-type]
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    index.calibrate(holdout, fpr=0.01)  # timed alone, to leave it out of the rate
    rate = len(items.ids) / (build_s - (time.perf_counter() - started))
    index.save(folder)
    return f"{rate:,.0f}"


def _recall(index: ImageIndex, items: Synthetic, rng: np.random.Generator) -> float:
    """Share of 200 indexed items that, edited by two random attacks, are matched to
    themselves: what the candidate stage loses at this size (synthetic items are jittered
    copies of 4,000 digits, so their neighbours are unusually near)."""
    rows = rng.choice(len(items.ids), 200, replace=False)
    found = []
    for row in rows:
        copy = cases.combined(Image.fromarray(items.images[row]), rng)
        found.append(index.nearest(copy).id == items.ids[row])
    return float(np.mean(found))


def _candidate_stage(index: ImageIndex, probes: list[Image.Image]) -> tuple[float, str]:
    """Median ms of the candidate stage alone: this package's numpy IVF, and faiss-cpu's
    IndexIVFFlat over the same embeddings, lists and number of probed lists."""
    from aigc_guard.index import vectors
    from aigc_guard.index.image import NPROBE, thumbnail, to_gray

    s = index.settings
    views = []
    for probe in probes:
        grid = vectors.low_pass(thumbnail(to_gray(probe), s.resolution), s.sigma)
        turned, mask = vectors.search_views(grid, s.max_shift, s.angles, s.margin)
        views.append(vectors.embed(turned[mask]))
    numpy_ms = _median_ms(lambda v: index._candidates(v, None), views)
    centroids = np.asarray(index._arrays["centroids"])
    if not centroids.shape[0]:
        return numpy_ms, "brute force (under 20,000 items)"
    try:
        import faiss
    except ImportError:
        return numpy_ms, "faiss-cpu not installed"
    faiss.omp_set_num_threads(1)
    quantizer = faiss.IndexFlatIP(centroids.shape[1])
    ivf = faiss.IndexIVFFlat(quantizer, centroids.shape[1], centroids.shape[0],
                             faiss.METRIC_INNER_PRODUCT)  # fmt: skip
    ivf.train(centroids)  # k-means on the centroids themselves: the same lists
    ivf.add(np.ascontiguousarray(index._arrays["embeds"], dtype=np.float32))
    ivf.nprobe = NPROBE
    faiss_ms = _median_ms(lambda v: ivf.search(v, 64), views)
    return numpy_ms, f"{faiss_ms:.2f}"


def _median_ms(run: Callable[[np.ndarray], object], inputs: list[np.ndarray]) -> float:
    timings = []
    for value in inputs:
        started = time.perf_counter()
        run(value)
        timings.append((time.perf_counter() - started) * 1000)
    return float(np.median(timings))


@dataclass
class Synthetic:
    """Items the way ImageIndex.build reads a data set: `ids` and uint8 `images`."""

    name: str
    images: np.ndarray
    ids: list[str]


def _synthetic(split: Any, size: int, cache: Path | None) -> Synthetic:
    """`size` small images: a random training digit rotated up to 20 degrees, moved up to
    3 px, scaled 0.8-1.2 and noised, so no two items are the same picture. Drawn from a
    seed of their own (the same items each run), kept in `cache` when given."""
    import cv2

    ids = [f"s{n}" for n in range(size)]
    stored = cache / f"synthetic-{size}.npy" if cache else None
    if stored is not None and stored.is_file():
        return Synthetic("synthetic", np.load(stored, mmap_mode="r"), ids)
    rng = np.random.default_rng([SEED, size])
    digits = split.train.images
    out = np.empty((size, 28, 28), dtype=np.uint8)
    for number in range(size):
        base = digits[int(rng.integers(0, len(digits)))].astype(np.float32)
        scale = float(rng.uniform(0.8, 1.2))
        matrix = cv2.getRotationMatrix2D((13.5, 13.5), float(rng.uniform(-20, 20)), scale)
        matrix[:, 2] += rng.uniform(-3, 3, size=2)
        moved = cv2.warpAffine(base, matrix, (28, 28)) + rng.normal(0, 20, (28, 28))
        out[number] = np.clip(moved, 0, 255).astype(np.uint8)
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        np.save(stored, out)
    return Synthetic("synthetic", out, ids)


def _groups(
    images: list[Image.Image], size: int, count: int, rng: np.random.Generator
) -> list[list[Image.Image]]:
    return [[images[int(i)] for i in rng.choice(len(images), size, replace=False)]
            for _ in range(count)]  # fmt: skip


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sections", default="digits,photos,speed,text")
    parser.add_argument("--sample", type=int, default=1000, help="training items per attack")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per size")
    parser.add_argument(
        "--photo-set", default="heldout", choices=["heldout", "tuning", "opencv", "tiles24"]
    )
    parser.add_argument(
        "--opencv-data",
        type=Path,
        default=None,
        help="OpenCV's sample images (Debian's opencv-doc: examples/data); "
        f"default ${cases.OPENCV_DATA_ENV} or {cases.OPENCV_DATA_DEFAULT}",
    )
    parser.add_argument("--repeats", type=int, default=3, help="attack draws per training photo")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep the speed section's synthetic items and indexes here and "
                             "reuse them (rerun only the query timing)")  # fmt: skip
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if "digits" in sections:
        digits_section(args.sample)
    if "photos" in sections:
        photos_section(args.sample, args.photo_set, args.repeats, args.opencv_data)
    if "speed" in sections:
        speed_section([int(s) for s in args.sizes.split(",")], args.queries, args.cache)
    if "text" in sections:  # the text half has its own module and cases
        from memorization_text import main as text_main

        text_main(["--sizes", args.sizes])


if __name__ == "__main__":
    main()
