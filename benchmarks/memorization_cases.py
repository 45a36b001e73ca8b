"""The memorization benchmark's cases: attacks and data splits, fixed before any tuning.

Digits: mnist5k's 4,000 training digits are indexed. The 1,000 held-out digits are
split by parity: even rows (`calibration_rows`) may calibrate thresholds, odd rows
(`evaluation_rows`) only measure the false-positive rate, with scikit-learn's 8x8
digits (upscaled into the MNIST frame) as a second foreign data set.

Photos (`photo_crops`, written before the photo profile's rotation search and new
low-pass were tuned): crops of 96-256 px of many different photos, scikit-learn's two
sample photos and scikit-image's bundled ones, split BY PHOTO into a tuning set (the
only one looked at while choosing parameters) and a held-out set (the figures). In each
set every photo is cut into a grid of non-overlapping cells, one random crop per cell,
dealt round-robin into training, calibration and evaluation crops, so no evaluation
crop overlaps an indexed one or was seen while choosing a threshold. The earlier
24 px tiles of the two sample photos (`photo_tiles`) are kept to reproduce the earlier
measurement: tiles of two photos are near-twins of each other, not "large images".

A third photo set, "opencv" (written before any check was run on its photos, and never
tuned on): 25 photos of OpenCV's sample data, as Debian's opencv-doc package ships them
(`apt-get download opencv-doc && dpkg -x opencv-doc_*.deb DIR`; the directory is
`OPENCV_DATA_ENV` or `photo_crops(data_dir=...)`). It measures false positives on
photos unrelated to the indexed ones (all of its crops, against the held-out index) and
serves as a second held-out set of its own. Chosen from names, sizes and one look:
natural photos only; of each pair of near-twins (stereo left/right, aloeL/aloeR,
basketball1/2, graf1/3, leuvenA/B, rubberwhale1/2, aero1/3, ela_original/modified,
box/box_in_scene) one is kept; logos, drawings, renders (HappyFish, Blender_Suzanne),
chessboards (left01-14, right01-14), synthetic shapes (pic1-6, cards, ellipses, gradient),
text pages and digits are left out. starry_night is a photo of a painting.

Attack parameters are the issue's list, drawn at random within the stated ranges.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

Attack = Callable[[Image.Image, np.random.Generator], Image.Image]
MIN_TILE_STD = 0.04


def jpeg(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    buffer = io.BytesIO()
    mode = "L" if image.mode == "L" else "RGB"
    image.convert(mode).save(buffer, format="JPEG", quality=int(rng.integers(60, 76)))
    buffer.seek(0)
    return Image.open(buffer).convert(image.mode)


def shift(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Move the content by 1-2 px on each axis (at least one axis non-zero), black fill."""
    while True:
        dx, dy = (int(v) for v in rng.integers(-2, 3, size=2))
        if dx or dy:
            break
    return image.transform(image.size, Image.Transform.AFFINE, (1, 0, -dx, 0, 1, -dy))


def brightness(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(float(rng.choice([0.85, 1.15])))


def contrast(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return ImageEnhance.Contrast(image).enhance(float(rng.choice([0.85, 1.15])))


def noise(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Gaussian noise, sigma drawn in [0.02, 0.05] of the pixel range."""
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    sigma = float(rng.uniform(0.02, 0.05))
    noisy = np.clip(pixels + rng.normal(0.0, sigma, pixels.shape), 0.0, 1.0)
    return Image.fromarray((noisy * 255 + 0.5).astype(np.uint8), mode=image.mode)


def blur(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 1.0))))


def resize_round_trip(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    small = (max(1, round(image.width * 0.6)), max(1, round(image.height * 0.6)))
    method = Image.Resampling.BILINEAR if rng.random() < 0.5 else Image.Resampling.BICUBIC
    return image.resize(small, method).resize(image.size, method)


def rotate(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    angle = float(rng.uniform(3.0, 8.0)) * float(rng.choice([-1, 1]))
    return image.rotate(angle, resample=Image.Resampling.BILINEAR)


SINGLE: dict[str, Attack] = {
    "JPEG 60-75": jpeg,
    "shift 1-2 px": shift,
    "brightness +-15%": brightness,
    "contrast +-15%": contrast,
    "noise sigma 0.02-0.05": noise,
    "blur sigma 0.5-1": blur,
    "resize round trip 0.6x": resize_round_trip,
    "rotation 3-8 deg": rotate,
}


def combined(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Two different attacks from `SINGLE`, in random order."""
    first, second = rng.choice(list(SINGLE), size=2, replace=False)
    return SINGLE[str(second)](SINGLE[str(first)](image, rng), rng)


def invert(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return ImageOps.invert(image.convert("L") if image.mode == "L" else image.convert("RGB"))


def upscale(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return image.resize((image.width * 4, image.height * 4), Image.Resampling.BICUBIC)


DIGIT_ATTACKS: dict[str, Attack] = {
    "exact": lambda image, rng: image,
    **SINGLE,
    "two combined": combined,
    "inverted": invert,
    "upscaled 4x": upscale,
}


def flip(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    return ImageOps.mirror(image)


def crop(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Cut 5-10% of each dimension away at a random offset (the size shrinks)."""
    share = float(rng.uniform(0.05, 0.10))
    keep_w, keep_h = round(image.width * (1 - share)), round(image.height * (1 - share))
    left = int(rng.integers(0, image.width - keep_w + 1))
    top = int(rng.integers(0, image.height - keep_h + 1))
    return image.crop((left, top, left + keep_w, top + keep_h))


def aspect_resize(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    factor = float(rng.uniform(0.5, 2.0))
    size = (max(8, round(image.width * factor)), max(8, round(image.height * factor)))
    return image.resize(size, Image.Resampling.BICUBIC)


PHOTO_ATTACKS: dict[str, Attack] = {
    **{k: v for k, v in DIGIT_ATTACKS.items() if k not in ("inverted", "upscaled 4x")},
    "horizontal flip": flip,
    "crop 5-10%": crop,
    "resize 0.5-2x (aspect kept)": aspect_resize,
}


# --- digits in containers: the copy must be found inside something larger ---------------


def grid_cell(
    copy: Image.Image, others: list[Image.Image], rng: np.random.Generator
) -> Image.Image:
    """The copy in one random cell of a 2x2 grid; the other cells hold held-out digits."""
    size = copy.width
    canvas = Image.new("L", (2 * size, 2 * size), 0)
    cell = int(rng.integers(0, 4))
    tiles = list(others[:3])
    tiles.insert(cell, copy)
    for position, tile in enumerate(tiles):
        canvas.paste(tile.convert("L"), ((position % 2) * size, (position // 2) * size))
    return canvas


def in_canvas(
    copy: Image.Image, others: list[Image.Image], rng: np.random.Generator
) -> Image.Image:
    """The copy pasted at a random position of a 64-100 px black canvas."""
    width, height = (int(v) for v in rng.integers(64, 101, size=2))
    canvas = Image.new("L", (width, height), 0)
    left = int(rng.integers(0, width - copy.width + 1))
    top = int(rng.integers(0, height - copy.height + 1))
    canvas.paste(copy.convert("L"), (left, top))
    return canvas


def in_alpha(copy: Image.Image, others: list[Image.Image], rng: np.random.Generator) -> Image.Image:
    """An RGBA image whose colour is uniform noise and whose alpha channel is the copy."""
    colour = rng.integers(0, 256, size=(copy.height, copy.width, 3), dtype=np.uint8)
    image = Image.fromarray(colour, mode="RGB").convert("RGBA")
    image.putalpha(copy.convert("L"))
    return image


def in_later_frame(copy: Image.Image, others: list[Image.Image], rng: np.random.Generator) -> bytes:
    """An animated PNG of three frames: two held-out digits, then the copy."""
    frames = [others[0].convert("L"), others[1].convert("L"), copy.convert("L")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PNG", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


CONTAINERS = {
    "one cell of a 2x2 grid": grid_cell,
    "inside a 64-100 px canvas": in_canvas,
    "alpha channel of an RGBA image": in_alpha,
    "third frame of an animated PNG": in_later_frame,
}


# --- data splits -------------------------------------------------------------------------


def calibration_rows(count: int) -> np.ndarray:
    """Held-out rows that may calibrate thresholds (even rows)."""
    return np.arange(0, count, 2)


def evaluation_rows(count: int) -> np.ndarray:
    """Held-out rows that only measure the false-positive rate (odd rows)."""
    return np.arange(1, count, 2)


def sklearn_digits_as_mnist() -> list[Image.Image]:
    """scikit-learn's 1,797 8x8 digits, upscaled to 20x20 and centred in 28x28 like MNIST."""
    from sklearn.datasets import load_digits

    images = []
    for array in load_digits().images:
        small = Image.fromarray((array * (255.0 / 16.0)).astype(np.uint8), mode="L")
        canvas = Image.new("L", (28, 28), 0)
        canvas.paste(small.resize((20, 20), Image.Resampling.BICUBIC), (4, 4))
        images.append(canvas)
    return images


def photo_tiles(side: int = 24) -> dict[str, list[tuple[str, Image.Image]]]:
    """Non-overlapping `side` x `side` tiles of scikit-learn's sample photos, dealt
    round-robin into 'train' (1 of 3), 'calibration' and 'evaluation'. Tiles whose
    grayscale standard deviation is under MIN_TILE_STD are left out."""
    from sklearn.datasets import load_sample_images

    tiles: list[tuple[str, Image.Image]] = []
    for number, array in enumerate(load_sample_images().images):
        photo = Image.fromarray(array)
        for top in range(0, photo.height - side + 1, side):
            for left in range(0, photo.width - side + 1, side):
                tile = photo.crop((left, top, left + side, top + side))
                if np.asarray(tile.convert("L"), dtype=np.float32).std() / 255 < MIN_TILE_STD:
                    continue  # featureless sky or blur: every such tile is a copy of another
                tiles.append((f"photo{number}/{top}-{left}", tile))
    return {
        "train": tiles[0::3],
        "calibration": tiles[1::3],
        "evaluation": tiles[2::3],
    }


# --- photos: crops of many different photos ----------------------------------------------

PHOTO_SETS = {
    # photo names: "sklearn:<file>", "skimage:<function>" or "opencv:<file>"; no two sets
    # share a photo
    "tuning": ("sklearn:china.jpg", "skimage:coffee", "skimage:chelsea", "skimage:rocket",
               "skimage:gravel", "skimage:cell", "skimage:clock", "skimage:text",
               "skimage:hubble_deep_field", "skimage:stereo_motorcycle"),
    "heldout": ("sklearn:flower.jpg", "skimage:astronaut", "skimage:camera",
                "skimage:immunohistochemistry", "skimage:brick", "skimage:grass",
                "skimage:moon", "skimage:coins", "skimage:retina", "skimage:page"),
    # fixed before measuring, never tuned on (see the module docstring)
    "opencv": ("opencv:aero1.jpg", "opencv:aloeL.jpg", "opencv:apple.jpg",
               "opencv:baboon.jpg", "opencv:basketball1.png", "opencv:board.jpg",
               "opencv:box_in_scene.png", "opencv:building.jpg", "opencv:butterfly.jpg",
               "opencv:chicky_512.png", "opencv:ela_original.jpg", "opencv:fruits.jpg",
               "opencv:graf1.png", "opencv:home.jpg", "opencv:left.jpg", "opencv:leuvenA.jpg",
               "opencv:licenseplate_motion.jpg", "opencv:messi5.jpg", "opencv:orange.jpg",
               "opencv:pca_test1.jpg", "opencv:rubberwhale1.png", "opencv:smarties.png",
               "opencv:squirrel_cls.jpg", "opencv:starry_night.jpg", "opencv:stuff.jpg"),
}  # fmt: skip
PHOTO_SEEDS = {"tuning": 70, "heldout": 71, "opencv": 72}
PHOTO_CELL = 100
OPENCV_DATA_ENV = "AIGC_GUARD_OPENCV_DATA"
OPENCV_DATA_DEFAULT = Path("/tmp/ocvdoc/usr/share/doc/opencv-doc/examples/data")


def opencv_data_dir(data_dir: Path | str | None = None) -> Path:
    """The folder of OpenCV's sample images: `data_dir`, else $AIGC_GUARD_OPENCV_DATA, else
    OPENCV_DATA_DEFAULT. Raises FileNotFoundError, saying how to get it, when it is missing
    (the set is fixed: a partial set would measure something else)."""
    folder = Path(data_dir or os.environ.get(OPENCV_DATA_ENV) or OPENCV_DATA_DEFAULT)
    missing = [n for _, _, n in (p.partition(":") for p in PHOTO_SETS["opencv"])
               if not (folder / n).is_file()]  # fmt: skip
    if missing:
        raise FileNotFoundError(
            f"OpenCV's sample images are not in {folder} (missing {', '.join(missing[:3])}"
            f"{', ...' if len(missing) > 3 else ''}). Get them offline from Debian's "
            "opencv-doc package: `apt-get download opencv-doc && dpkg -x opencv-doc_*.deb "
            f"DIR`, then point {OPENCV_DATA_ENV} (or --opencv-data) at "
            "DIR/usr/share/doc/opencv-doc/examples/data"
        )
    return folder


def _load_photo(name: str, data_dir: Path | str | None = None) -> Image.Image | None:
    """One named photo as RGB, or None when it is not available offline (an "opencv:"
    photo must be there: see `opencv_data_dir`)."""
    source, _, item = name.partition(":")
    if source == "opencv":
        with Image.open(opencv_data_dir(data_dir) / item) as image:
            return image.convert("RGB")  # chicky_512's alpha is opaque but for 0.4%
    if source == "sklearn":
        from sklearn.datasets import load_sample_image

        return Image.fromarray(load_sample_image(item)).convert("RGB")
    try:
        from skimage import data

        array = getattr(data, item)()
    except Exception:  # scikit-image missing, or an image that needs a download
        return None
    if isinstance(array, tuple):  # stereo_motorcycle: (left, right, disparity)
        array = array[0]
    return Image.fromarray(np.asarray(array)).convert("RGB")


def photo_crops(
    which: str = "heldout", data_dir: Path | str | None = None
) -> dict[str, list[tuple[str, Image.Image]]]:
    """Crops of the photos of `PHOTO_SETS[which]`, dealt round-robin into 'train',
    'calibration' and 'evaluation'. Each photo is cut into a grid of square cells of
    PHOTO_CELL px (twice that when its shorter side is at least 800 px); each cell yields
    one crop whose width and height are drawn in 96-100% of the cell, at a random place
    inside it. Crops whose grayscale standard deviation is under MIN_TILE_STD are left
    out (featureless). Cells of 100 px, not larger: the bundled photos give about 60
    crops per role at that size, and calibrating at 1% needs 100 held-out crops (the
    benchmark pools both sets' calibration crops). `data_dir`: OpenCV's sample images,
    for the "opencv" set (see `opencv_data_dir`)."""
    if which not in PHOTO_SETS:
        raise ValueError(f"which={which!r}: expected one of {sorted(PHOTO_SETS)}")
    rng = np.random.default_rng(PHOTO_SEEDS[which])
    crops: list[tuple[str, Image.Image]] = []
    for name in PHOTO_SETS[which]:
        photo = _load_photo(name, data_dir)
        if photo is None:
            continue
        cell = 2 * PHOTO_CELL if min(photo.size) >= 800 else PHOTO_CELL
        for top in range(0, photo.height - cell + 1, cell):
            for left in range(0, photo.width - cell + 1, cell):
                width, height = (int(v) for v in rng.integers(cell * 24 // 25, cell + 1, size=2))
                x = left + int(rng.integers(0, cell - width + 1))
                y = top + int(rng.integers(0, cell - height + 1))
                piece = photo.crop((x, y, x + width, y + height))
                if np.asarray(piece.convert("L"), dtype=np.float32).std() / 255 < MIN_TILE_STD:
                    continue
                crops.append((f"{name.partition(':')[2]}/{y}-{x}", piece))
    return {"train": crops[0::3], "calibration": crops[1::3], "evaluation": crops[2::3]}
