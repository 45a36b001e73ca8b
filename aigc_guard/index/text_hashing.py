"""Text as compared by the text index: normalised characters, k-gram hashes, anchors.

Normalisation keeps word characters (case-folded, NFKC per character) and turns
every run of anything else into one space, so a copy with other punctuation,
case or spacing still matches character for character. `normalise_with_map`
also returns, for each normalised character, the offset of the original
character it came from: verbatim spans are reported in original offsets.

Hashes are fixed functions (a polynomial rolling hash finished by splitmix64;
word hashes from BLAKE2b), never Python's salted `hash`, so an index built
today answers the same queries after a restart.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

import numpy as np

NORMALISE = "nfkc-char+casefold+word-runs"
KGRAM_HASH = "poly64+splitmix64"
WORD_HASH = "blake2b-64"
_WORD_RUN = re.compile(r"\w+")
_BASE = np.uint64(0x100000001B3)  # odd multiplier of the polynomial hash
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.empty(0, dtype=np.uint64)


def normalise(text: str) -> str:
    """The text as compared (see `normalise_with_map`, which gives the same string)."""
    if text.isascii():
        return " ".join(_WORD_RUN.findall(text.lower()))
    return normalise_with_map(text)[0]


def normalise_with_map(text: str) -> tuple[str, np.ndarray]:
    """The normalised text and, per normalised character, its original character offset."""
    pieces: list[str] = []
    origin: list[int] = []
    if text.isascii():
        for match in _WORD_RUN.finditer(text.lower()):
            if pieces:
                pieces.append(" ")
                origin.append(match.start() - 1)
            pieces.append(match.group())
            origin.extend(range(match.start(), match.end()))
        return "".join(pieces), np.asarray(origin, dtype=np.int64)
    pending_space = False
    for offset, char in enumerate(text):
        if _WORD_RUN.fullmatch(char) is None:
            pending_space = bool(pieces)
            continue
        if pending_space:
            pieces.append(" ")
            origin.append(offset - 1)
            pending_space = False
        folded = unicodedata.normalize("NFKC", char).casefold()
        folded = "".join(c for c in folded if _WORD_RUN.fullmatch(c)) or "_"
        pieces.append(folded)
        origin.extend([offset] * len(folded))
    return "".join(pieces), np.asarray(origin, dtype=np.int64)


def mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads structured inputs over all 64 bits (wraps mod 2^64)."""
    z = values.astype(np.uint64) + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def rolling_hashes(values: np.ndarray, n: int) -> np.ndarray:
    """The hash of every window of `n` consecutive values (empty when fewer than `n`)."""
    count = values.size - n + 1
    if count <= 0:
        return _EMPTY
    values = values.astype(np.uint64, copy=False)
    out = np.zeros(count, dtype=np.uint64)
    for j in range(n):
        out = out * _BASE + values[j : j + count]
    return mix(out)


def code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def char_kgrams(normalised: str, k: int) -> np.ndarray:
    """Hash of the k characters starting at each position of a normalised text."""
    return rolling_hashes(code_points(normalised), k)


def winnow(hashes: np.ndarray, window: int) -> np.ndarray:
    """Positions of the winnowing fingerprints: the minimum of every `window` consecutive
    hashes (all tied minima). Two texts sharing `window + k - 1` characters share one."""
    if hashes.size == 0:
        return np.empty(0, dtype=np.int64)
    if hashes.size <= window:
        return np.flatnonzero(hashes == hashes.min())
    windows = np.lib.stride_tricks.sliding_window_view(hashes, window)
    minima = windows.min(axis=1)
    # position i is chosen when it equals the minimum of some window that holds it
    pad = np.zeros(window - 1, dtype=np.uint64)  # neutral for max: hashes are unsigned
    holds = np.lib.stride_tricks.sliding_window_view(
        np.concatenate([pad, minima, pad]), window
    ).max(axis=1)
    return np.flatnonzero(hashes <= holds)


@functools.lru_cache(maxsize=1 << 17)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")


def word_shingles(normalised: str, n: int) -> np.ndarray:
    """Sorted unique hashes of the word n-grams (one shingle for a text under n words)."""
    if not normalised:
        return _EMPTY
    words = normalised.split(" ")
    hashes = np.fromiter((_word_hash(w) for w in words), dtype=np.uint64, count=len(words))
    return np.unique(rolling_hashes(hashes, min(n, len(words))))


def band_keys(signature: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per LSH band: the hash of the band's MinHash values and its number."""
    grid = signature[: bands * rows].astype(np.uint64).reshape(bands, rows)
    keys = mix(np.arange(bands, dtype=np.uint64))
    for column in range(rows):
        keys = mix(keys * _BASE + grid[:, column])
    return keys
