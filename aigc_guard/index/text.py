"""Text fingerprint index: MinHash LSH for candidates, exact Jaccard to decide.

Texts are normalised (NFKC, case-folded, words joined by one space, punctuation
dropped) and cut into shingles: character 5-grams by default. Measured on 766
README paragraphs: with 20% of its words replaced, a copy stayed within 0.43 of
its source (90th percentile) while 95% of unrelated paragraphs were farther
than 0.65; with word 5-grams the same figures were 0.85 and 0.91. Each shingle is
hashed to 64 bits (BLAKE2b): the exact Jaccard runs on those sorted arrays,
and their low 32 bits feed a datasketch MinHash ("affine32" scheme).

`distance = 1 - Jaccard`. The LSH bands are chosen so that an item at the
threshold is a candidate with probability >= 0.995; farther items may be
missed and then report distance 1.0. Jaccard compares whole items: a short
snippet of a long training text is far from it, so index long documents as
paragraph-sized items. The shingle hashes can be brute-forced back to text:
protect the index like the training data.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from aigc_guard.errors import FingerprintIndexError, InputError
from aigc_guard.index.store import (
    NearestMatch,
    calibration_figures,
    check_fpr,
    check_ids,
    check_manifest,
    load_arrays,
    new_manifest,
    read_manifest,
    require_fields,
    track,
    write_index_dir,
)

if TYPE_CHECKING:
    from datasketch import MinHash, MinHashLSH

KIND = "text"
ALGORITHM = "minhash-lsh+jaccard"
ALGORITHM_VERSION = 1
NORMALISE = "nfkc+casefold+words"
SHINGLE_HASH = "blake2b-64"
MINHASH_SCHEME = "affine32"
CANDIDATE_RECALL = 0.995
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """The text as compared: NFKC, case-folded, words joined by single spaces."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def shingles(text: str, *, unit: str = "char", n: int = 5) -> np.ndarray:
    """Sorted unique 64-bit hashes of the text's n-grams (characters or words)."""
    clean = normalise(text)
    if not clean:
        return np.empty(0, dtype=np.uint64)
    tokens: Sequence[str] = clean if unit == "char" else clean.split(" ")
    joiner = "" if unit == "char" else " "
    grams = {joiner.join(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))}
    hashes = [
        int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=8).digest(), "big")
        for g in grams
    ]
    return np.unique(np.asarray(hashes, dtype=np.uint64))


def lsh_bands(num_perm: int, similarity: float) -> tuple[int, int]:
    """The (bands, rows) with the most rows per band that still makes an item at
    `similarity` a candidate with probability >= CANDIDATE_RECALL (fewest false
    candidates at that recall)."""
    for rows in range(num_perm // 2, 0, -1):
        bands = num_perm // rows
        if bands >= 2 and 1.0 - (1.0 - similarity**rows) ** bands >= CANDIDATE_RECALL:
            return bands, rows
    return num_perm, 1


def _minhash(values: np.ndarray, num_perm: int, seed: int) -> MinHash:
    from datasketch import MinHash

    sketch = MinHash(num_perm=num_perm, seed=seed, hashfunc=int, scheme=MINHASH_SCHEME)
    sketch.update_batch((values & np.uint64(0xFFFFFFFF)).tolist())
    return sketch


class TextIndex:
    """Training texts as shingle sets and MinHashes, with a near-duplicate threshold."""

    kind = KIND

    def __init__(
        self,
        *,
        shingle_hashes: np.ndarray,
        offsets: np.ndarray,
        minhashes: np.ndarray,
        ids: list[str],
        manifest: dict[str, Any],
    ) -> None:
        self._shingles = shingle_hashes
        self._offsets = offsets
        self._minhashes = minhashes
        self._ids = ids
        self._manifest = manifest
        self._lsh = self._build_lsh()

    @property
    def threshold(self) -> float:
        """Distance (1 - Jaccard) at or below which a text is a near-duplicate."""
        return float(self._manifest["threshold"])

    @property
    def manifest(self) -> dict[str, Any]:
        return dict(self._manifest)

    def __len__(self) -> int:
        return len(self._ids)

    @classmethod
    def build(
        cls,
        items: Sequence[tuple[str, str]],
        *,
        shingle: Literal["char", "word"] = "char",
        ngram: int = 5,
        num_perm: int = 128,
        seed: int = 1,
        threshold: float = 0.5,
        holdout: Sequence[str] | None = None,
        fpr: float = 0.01,
        progress: bool = False,
        source_name: str = "custom",
    ) -> TextIndex:
        """Index `(id, text)` pairs.

        `threshold` is the largest distance ever flagged (and what the LSH is
        tuned for); with `holdout` texts it drops to their `fpr`-quantile when
        fresh texts come closer than that.
        """
        _check_options(shingle, ngram, num_perm, threshold, fpr)
        items = list(items)
        if not items:
            raise InputError("items: no texts to index")
        for position, item in enumerate(items):
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str)):
                raise InputError(f"items[{position}]: expected an (id, text) pair of strings")
        ids = [str(i) for i, _ in items]
        check_ids(ids)
        sets, sketches, digest = [], [], hashlib.sha256()
        for item_id, text in track(items, len(items), "fingerprinting", progress):
            sets.append(shingles(text, unit=shingle, n=ngram))
            sketches.append(_minhash(sets[-1], num_perm, seed).hashvalues)
            digest.update(f"{len(item_id)}:{item_id}{len(text)}:{text}".encode())
        bands, rows = lsh_bands(num_perm, 1.0 - threshold)
        manifest = new_manifest(
            kind=KIND,
            algorithm=ALGORITHM,
            algorithm_version=ALGORITHM_VERSION,
            distance="1-jaccard",
            shingle={"unit": shingle, "n": ngram, "normalise": NORMALISE, "hash": SHINGLE_HASH},
            minhash={"num_perm": num_perm, "seed": seed, "scheme": MINHASH_SCHEME},
            lsh={"bands": bands, "rows": rows, "recall_at_threshold": CANDIDATE_RECALL},
            count=len(items),
            threshold=threshold,
            fpr=fpr,
            calibration={"method": "none", "ceiling": threshold},
            source={"name": source_name, "sha256": digest.hexdigest()},
        )
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([s.size for s in sets])
        empty = np.empty(0, dtype=np.uint64)
        index = cls(
            shingle_hashes=np.concatenate(sets) if sets else empty,
            offsets=offsets,
            minhashes=np.stack(sketches).astype(np.uint32),
            ids=ids,
            manifest=manifest,
        )
        if holdout is not None:
            index._calibrate(list(holdout), fpr=fpr, ceiling=threshold, progress=progress)
        return index

    def _calibrate(self, texts: list[str], *, fpr: float, ceiling: float, progress: bool) -> None:
        check_fpr(fpr, len(texts))
        tracked = track(texts, len(texts), "calibrating", progress)
        distances = np.array([self.nearest(text).distance for text in tracked])
        threshold = min(float(np.quantile(distances, fpr)), ceiling)
        figures = calibration_figures(distances, threshold)
        self._manifest["threshold"] = threshold
        self._manifest["calibration"] = {"method": "holdout", "ceiling": ceiling, **figures}

    def nearest(self, text: str) -> NearestMatch:
        """The closest training text among the LSH candidates (id None if there are none)."""
        if not isinstance(text, str):
            raise InputError(f"expected a str, got {type(text).__name__}")
        shingle = self._manifest["shingle"]
        query = shingles(text, unit=shingle["unit"], n=shingle["n"])
        if query.size == 0:
            return NearestMatch(None, 1.0)
        minhash = self._manifest["minhash"]
        sketch = _minhash(query, minhash["num_perm"], minhash["seed"])
        best_row, best_similarity = -1, 0.0
        for row in self._lsh.query(sketch):
            item = self._shingles[self._offsets[row] : self._offsets[row + 1]]
            common = np.intersect1d(query, item, assume_unique=True).size
            similarity = common / (query.size + item.size - common)
            if similarity > best_similarity:
                best_row, best_similarity = row, similarity
        if best_row < 0:
            return NearestMatch(None, 1.0)
        return NearestMatch(self._ids[best_row], 1.0 - best_similarity)

    def _build_lsh(self) -> MinHashLSH:
        """Rebuild the LSH from stored MinHash values (never unpickled)."""
        from datasketch import MinHash, MinHashLSH

        minhash, lsh = self._manifest["minhash"], self._manifest["lsh"]
        num_perm, seed = minhash["num_perm"], minhash["seed"]
        permutations = MinHash(num_perm=num_perm, seed=seed, scheme=MINHASH_SCHEME).permutations
        index = MinHashLSH(num_perm=num_perm, params=(lsh["bands"], lsh["rows"]))
        for row, values in enumerate(self._minhashes):
            sketch = MinHash(
                seed=seed, hashvalues=values, permutations=permutations, scheme=MINHASH_SCHEME
            )
            index.insert(row, sketch, check_duplication=False)
        return index

    def save(self, directory: str | Path) -> Path:
        """Write the index folder atomically: shingle hashes, MinHash values, ids, manifest."""
        arrays = {
            "shingles": self._shingles,
            "offsets": self._offsets,
            "minhashes": self._minhashes,
        }
        return write_index_dir(directory, self._manifest, arrays, self._ids)

    @classmethod
    def load(cls, directory: str | Path) -> TextIndex:
        """Read an index folder; refuse another kind, algorithm, scheme or damaged files."""
        manifest = read_manifest(directory)
        expected = {"kind": KIND, "algorithm": ALGORITHM, "algorithm_version": ALGORITHM_VERSION}
        check_manifest(manifest, directory, expected)
        require_fields(manifest, directory, ["shingle", "minhash", "lsh", "threshold", "count"])
        _check_schemes(manifest, directory)
        arrays, ids = load_arrays(directory, manifest, ["shingles", "offsets", "minhashes"])
        count, num_perm = manifest["count"], manifest["minhash"]["num_perm"]
        offsets, minhashes = arrays["offsets"], arrays["minhashes"]
        if (
            len(ids) != count
            or offsets.shape != (count + 1,)
            or minhashes.shape != (count, num_perm)
            or int(offsets[-1]) != arrays["shingles"].size
        ):
            raise FingerprintIndexError(
                f"{Path(directory)}: arrays do not match manifest count={count} and "
                f"num_perm={num_perm}; rebuild the index"
            )
        return cls(
            shingle_hashes=arrays["shingles"].astype(np.uint64, copy=False),
            offsets=offsets,
            minhashes=minhashes.astype(np.uint32, copy=False),
            ids=ids,
            manifest=manifest,
        )


def _check_options(shingle: str, ngram: int, num_perm: int, threshold: float, fpr: float) -> None:
    if not 0.0 < fpr < 1.0:
        raise InputError(f"fpr={fpr!r}: expected a false-positive rate between 0 and 1")
    if shingle not in ("char", "word"):
        raise InputError(f"shingle={shingle!r}: expected 'char' or 'word'")
    if not isinstance(ngram, int) or not 1 <= ngram <= 32:
        raise InputError(f"ngram={ngram!r}: expected an int between 1 and 32")
    if not isinstance(num_perm, int) or not 16 <= num_perm <= 1024:
        raise InputError(f"num_perm={num_perm!r}: expected an int between 16 and 1024")
    if not 0.0 < threshold < 1.0:
        raise InputError(f"threshold={threshold!r}: expected a distance between 0 and 1")


def _check_schemes(manifest: dict[str, Any], directory: str | Path) -> None:
    """The shingle and MinHash schemes must be the ones this code computes."""
    shingle, minhash = manifest["shingle"], manifest["minhash"]
    wanted = {
        "shingle.normalise": (shingle.get("normalise"), NORMALISE),
        "shingle.hash": (shingle.get("hash"), SHINGLE_HASH),
        "minhash.scheme": (minhash.get("scheme"), MINHASH_SCHEME),
    }
    if shingle.get("unit") not in ("char", "word"):
        wanted["shingle.unit"] = (shingle.get("unit"), "'char' or 'word'")
    for field, (found, value) in wanted.items():
        if found != value:
            raise FingerprintIndexError(
                f"{Path(directory) / 'manifest.json'}: field {field!r} is {found!r}, this "
                f"version reads {value!r}; rebuild the index"
            )
