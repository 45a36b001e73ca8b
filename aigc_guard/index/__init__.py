"""Fingerprint indexes of training data, for the memorization check.

`ImageIndex` (low-passed thumbnails searched over shifts, rotations, crops and
sub-windows, with a ratio test; pHash/dHash candidates for photos) and `TextIndex`
(MinHash LSH for near-duplicates, winnowed character fingerprints for verbatim
spans) each carry near-duplicate thresholds calibrated on held-out data and save
to a folder with a versioned manifest. Importing this package loads
neither imagehash nor datasketch: the classes are imported on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aigc_guard.errors import FingerprintIndexError
from aigc_guard.index.store import MANIFEST, FingerprintIndex, NearestMatch, read_manifest
from aigc_guard.lazy import lazy_exports

if TYPE_CHECKING:
    from aigc_guard.index.image import ImageIndex
    from aigc_guard.index.text import TextIndex

__all__ = [
    "FingerprintIndex",
    "ImageIndex",
    "NearestMatch",
    "TextIndex",
    "build_mnist5k_index",
    "load_index",
]

_KINDS = ("image", "text")


def load_index(directory: str | Path) -> ImageIndex | TextIndex:
    """Load the index in `directory`, whichever kind its manifest names."""
    kind = read_manifest(directory).get("kind")
    if kind == "image":
        from aigc_guard.index.image import ImageIndex

        return ImageIndex.load(directory)
    if kind == "text":
        from aigc_guard.index.text import TextIndex

        return TextIndex.load(directory)
    raise FingerprintIndexError(
        f"{Path(directory) / MANIFEST}: field 'kind' is {kind!r}, expected one of {_KINDS}"
    )


def build_mnist5k_index(out_dir: str | Path, *, progress: bool = False) -> ImageIndex:
    """Index the 4,000 mnist5k training digits, calibrate on the 1,000 held out (FPR 1%), save."""
    from aigc_guard.index.image import ImageIndex
    from aigc_guard.train.data import load_mnist5k

    split = load_mnist5k()
    index = ImageIndex.build(split.train, holdout=split.holdout, fpr=0.01, progress=progress)
    index.save(out_dir)
    return index


__getattr__, __dir__ = lazy_exports(
    __name__,
    {"ImageIndex": "aigc_guard.index.image", "TextIndex": "aigc_guard.index.text"},
)
