"""The text index on disk: immutable segments, memory-mapped, listed by the manifest.

An index folder holds `manifest.json` and one sub-folder per segment. `build`
writes the first segment; `add` writes another one beside it and then replaces
the manifest atomically, so the index grows without a rebuild and a crash
leaves the old index readable (an unlisted segment folder is ignored and swept
by the next `add`; one writer at a time). Each segment holds the texts (UTF-8, for exact offsets),
the sorted anchor hashes of verbatim spans, and the sorted LSH band keys; all
arrays are opened with `mmap_mode="r"` and checked against their SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aigc_guard.errors import FingerprintIndexError
from aigc_guard.fileio import write_json_atomic
from aigc_guard.index.store import MANIFEST, _refuse_foreign_dir, _swap_into_place

TEXTS = "texts.bin"
IDS = "ids.json"
ARRAYS = ("text_offsets", "anchor_hash", "anchor_row", "band_key", "band_row")


@dataclass
class SegmentData:
    """One segment before it is written: anchors and bands already sorted by hash."""

    ids: list[str]
    texts: bytes
    text_offsets: np.ndarray
    anchor_hash: np.ndarray
    anchor_row: np.ndarray
    band_key: np.ndarray
    band_row: np.ndarray


class Segment:
    """A loaded segment: arrays memory-mapped, texts read on demand."""

    folder: Path | None

    def __init__(self, folder: Path, ids: list[str], arrays: dict[str, np.ndarray]) -> None:
        self.folder = folder
        self.ids = ids
        self.text_offsets = arrays["text_offsets"]
        self.anchor_hash = arrays["anchor_hash"]
        self.anchor_row = arrays["anchor_row"]
        self.band_key = arrays["band_key"]
        self.band_row = arrays["band_row"]
        size = (folder / TEXTS).stat().st_size
        self._texts: mmap.mmap | bytes = b""
        if size:
            with (folder / TEXTS).open("rb") as handle:
                self._texts = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)

    @classmethod
    def from_data(cls, data: SegmentData) -> Segment:
        """A segment held in memory (a fresh build, before `save`)."""
        segment = cls.__new__(cls)
        segment.folder = None
        segment.ids = data.ids
        for name in ARRAYS:
            setattr(segment, name, getattr(data, name))
        segment._texts = data.texts
        return segment

    def data(self) -> SegmentData:
        """Everything needed to write this segment again (arrays read from their maps)."""
        arrays = [np.asarray(getattr(self, name)) for name in ARRAYS]
        return SegmentData(self.ids, bytes(self._texts[:]), *arrays)

    def __len__(self) -> int:
        return len(self.ids)

    def text(self, row: int) -> str:
        start, end = int(self.text_offsets[row]), int(self.text_offsets[row + 1])
        return self._texts[start:end].decode("utf-8")


def write_segment(folder: Path, data: SegmentData) -> dict[str, Any]:
    """Write a segment folder (which must not exist) and return its manifest entry."""
    folder.mkdir()
    files: dict[str, str] = {}
    (folder / TEXTS).write_bytes(data.texts)
    (folder / IDS).write_text(json.dumps(data.ids), encoding="utf-8")
    for name in ARRAYS:
        np.save(folder / f"{name}.npy", np.ascontiguousarray(getattr(data, name)))
    for file in sorted(folder.iterdir()):
        files[file.name] = sha256_file(file)
    return {"name": folder.name, "count": len(data.ids), "files": files}


def load_segment(directory: Path, entry: Mapping[str, Any], *, verify: bool) -> Segment:
    """Open one listed segment, refusing a missing, changed or inconsistent file."""
    name = entry.get("name")
    if not isinstance(name, str) or "/" in name or name.startswith("."):
        raise FingerprintIndexError(f"{directory / MANIFEST}: bad segment name {name!r}")
    folder = directory / name
    files = entry.get("files")
    if not isinstance(files, dict):
        raise FingerprintIndexError(f"{directory / MANIFEST}: segment {name}: no file list")
    for file_name in [TEXTS, IDS, *(f"{a}.npy" for a in ARRAYS)]:
        path = folder / file_name
        if not path.is_file():
            raise FingerprintIndexError(f"{path}: missing from the index; rebuild the index")
        if verify and files.get(file_name) != sha256_file(path):
            raise FingerprintIndexError(
                f"{path}: SHA-256 differs from {MANIFEST} (changed or corrupt); rebuild the index"
            )
    try:
        arrays = {a: np.load(folder / f"{a}.npy", mmap_mode="r") for a in ARRAYS}
        ids = json.loads((folder / IDS).read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise FingerprintIndexError(f"{folder}: unreadable index file ({exc})") from exc
    _check_shapes(folder, entry, ids, arrays)
    return Segment(folder, ids, arrays)


def _check_shapes(
    folder: Path, entry: Mapping[str, Any], ids: Any, arrays: dict[str, np.ndarray]
) -> None:
    count = entry.get("count")
    texts_size = (folder / TEXTS).stat().st_size
    problems = []
    if not isinstance(ids, list) or len(ids) != count:
        problems.append(f"ids.json does not hold {count} ids")
    if arrays["text_offsets"].shape != (int(count or 0) + 1,) or (
        count and int(arrays["text_offsets"][-1]) != texts_size
    ):
        problems.append("text offsets do not match the texts")
    if arrays["anchor_hash"].shape != arrays["anchor_row"].shape:
        problems.append("anchor arrays differ in length")
    if arrays["band_key"].shape != arrays["band_row"].shape:
        problems.append("band arrays differ in length")
    if problems:
        raise FingerprintIndexError(f"{folder}: {'; '.join(problems)}; rebuild the index")


def write_new_index(directory: str | Path, manifest: dict[str, Any], data: SegmentData) -> Path:
    """Write a whole index folder atomically (temp sibling, then rename into place)."""
    target = Path(directory)
    _refuse_foreign_dir(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        entry = write_segment(temp / "seg-000000", data)
        write_json_atomic(temp / MANIFEST, {**manifest, "segments": [entry]})
        _swap_into_place(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


def append_segment(directory: Path, manifest: dict[str, Any], data: SegmentData) -> dict[str, Any]:
    """Add a segment to an index folder; the manifest replacement is the commit point."""
    listed = {entry["name"] for entry in manifest["segments"]}
    for stale in [*directory.glob(".seg-*"), *directory.glob("seg-*")]:
        if stale.name not in listed:  # left by an add that was interrupted
            shutil.rmtree(stale, ignore_errors=True)
    name = f"seg-{len(manifest['segments']):06d}"
    while name in listed or (directory / name).exists():
        name = f"seg-{int(name[4:]) + 1:06d}"
    temp = directory / f".{name}"
    try:
        entry = write_segment(temp, data)
        os.replace(temp, directory / name)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    entry["name"] = name
    updated = {
        **manifest,
        "segments": [*manifest["segments"], entry],
        "count": manifest["count"] + entry["count"],
    }
    write_json_atomic(directory / MANIFEST, updated)
    return updated


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
