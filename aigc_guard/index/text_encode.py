"""Fingerprinting records for the text index: texts, span anchors, MinHash LSH band keys.

Kept apart from the index so the one loop that runs per training record (the
slow part of a build: 500-1,100 records/s in one process here) reads on its
own, with the MinHash (datasketch) it shares with queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from aigc_guard.errors import InputError
from aigc_guard.index.text_hashing import band_keys, char_kgrams, normalise, winnow, word_shingles
from aigc_guard.index.text_store import SegmentData

if TYPE_CHECKING:
    from datasketch import MinHash

MINHASH_SCHEME = "affine32"


def encode(
    items: Iterable[tuple[str, str]],
    manifest: dict[str, Any],
    *,
    digest: Any = None,
    progress: bool = False,
) -> SegmentData:
    """Fingerprint records with the manifest's parameters: texts, anchors, LSH band keys."""
    from aigc_guard.progress import progress as bar

    span, lsh, n = manifest["span"], manifest["lsh"], manifest["shingle"]["n"]
    shared = permutations(manifest["minhash"])
    ids: list[str] = []
    blobs: list[bytes] = []
    anchors: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    total = len(items) if isinstance(items, Sequence) else None
    with bar("fingerprinting", total, enabled=progress) as advance:
        for position, item in enumerate(items):
            item_id, text = _checked_item(position, item)
            norm = normalise(text)
            if not norm:
                raise InputError(f"record {item_id!r}: empty text (no words to index)")
            kgrams = char_kgrams(norm, span["k"])
            anchors.append(np.unique(kgrams[winnow(kgrams, span["window"])]))
            sketch = minhash(word_shingles(norm, n), manifest["minhash"], shared)
            keys.append(band_keys(sketch.hashvalues, lsh["bands"], lsh["rows"]))
            blobs.append(text.encode("utf-8"))
            ids.append(item_id)
            if digest is not None:
                digest.update(f"{len(item_id)}:{item_id}{len(text)}:{text}".encode())
            advance()
    if not ids:
        raise InputError("items: no texts to index")
    return _segment_data(ids, blobs, anchors, keys)


def _segment_data(
    ids: list[str], blobs: list[bytes], anchors: list[np.ndarray], keys: list[np.ndarray]
) -> SegmentData:
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blobs])
    anchor_hash, anchor_row = _sorted_postings(anchors)
    band_key, band_row = _sorted_postings(keys)
    return SegmentData(ids, b"".join(blobs), offsets, anchor_hash, anchor_row, band_key, band_row)


def _sorted_postings(per_row: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    hashes = np.concatenate(per_row) if per_row else np.empty(0, dtype=np.uint64)
    rows = np.repeat(np.arange(len(per_row), dtype=np.uint32), [a.size for a in per_row])
    order = np.argsort(hashes, kind="stable")
    return hashes[order], rows[order]


def merged(parts: list[SegmentData]) -> SegmentData:
    """One segment holding several (rows renumbered), for `save` after `add`."""
    if len(parts) == 1:
        return parts[0]
    base = np.cumsum([0, *(len(p.ids) for p in parts)])
    byte_base = np.cumsum([0, *(len(p.texts) for p in parts)])
    offsets = np.concatenate(
        [np.zeros(1, np.int64), *(p.text_offsets[1:] + byte_base[i] for i, p in enumerate(parts))]
    )

    def join(hash_name: str, row_name: str) -> tuple[np.ndarray, np.ndarray]:
        hashes = np.concatenate([getattr(p, hash_name) for p in parts])
        rows = np.concatenate(
            [getattr(p, row_name) + np.uint32(base[i]) for i, p in enumerate(parts)]
        )
        order = np.argsort(hashes, kind="stable")
        return hashes[order], rows[order].astype(np.uint32)

    return SegmentData(
        [i for p in parts for i in p.ids], b"".join(p.texts for p in parts), offsets,
        *join("anchor_hash", "anchor_row"), *join("band_key", "band_row"),
    )  # fmt: skip


def permutations(params: dict[str, Any]) -> Any:
    """datasketch's permutations for the manifest's MinHash parameters (made once, reused)."""
    from datasketch import MinHash

    return MinHash(
        num_perm=params["num_perm"], seed=params["seed"], scheme=MINHASH_SCHEME
    ).permutations


def minhash(shingles: np.ndarray, params: dict[str, Any], shared: Any) -> MinHash:
    """The datasketch MinHash of a shingle set (low 32 bits of each shingle hash)."""
    from datasketch import MinHash

    sketch = MinHash(
        num_perm=params["num_perm"], seed=params["seed"], hashfunc=int,
        scheme=MINHASH_SCHEME, permutations=shared,
    )  # fmt: skip
    if shingles.size:
        sketch.update_batch((shingles & np.uint64(0xFFFFFFFF)).tolist())
    return sketch


def _checked_item(position: int, item: Any) -> tuple[str, str]:
    if not (isinstance(item, tuple) and len(item) == 2 and all(isinstance(v, str) for v in item)):
        raise InputError(f"items[{position}]: expected an (id, text) pair of strings")
    try:
        item[1].encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"record {item[0]!r}: text is not valid Unicode ({exc.reason})") from exc
    return item
