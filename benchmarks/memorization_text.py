"""Text memorization: detection per attack, false positives, and speed at 10k/100k/1M records.

Run: nice -n 10 .venv/bin/python benchmarks/memorization_text.py [--train 20000]
     [--per-attack 1000] [--sizes 10000,100000,1000000]
Also run by benchmarks/memorization.py. Prints markdown tables (the README quotes
them). The cases live in memorization_text_cases.py, written before any tuning;
the threshold is calibrated on the calibration split only and the false-positive
rate is measured on the evaluation split. Speed uses synthetic records (random
words, ~300 characters); a query is a copy or an unrelated text, half each.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from memorization_text_cases import ATTACKS, Corpus, make_corpus, unrelated_outputs

from aigc_guard.index.text import TextIndex, TextMatch
from aigc_guard.index.text_hashing import normalise

STYLES = ("prose", "profile")


def caught(index: TextIndex, match: TextMatch, source: str) -> tuple[bool, bool, bool]:
    """(flagged, flagged for the right record, by which: near-duplicate / span)."""
    flags = index.flags(match)
    near = "near-duplicate" in flags and match.id == source
    span = any(s.id == source for s in match.spans)
    return bool(flags), near or span, span


def detection(index: TextIndex, corpus: Corpus, per_attack: int) -> None:
    rng = random.Random(7)
    sources = rng.sample(corpus.train, min(per_attack, len(corpus.train)))
    styles = {style: sum(r[0].startswith(style) for r in sources) for style in STYLES}
    counts = ", ".join(f"{n} {style}" for style, n in styles.items())
    print(f"## Text: detection of copies ({len(sources)} training records per attack: {counts})\n")
    print("| attack | flagged, right record: all | prose | profiles | by a verbatim span | "
          "distance median |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    corpus_text = "\n".join(normalise(text) for _, text in corpus.train)
    private: dict[str, list[bool]] = {}
    for name, attack in ATTACKS.items():
        right: dict[str, list[bool]] = {style: [] for style in STYLES}
        spans, distances = [], []
        for record_id, text in sources:
            output, copied = attack(text, rng, corpus)
            match = index.nearest(output)
            _, hit, span = caught(index, match, record_id)
            right[record_id.split("-")[0]].append(hit)
            spans.append(span)
            distances.append(match.distance)
            if copied is not None:  # a run: is it one record's text or shared boilerplate?
                run = normalise(copied)
                if corpus_text.count(run) <= index.manifest["span"]["max_records"]:
                    private.setdefault(name, []).append(span)
        every = [hit for hits in right.values() for hit in hits]
        print(
            f"| {name} | {np.mean(every):.1%} | {np.mean(right['prose']):.1%} | "
            f"{np.mean(right['profile']):.1%} | {np.mean(spans):.1%} | "
            f"{statistics.median(distances):.3f} |"
        )
    print("\n| copied run | runs held by <= max_records training records | caught among them |")
    print("|---|---|---|")
    for name, hits in private.items():
        print(f"| {name} | {len(hits) / len(sources):.1%} | {np.mean(hits):.1%} |")
    print("\n| unrelated text (evaluation split) | flagged | near-duplicate | verbatim span |")
    print("|---|---|---|---|")
    unrelated = unrelated_outputs(corpus, rng)
    flagged: dict[str, list[bool]] = {}
    for name, texts in unrelated.items():
        flags = [index.flags(index.nearest(text)) for text in texts]
        flagged[name] = [bool(f) for f in flags]
        near = np.mean(["near-duplicate" in f for f in flags])
        span = np.mean(["verbatim-span" in f for f in flags])
        print(f"| {name} ({len(texts)}) | {np.mean(flagged[name]):.2%} | "
              f"{near:.2%} | {span:.2%} |")  # fmt: skip
    ground_truth(index, corpus, unrelated, flagged)
    calibration = index.manifest["calibration"]
    spans_asked = index.manifest["span"]
    print(
        f"\nThreshold {index.threshold:.3f} (distance = 1 - max(Jaccard, containment) of word "
        f"3-grams; ceiling {calibration['ceiling']}, calibrated on {calibration.get('size')} "
        f"texts, measured FPR there {calibration.get('measured_fpr')}); verbatim runs of "
        f">= {spans_asked['min_chars']} output characters held by <= "
        f"{spans_asked['max_records']} training records.\n"
    )


def shared_run_holders(texts: list[str], train: list[tuple[str, str]], length: int) -> list[int]:
    """Per text, by exact search: 0 if it shares no `length`-character run (normalised)
    with any training record, else the fewest training records holding one of its shared
    runs (1 = a run only one record holds)."""
    windows = [
        {norm[i : i + length] for i in range(len(norm) - length + 1)}
        for norm in (normalise(text) for text in texts)
    ]
    wanted = set().union(*windows)
    holders: dict[str, set[str]] = {}
    for record_id, text in train:
        norm = normalise(text)
        for i in range(len(norm) - length + 1):
            run = norm[i : i + length]
            if run in wanted:
                holders.setdefault(run, set()).add(record_id)
    return [min((len(holders[w]) for w in found if w in holders), default=0) for found in windows]


def ground_truth(
    index: TextIndex,
    corpus: Corpus,
    unrelated: dict[str, list[str]],
    flagged: dict[str, list[bool]],
) -> None:
    """The unrelated texts split by what they literally share with the training records:
    the span rule promises to find a run of >= min_chars copied from a record, so a
    "fresh" text that holds such a run of one or two records is a copy by that definition."""
    spans_asked = index.manifest["span"]
    length, most = spans_asked["min_chars"], spans_asked["max_records"]
    print(f"\n| unrelated text, by what it shares with the records (exact search, {length} "
          "normalised characters) | texts | flagged |")  # fmt: skip
    print("|---|---|---|")
    every = shared_run_holders([t for texts in unrelated.values() for t in texts], corpus.train,
                               length)  # one pass over the records for all kinds  # fmt: skip
    offset = 0
    for name, texts in unrelated.items():
        held, offset = every[offset : offset + len(texts)], offset + len(texts)
        classes = {
            "shares no run with any record": [h == 0 for h in held],
            f"shares only runs held by > {most} records (boilerplate)": [h > most for h in held],
            f"shares a run held by 1-{most} records": [0 < h <= most for h in held],
        }
        for label, members in classes.items():
            chosen = [f for f, m in zip(flagged[name], members, strict=True) if m]
            rate = f"{np.mean(chosen):.2%}" if chosen else "-"
            print(f"| {name}: {label} | {len(chosen)} | {rate} |")


def boilerplate_tradeoff(corpus: Corpus, per_attack: int) -> None:
    """The same runs and unrelated texts with the boilerplate filter off (max_records huge)."""
    print("## Text: the boilerplate filter (verbatim spans only)\n")
    print("| max_records | 50-char runs caught: prose / profiles | unrelated flagged: "
          "prose / profiles / prose + profile sentence |")  # fmt: skip
    print("|---|---|---|")
    attack = ATTACKS["50-character run inside a longer output"]
    for max_records in (2, 10**9):
        index = TextIndex.build(corpus.train, max_records=max_records)
        rng = random.Random(7)
        sources = rng.sample(corpus.train, min(per_attack, len(corpus.train)))
        hits: dict[str, list[bool]] = {style: [] for style in STYLES}
        for record_id, text in sources:
            match = index.nearest(attack(text, rng, corpus)[0])
            hits[record_id.split("-")[0]].append(any(s.id == record_id for s in match.spans))
        rates = [
            np.mean([bool(index.nearest(t).spans) for t in texts])
            for texts in unrelated_outputs(corpus, rng).values()
        ]
        label = "2 (default)" if max_records == 2 else "no filter"
        print(f"| {label} | {np.mean(hits['prose']):.1%} / {np.mean(hits['profile']):.1%} | "
              + " / ".join(f"{rate:.2%}" for rate in rates) + " |")  # fmt: skip
    print()


def synthetic(count: int, seed: int, vocabulary: list[str]) -> list[tuple[str, str]]:
    """Records of random words in sentences, ~300 characters each (fast to make)."""
    rng = np.random.default_rng(seed)
    words = np.asarray(vocabulary)
    picks = words[rng.integers(0, len(words), size=(count, 48))]
    return [(f"s{seed}-{i}", " ".join(row[:16]) + ". " + " ".join(row[16:32]) + ". "
             + " ".join(row[32:]) + ".") for i, row in enumerate(picks.tolist())]  # fmt: skip


def speed(sizes: list[int], vocabulary: list[str]) -> None:
    print("## Text: speed (synthetic records, ~300 characters)\n")
    print("| records | build (records/s) | save (s) | size on disk (MB) | load (s) | "
          "query median / p95 (ms) | add 10k (s) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        records = synthetic(size, 1, vocabulary)
        with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
            folder = Path(tmp) / "index"
            started = time.perf_counter()
            index = TextIndex.build(records, source_name="synthetic")
            build = time.perf_counter() - started
            started = time.perf_counter()
            index.save(folder)
            save = time.perf_counter() - started
            del index
            started = time.perf_counter()
            loaded = TextIndex.load(folder)
            load = time.perf_counter() - started
            queries = _queries(records, vocabulary)
            times = []
            for text in queries:
                started = time.perf_counter()
                loaded.nearest(text)
                times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            TextIndex.add(folder, synthetic(10_000, 2, vocabulary))
            add = time.perf_counter() - started
            megabytes = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6
            del loaded
            shutil.rmtree(folder)
        print(
            f"| {size:,} | {size / build:,.0f} | {save:.1f} | {megabytes:,.0f} | {load:.1f} | "
            f"{np.median(times):.2f} / {np.quantile(times, 0.95):.2f} | {add:.1f} |",
            flush=True,
        )
    print()


def _queries(records: list[tuple[str, str]], vocabulary: list[str]) -> list[str]:
    rng = random.Random(3)
    copies = [text[20:200] + " " + " ".join(rng.sample(vocabulary, 20)) for _, text in
              rng.sample(records, 100)]  # fmt: skip
    fresh = [text for _, text in synthetic(100, 9, vocabulary)]
    return copies + fresh


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=int, default=20_000, help="training records indexed")
    parser.add_argument("--held", type=int, default=2_000, help="calibration and evaluation texts")
    parser.add_argument("--per-attack", type=int, default=1_000)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--no-tradeoff", action="store_true", help="skip the filter comparison")
    parser.add_argument("--speed-only", action="store_true", help="only the speed table")
    args = parser.parse_args(argv)
    corpus = make_corpus(args.train, args.held)
    if not args.speed_only:
        started = time.perf_counter()
        index = TextIndex.build(corpus.train, holdout=corpus.calibration, fpr=0.01)
        print(f"(detection index: {len(index):,} Faker records, built and calibrated in "
              f"{time.perf_counter() - started:.1f} s)\n")  # fmt: skip
        detection(index, corpus, args.per_attack)
        if not args.no_tradeoff:
            boilerplate_tradeoff(corpus, args.per_attack)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        speed(sizes, corpus.words)


if __name__ == "__main__":
    main()
