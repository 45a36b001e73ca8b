"""Memorization check on mnist5k: build time, query time, calibration, detection of edits.

Run: .venv/bin/python benchmarks/memorization.py [--sample 1000]
Prints markdown tables (the README quotes them). About a minute on 2 cores for
images; the text half (benchmarks/memorization_text.py) indexes up to 1,000,000
synthetic records and takes about half an hour.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from aigc_guard.index import build_mnist5k_index
from aigc_guard.index.image import ImageIndex, to_pixels
from aigc_guard.train.data import load_mnist5k

Edit = Callable[[Image.Image, np.random.Generator], Image.Image]


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def _shift(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    axis, step = int(rng.integers(0, 2)), int(rng.choice([-1, 1]))
    return Image.fromarray(np.roll(np.asarray(image), step, axis=axis))


def _noise(image: Image.Image, rng: np.random.Generator, sigma: float) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, sigma, (image.height, image.width))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


EDITS: dict[str, Edit] = {
    "exact copy": lambda im, rng: im,
    "upscale 256 + JPEG 75": lambda im, rng: _jpeg(
        im.resize((256, 256), Image.Resampling.BICUBIC), 75
    ),
    "1-pixel shift": _shift,
    "brightness +10%": lambda im, rng: ImageEnhance.Brightness(im).enhance(1.1),
    "contrast -30%": lambda im, rng: ImageEnhance.Contrast(im).enhance(0.7),
    "noise sigma 10": lambda im, rng: _noise(im, rng, 10),
    "noise sigma 25 (limit)": lambda im, rng: _noise(im, rng, 25),
    "rotate 5 deg (limit)": lambda im, rng: im.rotate(5, resample=Image.Resampling.BILINEAR),
    "blur radius 1 (limit)": lambda im, rng: im.filter(ImageFilter.GaussianBlur(1)),
}


def _quantiles(values: np.ndarray) -> str:
    return " / ".join(f"{np.quantile(values, q):.4f}" for q in (0.01, 0.5, 0.99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=1000, help="training items per edit")
    args = parser.parse_args()
    split = load_mnist5k()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        index = build_mnist5k_index(Path(tmp) / "index")
        build_s = time.perf_counter() - started
    threshold = index.threshold
    train = [Image.fromarray(a) for a in split.train.images]
    holdout = [Image.fromarray(a) for a in split.holdout.images]
    single_ms, batch_ms = _query_times(index, train[:200])
    held = np.array([m.distance for m in index.nearest_batch(holdout)])
    cross = _cross_fpr(split.train, holdout)

    print("## Fingerprint index (mnist5k: 4,000 train, 1,000 held out, 28x28)\n")
    print("| figure | value |\n|---|---|")
    print(f"| build + save (s) | {build_s:.2f} |")
    print(f"| query, one image (ms) | {single_ms:.2f} |")
    print(f"| query, batches of 200 (ms per image) | {batch_ms:.2f} |")
    print(f"| calibrated threshold (distance, target FPR 1%) | {threshold:.4f} |")
    print(f"| FPR on the calibration held-out set | {np.mean(held <= threshold):.2%} |")
    print(f"| FPR on unseen held-out half (calibrated on the other half) | {cross:.2%} |")
    print(f"| held-out nearest distance q01 / median / q99 | {_quantiles(held)} |\n")

    rng = np.random.default_rng(0)
    rows = rng.choice(len(train), min(args.sample, len(train)), replace=False)
    print(f"## Detection of training copies ({len(rows)} items each, threshold {threshold:.4f})\n")
    print("| edit | detected | same item | distance q01 / median / q99 | pHash bits median |")
    print("|---|---|---|---|---|")
    for name, edit in EDITS.items():
        matches = index.nearest_batch([edit(train[row], rng) for row in rows])
        distances = np.array([m.distance for m in matches])
        same = np.mean([m.id == split.train.ids[row] for m, row in zip(matches, rows, strict=True)])
        bits = np.median([m.phash_distance for m in matches])
        print(
            f"| {name} | {np.mean(distances <= threshold):.1%} | {same:.1%} | "
            f"{_quantiles(distances)} | {bits:.0f} |"
        )
    print()
    _compare_distances(split, rows[:300])
    from memorization_text import main as text_main  # the text half, in its own module

    text_main([])


def _query_times(index: ImageIndex, images: list[Image.Image]) -> tuple[float, float]:
    started = time.perf_counter()
    for image in images:
        index.nearest(image)
    single = (time.perf_counter() - started) * 1000 / len(images)
    started = time.perf_counter()
    index.nearest_batch(images)
    batch = (time.perf_counter() - started) * 1000 / len(images)
    return single, batch


def _cross_fpr(train: object, holdout: list[Image.Image]) -> float:
    """Calibrate on even held-out rows, measure on odd rows and the reverse; the mean."""
    rates = []
    for calib, fresh in ((holdout[0::2], holdout[1::2]), (holdout[1::2], holdout[0::2])):
        index = ImageIndex.build(train, holdout=calib, fpr=0.01)  # type: ignore[arg-type]
        distances = np.array([m.distance for m in index.nearest_batch(fresh)])
        rates.append(np.mean(distances <= index.threshold))
    return float(np.mean(rates))


def _compare_distances(split: object, rows: np.ndarray) -> None:
    """Why Pearson with a +-1 pixel shift search: the alternatives at the same 1% FPR."""
    train = np.stack([to_pixels(Image.fromarray(a), 28) for a in split.train.images])  # type: ignore[attr-defined]
    held = np.stack([to_pixels(Image.fromarray(a), 28) for a in split.holdout.images])  # type: ignore[attr-defined]
    rng = np.random.default_rng(1)
    names = ("upscale 256 + JPEG 75", "1-pixel shift", "noise sigma 25 (limit)")
    edits = {name.removesuffix(" (limit)"): EDITS[name] for name in names}
    edits["brightness -30%"] = lambda im, rng: ImageEnhance.Brightness(im).enhance(0.7)
    edited = {
        name: np.stack(
            [to_pixels(edit(Image.fromarray(split.train.images[r]), rng), 28) for r in rows]  # type: ignore[attr-defined]
        )
        for name, edit in edits.items()
    }
    print("## Distance choice (detection at the distance's own 1% held-out FPR)\n")
    print("| distance | " + " | ".join(edited) + " |")
    print("|---|" + "---|" * len(edited))
    for metric in ("rms", "cosine", "pearson"):
        for shift in (0, 1):
            thr = np.quantile(_nearest(held, train, metric, shift)[0], 0.01)
            cells = []
            for queries in edited.values():
                distances, found = _nearest(queries, train, metric, shift)
                cells.append(f"{np.mean((distances <= thr) & (found == rows)):.0%}")
            print(f"| {metric}, shift search +-{shift} | " + " | ".join(cells) + " |")
    print()


def _vectors(pixels: np.ndarray, metric: str) -> np.ndarray:
    rows = pixels.reshape(len(pixels), -1).astype(np.float32)
    if metric == "pearson":
        rows = rows - rows.mean(axis=1, keepdims=True)
    if metric != "rms":
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        rows = np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 1e-6)
    return rows


def _nearest(
    queries: np.ndarray, train: np.ndarray, metric: str, shift: int
) -> tuple[np.ndarray, np.ndarray]:
    items = _vectors(train, metric)
    best = np.full(len(queries), np.inf)
    found = np.zeros(len(queries), dtype=np.int64)
    padded = np.pad(queries, ((0, 0), (shift, shift), (shift, shift)), mode="edge")
    size = queries.shape[1]
    for dy in range(-shift, shift + 1):
        for dx in range(-shift, shift + 1):
            view = padded[:, shift + dy : shift + dy + size, shift + dx : shift + dx + size]
            vectors = _vectors(view, metric)
            if metric == "rms":
                squared = (
                    (vectors**2).sum(1)[:, None] + (items**2).sum(1)[None] - 2 * vectors @ items.T
                )
                distances = np.sqrt(np.maximum(squared, 0) / vectors.shape[1])
            else:
                distances = 1 - vectors @ items.T
            better = distances.min(1) < best
            best[better] = distances.min(1)[better]
            found[better] = distances.argmin(1)[better]
    return best, found


if __name__ == "__main__":
    main()
