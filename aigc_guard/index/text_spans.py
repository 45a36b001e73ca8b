"""Verbatim spans: every maximal run of characters an output shares with one record.

Both texts are compared in normalised form (see text_hashing); equal k-gram
hashes at positions (q, r) with the same diagonal r - q and consecutive q form
one run of `count + k - 1` characters. Each run is checked character by
character (a hash collision never reports a span) and mapped back to offsets in
the original output and record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from aigc_guard.index.text_hashing import char_kgrams, normalise_with_map

_MAX_REPEATS = 64  # a k-gram repeated more often in a record (padding, "aaaa") is skipped


@dataclass(frozen=True)
class SpanMatch:
    """A common run: the record's id, the output characters it covers, and original
    offsets (end exclusive) in the output and in the record. No text."""

    id: str
    length: int
    output_start: int
    output_end: int
    record_start: int
    record_end: int

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "length": self.length,
            "output": [self.output_start, self.output_end],
            "record": [self.record_start, self.record_end],
        }


def common_runs(
    record_id: str,
    query: tuple[str, str, np.ndarray, np.ndarray],
    record: tuple[str, str],
    *,
    k: int,
    floor: int,
    min_chars: int,
    keep: Callable[[int, int], bool] | None = None,
) -> list[SpanMatch]:
    """Runs shared by the query (original and normalised text, origin map, k-gram hashes)
    and the record (normalised and original text) that are >= `floor` normalised
    characters and cover >= `min_chars` characters of the output, counting up to two
    separators (space, punctuation) on each side; `keep` (query start, normalised
    length) may veto a run."""
    q_original, q_text, q_origin, q_hashes = query
    r_text, r_original = record
    r_hashes = char_kgrams(r_text, k)
    if q_hashes.size == 0 or r_hashes.size == 0:
        return []
    q_pos, r_pos = _equal_positions(q_hashes, r_hashes)
    if q_pos.size == 0:
        return []
    diagonal = r_pos - q_pos
    order = np.lexsort((q_pos, diagonal))
    q_pos, diagonal = q_pos[order], diagonal[order]
    breaks = np.flatnonzero((np.diff(diagonal) != 0) | (np.diff(q_pos) != 1)) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [q_pos.size]])
    spans: list[SpanMatch] = []
    r_origin: np.ndarray | None = None  # mapped only when a span is found (rare)
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        length = end - start + k - 1
        if length < floor:
            continue
        qs = int(q_pos[start])
        rs = qs + int(diagonal[start])
        if q_text[qs : qs + length] != r_text[rs : rs + length]:
            continue  # a hash collision, not a copy
        output_start = int(q_origin[qs])
        output_end = int(q_origin[qs + length - 1]) + 1
        if _with_separators(q_original, output_start, output_end) < min_chars:
            continue
        if keep is not None and not keep(qs, length):
            continue
        if r_origin is None:
            r_origin = normalise_with_map(r_original)[1]
        spans.append(
            SpanMatch(
                id=record_id,
                length=output_end - output_start,
                output_start=output_start,
                output_end=output_end,
                record_start=int(r_origin[rs]),
                record_end=int(r_origin[rs + length - 1]) + 1,
            )
        )
    return spans


def _equal_positions(q_hashes: np.ndarray, r_hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (query position, record position) pair with equal k-gram hashes."""
    order = np.argsort(r_hashes, kind="stable")
    ranked = r_hashes[order]
    lo = np.searchsorted(ranked, q_hashes, side="left")
    counts = np.searchsorted(ranked, q_hashes, side="right") - lo
    counts[counts > _MAX_REPEATS] = 0
    total = int(counts.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    q_pos = np.repeat(np.arange(q_hashes.size), counts)
    first = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)
    return q_pos, order[first].astype(np.int64)


def _with_separators(text: str, start: int, end: int) -> int:
    """Length of text[start:end] with up to two non-word characters on each side (a copied
    run that starts or ends at punctuation or a space keeps them in the output)."""
    for _ in range(2):
        if start > 0 and not text[start - 1].isalnum():
            start -= 1
        if end < len(text) and not text[end].isalnum():
            end += 1
    return end - start
