"""The watermark's tuning set for heavy textures, kept apart from the held-out cases.

The held-out photos (benchmarks/watermark_cases.py) include two heavy textures that
the first keyed-tile release could not read. Tuning against them would make the
benchmark meaningless, so detector and embedder changes for textures were tuned on
these images only: crops of scikit-learn's china.jpg (the original tuning set),
scikit-image images that the held-out list does not use, and synthetic textures
(filtered noise, pebbles, blades, bricks, sand), all generated from fixed seeds.
Run it to see the tuning figures (fresh keys):

    PYTHONPATH=. .venv/bin/python benchmarks/watermark_tuning.py
"""

from __future__ import annotations

import numpy as np
from PIL import Image

SIDE = 512


def _to_image(luma: np.ndarray, rng: np.random.Generator, tint: float = 0.06) -> Image.Image:
    luma = (luma - luma.mean()) / (luma.std() + 1e-9)
    gains = 1 + rng.uniform(-tint, tint, 3)
    rgb = np.stack([128 + 38 * luma * g for g in gains], axis=-1)
    return Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8))


def _filtered_noise(rng: np.random.Generator, beta: float) -> np.ndarray:
    """Gaussian noise with an amplitude spectrum falling as 1/f^beta."""
    fy = np.fft.fftfreq(SIDE)[:, None]
    fx = np.fft.rfftfreq(SIDE)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = np.fft.rfft2(rng.normal(size=(SIDE, SIDE))) / radius**beta
    spectrum[0, 0] = 0
    return np.fft.irfft2(spectrum, s=(SIDE, SIDE))


def _pebbles(rng: np.random.Generator, count: int) -> np.ndarray:
    """Voronoi cells with their own grey level, a shaded dome each, dark gaps between."""
    import cv2

    centres = rng.uniform(0, SIDE, (count, 2))
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    best = np.full((SIDE, SIDE), np.inf, dtype=np.float32)
    second = np.full((SIDE, SIDE), np.inf, dtype=np.float32)
    label = np.zeros((SIDE, SIDE), dtype=np.int64)
    for index, (cy, cx) in enumerate(centres):
        d = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2)
        closer = d < best
        second = np.where(closer, best, np.minimum(second, d))
        label = np.where(closer, index, label)
        best = np.where(closer, d, best)
    grey = rng.normal(0, 1, count)[label]
    dome = -best / (best + second + 1e-6)
    gap = np.clip((second - best) / 3.0, 0, 1)
    luma = (grey + 1.5 * dome) * gap - 1.5 * (1 - gap)
    grain = cv2.GaussianBlur(rng.normal(0, 0.4, (SIDE, SIDE)).astype(np.float32), (0, 0), 0.8)
    return luma + grain


def _blades(rng: np.random.Generator, count: int) -> np.ndarray:
    """Many thin, short, mostly vertical strokes of random brightness over dark ground."""
    import cv2

    canvas = rng.normal(0, 0.3, (SIDE, SIDE)).astype(np.float32)
    for _ in range(count):
        x, y = rng.uniform(-20, SIDE + 20, 2)
        angle = rng.normal(np.pi / 2, 0.35)
        length = rng.uniform(15, 45)
        end = (int(x + length * np.cos(angle)), int(y - length * np.sin(angle)))
        cv2.line(canvas, (int(x), int(y)), end, float(rng.normal(0.5, 1.0)),
                 int(rng.integers(1, 3)), cv2.LINE_AA)  # fmt: skip
    return canvas


def _bricks(rng: np.random.Generator) -> np.ndarray:
    rows, cols = 16, 8
    luma = rng.normal(0, 0.35, (SIDE, SIDE))
    height, width = SIDE // rows, SIDE // cols
    for row in range(rows):
        offset = (row % 2) * width // 2
        for col in range(-1, cols + 1):
            left = col * width + offset
            a, b = max(left + 2, 0), min(left + width - 2, SIDE)
            if a < b:
                luma[row * height + 2 : (row + 1) * height - 2, a:b] += rng.normal(0.6, 0.4)
    return luma


def _sand(rng: np.random.Generator) -> np.ndarray:
    import cv2

    noise = rng.normal(0, 1, (SIDE, SIDE)).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), 1.0) + 0.3 * cv2.GaussianBlur(noise, (0, 0), 6.0)


def _skimage_crops(rng: np.random.Generator) -> list[tuple[str, Image.Image]]:
    """scikit-image photos that benchmarks/watermark_cases.py does not use."""
    try:
        from skimage import data
    except ImportError:
        return []
    out = []
    for name in ("motorcycle_left", "retina", "cell", "clock_motion"):
        try:
            array = getattr(data, name)()
        except Exception:
            continue
        photo = Image.fromarray(array).convert("RGB")
        if min(photo.size) < SIDE:
            factor = SIDE / min(photo.size)
            photo = photo.resize(
                (round(photo.width * factor) + 1, round(photo.height * factor) + 1)
            )
        left = int(rng.integers(0, photo.width - SIDE + 1))
        top = int(rng.integers(0, photo.height - SIDE + 1))
        out.append((f"skimage {name}", photo.crop((left, top, left + SIDE, top + SIDE))))
    return out


def tuning_textures() -> list[tuple[str, Image.Image]]:
    """(name, 512x512 RGB image) pairs: the texture tuning set (fixed seeds)."""
    from watermark_cases import tuning_images

    rng = np.random.default_rng(300)
    named = [
        ("noise 1/f^0.6", _to_image(_filtered_noise(rng, 0.6), rng)),
        ("noise 1/f^1.0", _to_image(_filtered_noise(rng, 1.0), rng)),
        ("pebbles", _to_image(_pebbles(rng, 400), rng)),
        ("small pebbles", _to_image(_pebbles(rng, 1500), rng)),
        ("blades", _to_image(_blades(rng, 9000), rng)),
        ("bricks", _to_image(_bricks(rng), rng)),
        ("sand", _to_image(_sand(rng), rng)),
    ]
    named += _skimage_crops(rng)
    named += [(f"china {i}", image) for i, image in enumerate(tuning_images(4))]
    return named


def main() -> None:
    """Print, per tuning image, PSNR and (detected, coded-bit accuracy) per target attack."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from watermark import coded_accuracy, psnr
    from watermark_cases import ATTACKS, TARGETS

    from aigc_guard.artifacts import Artifact
    from aigc_guard.credentials.watermark_key import WatermarkKey
    from aigc_guard.marks.keyed_watermark import KeyedTileWatermarker
    from aigc_guard.marks.payload import new_content_id

    rng = np.random.default_rng(1)
    attacks = ("none (PNG)", *TARGETS)
    found = dict.fromkeys(attacks, 0)
    images = tuning_textures()
    for name, image in images:
        marker = KeyedTileWatermarker(WatermarkKey.generate())
        content_id = new_content_id()
        marked = marker.apply(Artifact.from_image(image), content_id).image
        cells = []
        for attack in attacks:
            attacked = ATTACKS[attack](marked, rng)
            hit = marker.detect(Artifact.from_image(attacked)).payload == content_id
            found[attack] += hit
            cells.append(f"{int(hit)}/{coded_accuracy(marker, attacked, content_id):.2f}")
        print(f"{name:16s} {psnr(image, marked):.1f} dB  " + " ".join(cells))
    print("detected:", ", ".join(f"{a} {n}/{len(images)}" for a, n in found.items()))


if __name__ == "__main__":
    main()


__all__ = ["tuning_textures"]
