"""Which rule decides that a shared run is a copy? A study on a tuning corpus (issue 7).

Run: nice -n 10 .venv/bin/python benchmarks/memorization_text_rules.py [--train 20000]
Builds a text index of a Faker corpus of another seed than the benchmark's (the
cases are benchmarks/memorization_text_cases.py, unchanged), collects every common
run of >= 50 characters between each output and each candidate record with the
fingerprint frequencies inside it, then applies each rule to the same runs:

* `current`: most fingerprints inside the run are held by <= 2 records (the index's
  boilerplate filter, `max_records`);
* `rare M L`: at least L normalised characters of the run are covered by a k-gram
  held by 1..M records;
* `uncommon C L`: at least L characters of the run are covered by no k-gram held by
  more than C records (what is left once template phrases are taken out);
* `none`: every run counts (the ceiling of the candidate stage).

Prints, per rule, the share of copied 50- and 80-character runs caught (naming the
right record) and the share of unrelated texts flagged. Tuning only: the held-out
figures are those of benchmarks/memorization_text.py.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable

import numpy as np
from memorization_text_cases import ATTACKS, make_corpus, unrelated_outputs

from aigc_guard.index.text import TextIndex
from aigc_guard.index.text_hashing import char_kgrams, normalise, normalise_with_map, word_shingles
from aigc_guard.index.text_spans import common_runs

TUNING_SEED = 99  # the benchmark's corpus uses 20261203
Run = tuple[str, int, np.ndarray]  # record id, normalised length, fingerprint frequencies
Rule = Callable[[int, np.ndarray, int], bool]


def runs(index: TextIndex, text: str) -> list[Run]:
    """Every common run with a candidate record, unfiltered, with the number of records
    holding each k-gram inside it as a fingerprint (0: held by none)."""
    norm, origin = normalise_with_map(text)
    span, n = index.manifest["span"], index.manifest["shingle"]["n"]
    kgrams = char_kgrams(norm, span["k"])
    unique, inverse = np.unique(kgrams, return_inverse=True)
    frequency, candidates = index._lookup(unique, word_shingles(norm, n))
    held = frequency[inverse]
    found: list[Run] = []
    for segment, row in candidates:
        record, got = segment.text(row), []
        common_runs(
            segment.ids[row], (text, norm, origin, kgrams), (normalise(record), record),
            k=span["k"], floor=index.min_span, min_chars=span["min_chars"],
            keep=lambda start, length, got=got: got.append((start, length)) is None,
        )  # fmt: skip
        for start, length in got:
            found.append((segment.ids[row], length, held[start : start + length - span["k"] + 1]))
    return found


def covered(length: int, starts: np.ndarray, k: int) -> int:
    mask = np.zeros(length, dtype=bool)
    for start in starts.tolist():
        mask[start : start + k] = True
    return int(mask.sum())


def rules(k: int) -> dict[str, Rule]:
    def current(length: int, held: np.ndarray, _: int) -> bool:
        inside = held[held > 0]
        return inside.size == 0 or 2 * int((inside <= 2).sum()) >= inside.size

    out: dict[str, Rule] = {"none": lambda length, held, _: True, "current": current}
    for most, least in ((1, 30), (2, 30), (2, 40), (5, 30)):
        out[f"rare {most} {least}"] = (
            lambda length, held, _, m=most, q=least: covered(
                length, np.flatnonzero((held > 0) & (held <= m)), k) >= q
        )  # fmt: skip
    for common, least in ((2, 24), (5, 24), (5, 30), (10, 24), (10, 30)):
        out[f"uncommon {common} {least}"] = (
            lambda length, held, _, c=common, q=least: length
            - covered(length, np.flatnonzero(held > c), k) >= q
        )  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=int, default=20_000)
    parser.add_argument("--per-style", type=int, default=300, help="copied runs per style")
    parser.add_argument("--unrelated", type=int, default=600, help="texts per unrelated kind")
    args = parser.parse_args()
    corpus = make_corpus(args.train, 2_000, seed=TUNING_SEED)
    index = TextIndex.build(corpus.train, holdout=corpus.calibration, fpr=0.01)
    rng = random.Random(11)
    copies: dict[str, list[tuple[str, list[Run]]]] = {}
    for style in ("prose", "profile"):
        sources = rng.sample([r for r in corpus.train if r[0].startswith(style)], args.per_style)
        for length in (50, 80):
            attack = ATTACKS[f"{length}-character run inside a longer output"]
            copies[f"{style} {length}"] = [
                (rid, runs(index, attack(text, rng, corpus)[0])) for rid, text in sources
            ]
    unrelated = {
        name: [runs(index, text) for text in texts[: args.unrelated]]
        for name, texts in unrelated_outputs(corpus, rng).items()
    }
    k = int(index.manifest["span"]["k"])
    print(f"## Text: span rules on a tuning corpus (seed {TUNING_SEED}, {args.train:,} records)\n")
    print("| rule | " + " | ".join(f"{name}-char runs caught" for name in copies) + " | "
          + " | ".join(f"{name} flagged" for name in unrelated) + " |")  # fmt: skip
    print("|---" * (1 + len(copies) + len(unrelated)) + "|")
    for name, rule in rules(k).items():
        caught = [np.mean([any(i == rid and rule(n, h, k) for i, n, h in found)
                           for rid, found in rows]) for rows in copies.values()]  # fmt: skip
        flagged = [np.mean([any(rule(n, h, k) for _, n, h in found) for found in rows])
                   for rows in unrelated.values()]  # fmt: skip
        print(f"| {name} | " + " | ".join(f"{v:.1%}" for v in caught + flagged) + " |")
    print()


if __name__ == "__main__":
    main()
