"""What every fingerprint index shares: the match type, the manifest, atomic folders.

An index folder is `manifest.json` plus `.npy` arrays and `ids.json`. The
manifest names the kind, algorithm and version, and the SHA-256 of every file,
so a load refuses an index built another way, or damaged, instead of returning
wrong distances. Saving writes a sibling temp folder and renames it into place:
Ctrl-C leaves the old index or the new one, never half of each.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from aigc_guard.errors import FingerprintIndexError, InputError

MANIFEST = "manifest.json"
IDS = "ids.json"
FORMAT = "aigc_guard.index"
FORMAT_VERSION = 1
BUILD_HINT = (
    "build one with `aigc-guard index build --out DIR` or "
    "aigc_guard.index.build_mnist5k_index(DIR) / ImageIndex.build(...).save(DIR)"
)


@dataclass(frozen=True)
class NearestMatch:
    """The closest training item to a query.

    `distance` is in [0, 1], 0 = identical; `id` is None when nothing was close
    enough to be a candidate (text) so the distance is the maximum, 1.0.
    `phash_distance` (images only) is the Hamming distance of the 64-bit pHashes.
    `ratio` (images) is the nearest distance over the k-th nearest's (the ratio
    test of Carlini et al.), None when there are too few items; `where` names the
    part of the query that matched (a sub-window), None for the whole query.
    """

    id: str | None
    distance: float
    phash_distance: int | None = None
    ratio: float | None = None
    where: str | None = None


class FingerprintIndex(Protocol):
    """What the memorization check needs from an index."""

    kind: str

    @property
    def threshold(self) -> float: ...

    @property
    def manifest(self) -> dict[str, Any]: ...

    def __len__(self) -> int: ...

    def nearest(self, query: Any) -> NearestMatch:
        """The closest indexed item to `query` (a PIL image or a str, by `kind`)."""
        ...


def new_manifest(**fields: Any) -> dict[str, Any]:
    """A manifest that starts with the folder format and its version."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION, **fields}


def write_index_dir(
    directory: str | Path,
    manifest: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray],
    ids: list[str],
) -> Path:
    """Write an index folder atomically and return its path.

    Refuses to replace an existing non-empty folder that is not an index, so a
    wrong `--out` never deletes unrelated files.
    """
    target = Path(directory)
    _refuse_foreign_dir(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        files: dict[str, str] = {}
        for name, array in arrays.items():
            np.save(temp / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
            files[f"{name}.npy"] = _sha256(temp / f"{name}.npy")
        (temp / IDS).write_text(json.dumps(ids), encoding="utf-8")
        files[IDS] = _sha256(temp / IDS)
        full = {**manifest, "files": files}
        (temp / MANIFEST).write_text(json.dumps(full, indent=2, sort_keys=True), encoding="utf-8")
        _swap_into_place(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


def _refuse_foreign_dir(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise FingerprintIndexError(f"{target}: exists and is not a folder; choose another path")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise FingerprintIndexError(
            f"{target}: folder is not empty and holds no {MANIFEST}; refusing to replace "
            "it with an index (choose a new or empty folder)"
        )


def _swap_into_place(temp: Path, target: Path) -> None:
    """Rename `temp` to `target`; an old index is moved aside first, then deleted."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "index")
    os.replace(temp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """Read and parse `manifest.json`, naming the path and the fix on failure."""
    path = Path(directory)
    manifest_path = path / MANIFEST
    if not path.is_dir():
        raise FingerprintIndexError(f"{path}: no fingerprint index folder here; {BUILD_HINT}")
    if not manifest_path.is_file():
        raise FingerprintIndexError(f"{manifest_path}: missing; not an index folder; {BUILD_HINT}")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FingerprintIndexError(f"{manifest_path}: unreadable ({exc}); rebuild it") from exc
    if not isinstance(manifest, dict):
        raise FingerprintIndexError(f"{manifest_path}: expected a JSON object; rebuild it")
    return manifest


def check_manifest(
    manifest: Mapping[str, Any], source: str | Path, expected: Mapping[str, Any]
) -> None:
    """Refuse a manifest whose format, kind, algorithm or version differ from ours."""
    wanted = {"format": FORMAT, "format_version": FORMAT_VERSION, **expected}
    for field, value in wanted.items():
        found = manifest.get(field)
        if found != value:
            raise FingerprintIndexError(
                f"{Path(source) / MANIFEST}: field {field!r} is {found!r}, this version of "
                f"aigc_guard reads {value!r}; rebuild the index with this version"
            )


def int_in(value: object, low: int, high: int) -> bool:
    """An int (not a bool) in [low, high]: what a manifest's size fields must be."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def number_in(value: object, low: float, high: float) -> bool:
    """A finite int or float (not a bool) in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and low <= value <= high


def require_fields(manifest: Mapping[str, Any], source: str | Path, fields: list[str]) -> None:
    missing = [name for name in fields if name not in manifest]
    if missing:
        raise FingerprintIndexError(
            f"{Path(source) / MANIFEST}: missing field(s) {', '.join(missing)}; rebuild the index"
        )


def load_arrays(
    directory: str | Path, manifest: Mapping[str, Any], names: list[str], *, mmap: bool = False
) -> tuple[dict[str, np.ndarray], list[str]]:
    """Load the named arrays and the ids, verifying each file's SHA-256 first.

    `mmap`: map the arrays read-only instead of reading them (large indexes load
    in the time of a hash check and share pages between processes)."""
    path = Path(directory)
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise FingerprintIndexError(f"{path / MANIFEST}: field 'files' missing; rebuild the index")
    arrays = {}
    try:
        for name in names:
            file = _verified(path, f"{name}.npy", files)
            _check_declared_npy_size(file)
            arrays[name] = np.load(file, allow_pickle=False, mmap_mode="r" if mmap else None)
        ids = json.loads(_verified(path, IDS, files).read_text(encoding="utf-8"))
    except (ValueError, EOFError, OSError) as exc:  # a damaged file whose hash was updated too
        raise FingerprintIndexError(
            f"{path}: unreadable index file ({exc}); rebuild the index"
        ) from exc
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise FingerprintIndexError(f"{path / IDS}: expected a JSON list of strings")
    return arrays, ids


def _check_declared_npy_size(file: Path) -> None:
    """Refuse a .npy whose header declares more data than the file holds, before numpy
    allocates it (a 100-byte file may declare 10^12 values)."""
    with file.open("rb") as handle:
        version = np.lib.format.read_magic(handle)
        readers = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}  # fmt: skip
        if version not in readers:
            raise ValueError(f".npy format version {version} is not one this index writes")
        shape, _, dtype = readers[version](handle)
        declared = math.prod(shape) * dtype.itemsize
        available = file.stat().st_size - handle.tell()
    if declared > available:
        raise FingerprintIndexError(
            f"{file}: declares {declared:,} bytes but holds {available:,}; rebuild the index"
        )


def _verified(path: Path, name: str, files: Mapping[str, Any]) -> Path:
    file = path / name
    if not file.is_file():
        raise FingerprintIndexError(f"{file}: missing from the index folder; rebuild the index")
    if files.get(name) != _sha256(file):
        raise FingerprintIndexError(
            f"{file}: SHA-256 differs from {MANIFEST} (file changed or corrupt); rebuild the index"
        )
    return file


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_ids(ids: list[str]) -> None:
    """Ids must be unique non-empty strings: a match must name exactly one item."""
    seen: set[str] = set()
    for item in ids:
        if not isinstance(item, str) or not item:
            raise InputError(f"item id {item!r}: expected a non-empty string")
        if item in seen:
            raise InputError(f"item id {item!r} appears twice; ids must be unique")
        seen.add(item)


def check_fpr(fpr: float, holdout_size: int) -> None:
    """A rate of 1% needs at least 100 held-out items to be measured at all."""
    if not 0.0 < fpr < 1.0:
        raise InputError(f"fpr={fpr!r}: expected a false-positive rate between 0 and 1")
    if holdout_size * fpr < 1.0:
        need = int(np.ceil(1.0 / fpr))
        raise InputError(
            f"calibrating fpr={fpr} needs at least {need} held-out items, got {holdout_size}; "
            "pass more held-out data or a larger fpr"
        )


def calibration_figures(distances: np.ndarray, threshold: float) -> dict[str, Any]:
    """Quantiles of held-out nearest distances, and the rate at or below the threshold."""
    qs = [0.001, 0.01, 0.05, 0.1, 0.5]
    return {
        "size": int(distances.size),
        "quantiles": {str(q): round(float(np.quantile(distances, q)), 6) for q in qs},
        "measured_fpr": round(float(np.mean(distances <= threshold)), 6),
    }


def track(values: Iterable[Any], total: int, label: str, progress: bool) -> Iterable[Any]:
    """`values`, with a rich progress bar when `progress` is set (index builds are long)."""
    if not progress:
        return values
    from rich.progress import track as rich_track

    return rich_track(values, total=total, description=label)
