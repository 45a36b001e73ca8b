"""The watermark benchmark's cases: held-out photos and the attack list, fixed before tuning.

Tuning used only crops of scikit-learn's `china.jpg` (`tuning_images`); every figure
the benchmark prints comes from `heldout_images`: crops of scikit-learn's
`flower.jpg` and scikit-image's bundled photos, none of which was looked at while
choosing the scheme's parameters. The attacks are the issue's list, as written.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

Attack = Callable[[Image.Image, np.random.Generator], Image.Image]
SIDE = 512


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _resize_back(image: Image.Image, factor: float) -> Image.Image:
    small = image.resize(
        (round(image.width * factor), round(image.height * factor)), Image.Resampling.BICUBIC
    )
    return small.resize(image.size, Image.Resampling.BICUBIC)


def _crop(image: Image.Image, share: float, rng: np.random.Generator) -> Image.Image:
    """Cut `share` of each side away at a random offset; the size shrinks (no rescale)."""
    keep_w, keep_h = round(image.width * (1 - share)), round(image.height * (1 - share))
    left = int(rng.integers(0, image.width - keep_w + 1))
    top = int(rng.integers(0, image.height - keep_h + 1))
    return image.crop((left, top, left + keep_w, top + keep_h))


def _noise(image: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    noisy = pixels + rng.normal(0.0, sigma, pixels.shape)
    return Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8))


def _screenshot(image: Image.Image) -> Image.Image:
    """A screenshot-like copy: shown at 75% (Lanczos), captured, saved as JPEG 70."""
    shown = image.resize(
        (round(image.width * 0.75), round(image.height * 0.75)), Image.Resampling.LANCZOS
    )
    return _jpeg(shown, 70)


ATTACKS: dict[str, Attack] = {
    "none (PNG)": lambda im, rng: im,
    "JPEG 75": lambda im, rng: _jpeg(im, 75),
    "JPEG 50": lambda im, rng: _jpeg(im, 50),
    "resize 0.5x and back": lambda im, rng: _resize_back(im, 0.5),
    "crop 10% (each side)": lambda im, rng: _crop(im, 0.10, rng),
    "brightness +20%": lambda im, rng: ImageEnhance.Brightness(im).enhance(1.2),
    "brightness -20%": lambda im, rng: ImageEnhance.Brightness(im).enhance(0.8),
    "contrast +20%": lambda im, rng: ImageEnhance.Contrast(im).enhance(1.2),
    "contrast -20%": lambda im, rng: ImageEnhance.Contrast(im).enhance(0.8),
    "Gaussian noise sigma 5": lambda im, rng: _noise(im, 5.0, rng),
    "blur (Gaussian r=1)": lambda im, rng: im.filter(ImageFilter.GaussianBlur(1)),
    "screenshot (0.75x + JPEG 70)": lambda im, rng: _screenshot(im),
    "crop 10% + JPEG 75": lambda im, rng: _jpeg(_crop(im, 0.10, rng), 75),
}
TARGETS = ("JPEG 50", "resize 0.5x and back", "crop 10% (each side)", "brightness +20%",
           "brightness -20%")  # fmt: skip


def _crops(photo: Image.Image, count: int, rng: np.random.Generator) -> list[Image.Image]:
    if min(photo.size) < SIDE:  # the sklearn photos are 427x640: enlarge them first
        factor = SIDE / min(photo.size) * 1.25
        photo = photo.resize(
            (round(photo.width * factor), round(photo.height * factor)), Image.Resampling.LANCZOS
        )
    out = []
    for _ in range(count):
        left = int(rng.integers(0, photo.width - SIDE + 1))
        top = int(rng.integers(0, photo.height - SIDE + 1))
        out.append(photo.crop((left, top, left + SIDE, top + SIDE)).convert("RGB"))
    return out


def _sklearn_photo(name: str) -> Image.Image:
    from sklearn.datasets import load_sample_image

    return Image.fromarray(load_sample_image(name))


def tuning_images(count: int = 6) -> list[Image.Image]:
    """Crops of china.jpg: the first tuning set (heavy textures: watermark_tuning.py)."""
    return _crops(_sklearn_photo("china.jpg"), count, np.random.default_rng(100))


def heldout_images(flower_crops: int = 8) -> list[Image.Image]:
    """512x512 held-out photos: flower.jpg crops and scikit-image's bundled images."""
    rng = np.random.default_rng(200)
    images = _crops(_sklearn_photo("flower.jpg"), flower_crops, rng)
    try:
        from skimage import data
    except ImportError:  # optional: pip install scikit-image (the `bench` extra)
        return images
    for name in (
        "astronaut",
        "camera",
        "immunohistochemistry",
        "moon",
        "brick",
        "grass",
        "gravel",
        "coffee",
        "rocket",
        "chelsea",
        "hubble_deep_field",
        "coins",
    ):
        try:
            array = getattr(data, name)()
        except Exception:  # some images need a download: skip them offline
            continue
        photo = Image.fromarray(array).convert("RGB")
        images.extend(_crops(photo, 2 if min(photo.size) >= 700 else 1, rng))
    return images


__all__ = ["ATTACKS", "SIDE", "TARGETS", "heldout_images", "tuning_images"]
