"""Text fingerprint index: near-duplicates (MinHash LSH) and verbatim spans (winnowing).

Two questions are asked of every output:

* **Near-duplicate.** Word 3-gram shingles; candidates from a MinHash LSH
  (datasketch MinHash, bands stored as sorted 64-bit keys) and from the span
  anchors below; the decision is exact, on the candidate's stored text:
  `similarity = max(Jaccard, containment)`, containment being the share of the
  record's shingles found in the output (a record pasted into a longer output
  keeps containment ~1). `distance = 1 - similarity`, flagged at or below the
  threshold (calibrated on held-out texts, never above the ceiling).
* **Verbatim span.** Character k-grams of the normalised text; each record
  keeps its winnowing fingerprints (the minimum hash of every window), so any
  run of `window + k - 1` shared characters shares at least one anchor. The
  output's k-grams at every position are looked up in the sorted anchor array;
  the records hit are compared exactly and every common run is reported with
  its offsets in the output and in the record (original characters).

The index stores the training texts (for exact offsets and distances): protect
it like the training data. Audit rows get ids, offsets and figures, never text.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aigc_guard.errors import FingerprintIndexError, InputError
from aigc_guard.index.store import (
    MANIFEST,
    NearestMatch,
    calibration_figures,
    check_fpr,
    check_ids,
    check_manifest,
    int_in,
    new_manifest,
    read_manifest,
    require_fields,
)
from aigc_guard.index.text_encode import MINHASH_SCHEME, encode, merged, minhash, permutations
from aigc_guard.index.text_hashing import (
    KGRAM_HASH,
    NORMALISE,
    WORD_HASH,
    band_keys,
    char_kgrams,
    normalise,
    normalise_with_map,
    word_shingles,
)
from aigc_guard.index.text_spans import SpanMatch, common_runs
from aigc_guard.index.text_store import (
    Segment,
    append_segment,
    load_segment,
    write_new_index,
)

if TYPE_CHECKING:
    pass

KIND = "text"
ALGORITHM = "minhash-lsh+winnowed-spans"
ALGORITHM_VERSION = 2
CANDIDATE_RECALL = 0.995
MIN_CONTAINMENT_SHINGLES = 4  # shorter records are compared by Jaccard only
SPAN_SLACK = 0.8  # a run of min_span original characters keeps >= 80% after normalising
_MAX_SPANS = 8
# Candidate score: 1 / (records holding it) per shared anchor, plus 0.5 per shared LSH
# band. Below 1.0 (one common anchor, a single band of shared boilerplate words) the
# record cannot be flagged: a rare span needs an anchor held by <= max_records records
# (score >= 1/max_records), a near-duplicate shares many bands and anchors.
_MIN_EVIDENCE = 0.5
_BAND_EVIDENCE = 0.5


@dataclass(frozen=True)
class TextMatch(NearestMatch):
    """The nearest record by shingles (`id`, `distance`), and every long common run."""

    similarity: float = 0.0
    spans: tuple[SpanMatch, ...] = ()


def lsh_bands(num_perm: int, similarity: float) -> tuple[int, int]:
    """The (bands, rows) with the most rows per band that still makes an item at
    `similarity` a candidate with probability >= CANDIDATE_RECALL."""
    for rows in range(num_perm // 2, 0, -1):
        bands = num_perm // rows
        if bands >= 2 and 1.0 - (1.0 - similarity**rows) ** bands >= CANDIDATE_RECALL:
            return bands, rows
    return num_perm, 1


def span_params(min_span: int) -> dict[str, int]:
    """k-gram length and winnowing window so that any common run of `floor` normalised
    characters (80% of `min_span`) shares an anchor: window + k - 1 == floor."""
    if not isinstance(min_span, int) or isinstance(min_span, bool) or not 20 <= min_span <= 10_000:
        raise InputError(f"min_span={min_span!r}: expected an int between 20 and 10000 characters")
    floor = math.ceil(SPAN_SLACK * min_span)
    k = min(24, floor * 3 // 5)  # 24 characters (~4 words) seldom match by chance
    return {"min_chars": min_span, "floor": floor, "k": k, "window": floor - k + 1}


class TextIndex:
    """Training texts, their MinHash bands and span anchors, in one or more segments."""

    kind = KIND

    def __init__(self, segments: list[Segment], manifest: dict[str, Any]) -> None:
        self._segments = segments
        self._manifest = manifest
        self._bases = np.cumsum([0, *(len(s) for s in segments)])
        self._permutations = permutations(manifest["minhash"])

    @property
    def threshold(self) -> float:
        """Distance (1 - similarity) at or below which a text is a near-duplicate."""
        return float(self._manifest["threshold"])

    @property
    def min_span(self) -> int:
        """Normalised characters a common run needs to be flagged as a verbatim span."""
        return int(self._manifest["span"]["floor"])

    @property
    def manifest(self) -> dict[str, Any]:
        return dict(self._manifest)

    def __len__(self) -> int:
        return int(self._bases[-1])

    @classmethod
    def build(
        cls,
        items: Iterable[tuple[str, str]],
        *,
        shingle_words: int = 3,
        min_span: int = 50,
        max_records: int = 2,
        num_perm: int = 128,
        seed: int = 1,
        threshold: float = 0.5,
        holdout: Sequence[str] | None = None,
        fpr: float = 0.01,
        progress: bool = False,
        source_name: str = "custom",
    ) -> TextIndex:
        """Index `(id, text)` pairs. `threshold` is the largest distance ever flagged;
        with `holdout` texts it drops to their `fpr`-quantile when they come closer."""
        _check_options(shingle_words, num_perm, threshold, fpr, max_records)
        spans = span_params(min_span)
        bands, rows = lsh_bands(num_perm, 1.0 - threshold)
        manifest = new_manifest(
            kind=KIND,
            algorithm=ALGORITHM,
            algorithm_version=ALGORITHM_VERSION,
            distance="1-max(jaccard,containment)",
            normalise=NORMALISE,
            shingle={"unit": "word", "n": shingle_words, "hash": WORD_HASH},
            minhash={"num_perm": num_perm, "seed": seed, "scheme": MINHASH_SCHEME},
            lsh={"bands": bands, "rows": rows, "recall_at_threshold": CANDIDATE_RECALL},
            span={
                **spans,
                "hash": KGRAM_HASH,
                "max_records": max_records,
                "max_postings": 512,
                "max_candidates": 16,
            },
            threshold=threshold,
            fpr=fpr,
            calibration={"method": "none", "ceiling": threshold},
        )
        digest = hashlib.sha256()
        data = encode(items, manifest, digest=digest, progress=progress)
        check_ids(data.ids)
        manifest.update(
            count=len(data.ids), source={"name": source_name, "sha256": digest.hexdigest()}
        )
        index = cls([Segment.from_data(data)], manifest)
        if holdout is not None:
            index.calibrate(list(holdout), fpr=fpr, progress=progress)
        return index

    def calibrate(self, texts: list[str], *, fpr: float, progress: bool = False) -> None:
        """Set the threshold to the `fpr`-quantile of held-out distances (at most the ceiling)."""
        from aigc_guard.progress import progress as bar

        check_fpr(fpr, len(texts))
        ceiling = float(self._manifest["calibration"]["ceiling"])
        matches = []
        with bar("calibrating", len(texts), enabled=progress) as advance:
            for text in texts:
                matches.append(self.nearest(text))
                advance()
        distances = np.array([m.distance for m in matches])
        threshold = min(float(np.quantile(distances, fpr)), ceiling)
        figures = calibration_figures(distances, threshold)
        spans = sum(1 for m in matches if m.spans)
        figures["span_flag_rate"] = round(spans / len(texts), 6)
        self._manifest.update(threshold=threshold, fpr=fpr)
        self._manifest["calibration"] = {"method": "holdout", "ceiling": ceiling, **figures}

    @classmethod
    def recalibrate(
        cls, directory: str | Path, texts: list[str], *, fpr: float, progress: bool = False
    ) -> float:
        """Calibrate a saved index on held-out `texts` and rewrite its manifest (the
        segments stay as they are); returns the new threshold."""
        from aigc_guard.fileio import write_json_atomic

        index = cls.load(directory)
        index.calibrate(texts, fpr=fpr, progress=progress)
        write_json_atomic(Path(directory) / MANIFEST, index._manifest)
        return index.threshold

    def nearest(self, text: str) -> TextMatch:
        """The closest record by shingles, and every common run of >= `min_span` characters
        that at most `span.max_records` training records hold (rarer is private; a run in
        many records is boilerplate)."""
        if not isinstance(text, str):
            raise InputError(f"expected a str, got {type(text).__name__}")
        norm, origin = normalise_with_map(text)
        if not norm:
            return TextMatch(None, 1.0)
        span, n = self._manifest["span"], self._manifest["shingle"]["n"]
        kgrams = char_kgrams(norm, span["k"])
        shingles = word_shingles(norm, n)
        unique, inverse = np.unique(kgrams, return_inverse=True)
        frequency, candidates = self._lookup(unique, shingles)
        held_by = frequency[inverse]  # records holding each query k-gram as an anchor

        def rare(start: int, length: int) -> bool:
            """Most anchors inside the run are held by <= max_records records: boilerplate
            that many records share stays boilerplate when a few characters around it
            happen to match one record."""
            inside = held_by[start : start + length - span["k"] + 1]
            inside = inside[inside > 0]
            return inside.size == 0 or 2 * int((inside <= span["max_records"]).sum()) >= inside.size

        best: tuple[float, str | None] = (0.0, None)
        spans: list[SpanMatch] = []
        for segment, row in candidates:
            record = segment.text(row)
            record_norm = normalise(record)
            similarity = _similarity(shingles, word_shingles(record_norm, n))
            if similarity > best[0]:
                best = (similarity, segment.ids[row])
            spans.extend(
                common_runs(
                    segment.ids[row], (text, norm, origin, kgrams), (record_norm, record),
                    k=span["k"], floor=self.min_span, min_chars=span["min_chars"], keep=rare,
                )
            )  # fmt: skip
        spans.sort(key=lambda s: (-s.length, s.output_start, s.id))
        return TextMatch(
            best[1], 1.0 - best[0], similarity=best[0], spans=tuple(spans[:_MAX_SPANS])
        )

    def _lookup(
        self, unique: np.ndarray, shingles: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[Segment, int]]]:
        """How many records hold each query k-gram as an anchor, and the candidate records:
        those sharing an LSH band first, then by the rarity of the anchors they share
        (sum of 1 / records holding each)."""
        span, lsh = self._manifest["span"], self._manifest["lsh"]
        keys = (
            band_keys(self._sketch(shingles), lsh["bands"], lsh["rows"]) if shingles.size else None
        )
        frequency = np.zeros(unique.size, dtype=np.int64)
        hits = []
        for segment in self._segments:
            lo = np.searchsorted(segment.anchor_hash, unique, side="left")
            hi = np.searchsorted(segment.anchor_hash, unique, side="right")
            frequency += hi - lo
            hits.append((lo, hi))
        scored: list[tuple[float, int, int]] = []
        for number, (segment, (lo, hi)) in enumerate(zip(self._segments, hits, strict=True)):
            usable = (hi > lo) & (frequency <= span["max_postings"])
            rows = _expand(segment.anchor_row, lo[usable], hi[usable])
            weights = np.repeat(1.0 / frequency[usable], (hi - lo)[usable])
            found, where = np.unique(rows, return_inverse=True)
            score = dict(zip(found.tolist(), np.bincount(where, weights).tolist(), strict=True))
            if keys is not None:
                band_lo = np.searchsorted(segment.band_key, keys, side="left")
                band_hi = np.searchsorted(segment.band_key, keys, side="right")
                for row in _expand(segment.band_row, band_lo, band_hi).tolist():
                    score[row] = score.get(row, 0.0) + _BAND_EVIDENCE
            scored.extend((-value, number, row) for row, value in score.items())
        scored.sort()
        chosen = [c for c in scored[: span["max_candidates"]] if -c[0] >= _MIN_EVIDENCE]
        return frequency, [(self._segments[n], row) for _, n, row in chosen]

    def _sketch(self, shingles: np.ndarray) -> np.ndarray:
        return minhash(shingles, self._manifest["minhash"], self._permutations).hashvalues

    def flags(self, match: TextMatch, threshold: float | None = None) -> list[str]:
        """The criteria `match` meets: 'near-duplicate' (distance <= threshold) and/or
        'verbatim-span' (a common run of >= min_span normalised characters)."""
        limit = self.threshold if threshold is None else threshold
        found = ["near-duplicate"] if match.id is not None and match.distance <= limit else []
        return found + (["verbatim-span"] if match.spans else [])

    def save(self, directory: str | Path) -> Path:
        """Write the index folder atomically (all segments merged into one)."""
        data = merged([segment.data() for segment in self._segments])
        manifest = {k: v for k, v in self._manifest.items() if k != "segments"}
        return write_new_index(directory, manifest, data)

    @classmethod
    def load(cls, directory: str | Path, *, verify: bool = True) -> TextIndex:
        """Open an index folder memory-mapped; refuse another kind, version or damaged files.
        `verify` checks every file's SHA-256 first (reads the whole index once)."""
        path = Path(directory)
        manifest = read_manifest(path)
        expected = {"kind": KIND, "algorithm": ALGORITHM, "algorithm_version": ALGORITHM_VERSION}
        check_manifest(manifest, path, expected)
        require_fields(
            manifest, path, ["normalise", "shingle", "minhash", "lsh", "span", "threshold",
                             "count", "segments"],
        )  # fmt: skip
        _check_schemes(manifest, path)
        _check_sizes(manifest, path)
        segments = [load_segment(path, entry, verify=verify) for entry in manifest["segments"]]
        if sum(len(s) for s in segments) != manifest["count"]:
            raise FingerprintIndexError(
                f"{path}: segments hold {sum(len(s) for s in segments)} records, manifest "
                f"count={manifest['count']}; rebuild the index"
            )
        return cls(segments, manifest)

    @classmethod
    def add(cls, directory: str | Path, items: Iterable[tuple[str, str]], *,
            progress: bool = False) -> int:  # fmt: skip
        """Append records to a saved index as a new segment (no rebuild); returns the new
        count. Ids must be new; the threshold stays as calibrated."""
        path = Path(directory)
        index = cls.load(path, verify=False)
        data = encode(items, index._manifest, digest=None, progress=progress)
        check_ids([*(i for s in index._segments for i in s.ids), *data.ids])
        manifest = {k: v for k, v in index._manifest.items()}
        return int(append_segment(path, manifest, data)["count"])


def _expand(rows: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """rows[lo[0]:hi[0]] + rows[lo[1]:hi[1]] + ..., without a Python loop."""
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
    return np.asarray(rows[starts + np.arange(total)], dtype=np.int64)


def _similarity(query: np.ndarray, record: np.ndarray) -> float:
    if query.size == 0 or record.size == 0:
        return 0.0
    common = np.intersect1d(query, record, assume_unique=True).size
    jaccard = common / (query.size + record.size - common)
    containment = common / record.size if record.size >= MIN_CONTAINMENT_SHINGLES else 0.0
    return max(jaccard, containment)


def _check_options(
    shingle_words: int, num_perm: int, threshold: float, fpr: float, max_records: int
) -> None:
    if isinstance(max_records, bool) or not isinstance(max_records, int) or max_records < 1:
        raise InputError(f"max_records={max_records!r}: expected an int >= 1")
    if not 0.0 < fpr < 1.0:
        raise InputError(f"fpr={fpr!r}: expected a false-positive rate between 0 and 1")
    if not isinstance(shingle_words, int) or not 1 <= shingle_words <= 8:
        raise InputError(f"shingle_words={shingle_words!r}: expected an int between 1 and 8")
    if not isinstance(num_perm, int) or not 16 <= num_perm <= 1024:
        raise InputError(f"num_perm={num_perm!r}: expected an int between 16 and 1024")
    if not 0.0 < threshold < 1.0:
        raise InputError(f"threshold={threshold!r}: expected a distance between 0 and 1")


def _check_sizes(manifest: dict[str, Any], directory: Path) -> None:
    """The numbers that size a query's work (permutations, bands, k-grams) must be ones a
    build writes: the manifest is read from disk and is not hashed."""

    minhash, lsh, span = manifest["minhash"], manifest["lsh"], manifest["span"]
    num_perm = minhash.get("num_perm")
    problems = []
    if not int_in(minhash.get("seed"), 0, 2**32 - 1):
        problems.append(f"minhash.seed={minhash.get('seed')!r}")
    if not int_in(manifest["shingle"].get("n"), 1, 8):
        problems.append(f"shingle.n={manifest['shingle'].get('n')!r}")
    if not int_in(num_perm, 16, 1024):
        problems.append(f"minhash.num_perm={num_perm!r}")
    elif not (
        int_in(lsh.get("bands"), 1, num_perm)
        and int_in(lsh.get("rows"), 1, num_perm)
        and lsh["bands"] * lsh["rows"] <= num_perm
    ):
        problems.append(f"lsh bands={lsh.get('bands')!r} rows={lsh.get('rows')!r}")
    min_chars = span.get("min_chars")
    if not int_in(min_chars, 20, 10_000):
        problems.append(f"span.min_chars={min_chars!r}")
    else:
        expected = span_params(min_chars)
        wrong = [key for key, value in expected.items() if span.get(key) != value]
        limits = {"max_candidates": 4096, "max_postings": 1 << 20, "max_records": 1 << 20}
        wrong += [key for key, high in limits.items() if not int_in(span.get(key), 1, high)]
        if wrong:
            problems.append(f"span {', '.join(f'{key}={span.get(key)!r}' for key in wrong)}")
    if problems:
        raise FingerprintIndexError(
            f"{directory / 'manifest.json'}: settings out of range ({'; '.join(problems)}); "
            "rebuild the index"
        )


def _check_schemes(manifest: dict[str, Any], directory: Path) -> None:
    """Normalisation, hashes and MinHash scheme must be the ones this code computes."""
    wanted = {
        "normalise": (manifest.get("normalise"), NORMALISE),
        "shingle.hash": (manifest["shingle"].get("hash"), WORD_HASH),
        "span.hash": (manifest["span"].get("hash"), KGRAM_HASH),
        "minhash.scheme": (manifest["minhash"].get("scheme"), MINHASH_SCHEME),
    }
    for field, (found, value) in wanted.items():
        if found != value:
            raise FingerprintIndexError(
                f"{directory / 'manifest.json'}: field {field!r} is {found!r}, this version "
                f"reads {value!r}; rebuild the index"
            )


__all__ = ["SpanMatch", "TextIndex", "TextMatch", "lsh_bands", "normalise", "span_params"]
