"""PII check: per-type precision, recall and F1 on a labelled Faker corpus, an ablation of
what we add to Presidio, the share of clean documents flagged, and throughput.

Run: .venv/bin/python benchmarks/pii.py [--split blind4|blind3|blind2|blind|held-out|tuning]
     [--docs 1280] [--no-ablation] [--throughput-docs 300] [--throughput-chars 300]
     [--long-mb 1] [--workers 2]
     [--throughput-only] [--errors [TYPE ...]]

The corpus (benchmarks/pii_corpus.py) is built from templates kept apart from the
recognizers (never imported by them). Tuning, held-out and blind (pii_corpus.py) and
blind2 (pii_corpus_blind2.py, tuned on in the fifth round) have all been used to write
rules: their figures are *seen*. blind3 (pii_corpus_blind3.py, 41 templates) and blind4
(pii_corpus_blind4.py, 63 templates, the default) were written by authors who read
neither the recognizers nor the other splits; their errors have never been listed:
measure them with the shipped code only, never with --errors, and never tune on them.
The corpus is drawn under PYTHONHASHSEED=0 (the script re-executes itself with it
when unset). A finding counts only under its right type and when it overlaps the
labelled value; findings whose type the default policy allows (DATE_TIME, NRP) are not
counted. Prints markdown tables; about 10 minutes on 2 busy cores with the ablation.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pii_corpus import BLIND, HELD_OUT, TUNING, Document, Span, build_corpus
from pii_corpus_blind2 import BLIND2
from pii_corpus_blind3 import BLIND3
from pii_corpus_blind4 import BLIND4

from aigc_guard.artifacts import Artifact
from aigc_guard.checks.pii import PiiCheck
from aigc_guard.checks.pii.engine import FEATURES, Finding, PiiEngine
from aigc_guard.checks.pii.workers import CHUNKS_PER_WORKER, chunk_ranges
from aigc_guard.policy import load_policy

# Templates and corpus seed of each split.
SPLITS = {
    "blind": (BLIND, 20261204),
    "blind2": (BLIND2, 20261205),
    "blind3": (BLIND3, 20261206),
    "blind4": (BLIND4, 20261207),
    "held-out": (HELD_OUT, 20261203),
    "tuning": (TUNING, 7),
}
# Splits whose errors have never been read: measured, never tuned on.
FRESH_SPLITS = ("blind3", "blind4")
RECALL_TARGETS = {
    **dict.fromkeys(("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE",
                     "IP_ADDRESS", "MEDICAL_RECORD_NUMBER"), 0.97),
    **dict.fromkeys(("PERSON", "LOCATION", "ADDRESS", "DATE_OF_BIRTH"), 0.90),
}  # fmt: skip
# Cumulative additions, from Presidio as a new user runs it (spaCy + its recognizers +
# its context enhancement) to the whole check.
ABLATION = [
    ("Presidio (spaCy sm + its recognizers + context)", {"context"}),
    ("+ our patterns (shapes, addresses, dates of birth)", {"context", "patterns"}),
    ("+ checksums on our patterns", {"context", "patterns", "checksums"}),
    ("+ gazetteers (first names, places)", {"context", "patterns", "checksums", "gazetteers"}),
    (
        "+ corrections of Presidio's results",
        {"context", "patterns", "checksums", "gazetteers", "corrections"},
    ),
    ("+ overlap resolution", set(FEATURES) - {"support"}),
    ("+ a PERSON needs support, not a product's or firm's shape = the check", set(FEATURES)),
    ("the check without context enhancement", set(FEATURES) - {"context"}),
]


def _overlap(span: Span, finding: Finding) -> bool:
    return span.start < finding.end and finding.start < span.end


@dataclass
class Counts:
    """Per type: findings that hit a value of their type, all findings, values found, values."""

    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    covered: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    values: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    clean_flagged: int = 0
    clean: int = 0
    # (template, type, "missed" or "spurious", the value or the finding's text, context)
    errors: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def add(self, doc: Document, findings: Sequence[Finding]) -> None:
        for f in findings:
            hit = any(s.kind == f.type and _overlap(s, f) for s in doc.spans)
            self.found[f.type] += 1
            self.hits[f.type] += hit
            if not hit:
                self._error(doc, f.type, "spurious", f.start, f.end)
        for s in doc.spans:
            covered = any(f.type == s.kind and _overlap(s, f) for f in findings)
            self.values[s.kind] += 1
            self.covered[s.kind] += covered
            if not covered:
                got = [
                    f"{f.type}:{doc.text[f.start : f.end]!r}" for f in findings if _overlap(s, f)
                ]
                self._error(doc, s.kind, "missed", s.start, s.end, " ".join(got))
        if doc.clean:
            self.clean += 1
            self.clean_flagged += bool(findings)

    def _error(
        self, doc: Document, kind: str, how: str, start: int, end: int, note: str = ""
    ) -> None:
        before = doc.text[max(0, start - 40) : start].replace("\n", "/")
        after = doc.text[end : end + 40].replace("\n", "/")
        context = f"...{before}[[{doc.text[start:end]}]]{after}..." + (
            f" got {note}" if note else ""
        )
        self.errors.append((doc.template, kind, how, doc.text[start:end], context))

    def overall(self) -> tuple[float, float, float]:
        return _prf(sum(self.hits.values()), sum(self.found.values()),
                    sum(self.covered.values()), sum(self.values.values()))  # fmt: skip


def _prf(hits: int, found: int, covered: int, values: int) -> tuple[float, float, float]:
    precision = hits / found if found else 1.0
    recall = covered / values if values else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _acting(check: PiiCheck, findings: Sequence[Finding]) -> list[Finding]:
    """Findings whose type the policy acts on (not `allow`)."""
    return [f for f in findings if check.settings.rule(f.type).action != "allow"]


def score(check: PiiCheck, docs: Sequence[Document]) -> Counts:
    counts = Counts()
    batches = check.engine().analyze_batch([d.text for d in docs], batch_size=64)
    for doc, findings in zip(docs, batches, strict=True):
        counts.add(doc, _acting(check, findings))
    return counts


def print_types(counts: Counts) -> None:
    print("| entity | precision | recall | F1 | values | target recall |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind in sorted(set(counts.values) | set(counts.found)):
        p, r, f = _prf(counts.hits[kind], counts.found[kind], counts.covered[kind],
                       counts.values[kind])  # fmt: skip
        target = RECALL_TARGETS.get(kind)
        mark = (
            ""
            if target is None
            else (f"{target:.2f} ok" if r >= target else f"{target:.2f} MISSED")
        )
        recall = f"{r:.3f}" if counts.values[kind] else "-"
        print(f"| {kind} | {p:.3f} | {recall} | {f:.3f} | {counts.values[kind]} | {mark} |")
    p, r, f = counts.overall()
    total = sum(counts.values.values())
    print(f"| **all** | **{p:.3f}** | **{r:.3f}** | **{f:.3f}** | {total} | F1 0.93 |")
    share = counts.clean_flagged / counts.clean if counts.clean else 0.0
    flagged = f"{counts.clean_flagged} / {counts.clean} = {share:.1%}"
    print(f"\nclean documents flagged: {flagged} (target <= 5%)\n")


def print_errors(counts: Counts, kinds: Sequence[str]) -> None:
    """Every missed value and spurious finding (of `kinds`, or all), grouped by type."""
    print("## Errors: missed values and spurious findings\n")
    for kind in sorted({e[1] for e in counts.errors}):
        if kinds and kind not in kinds:
            continue
        for how in ("missed", "spurious"):
            rows = [e for e in counts.errors if e[1] == kind and e[2] == how]
            if rows:
                print(f"### {kind} {how} ({len(rows)})\n")
                for template, _, _, _, context in sorted(rows):
                    print(f"- {template}: {context}")
                print()


def ablation(settings: object, docs: Sequence[Document]) -> None:
    print("## Ablation: what each addition to Presidio brings\n")
    columns = "precision | recall | F1 | clean flagged | PERSON r | LOC r | ADDR r | PHONE r"
    print(f"| configuration | {columns} |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, features in ABLATION:
        check = PiiCheck(settings, features=features)  # type: ignore[arg-type]
        counts = score(check, docs)
        p, r, f = counts.overall()
        share = counts.clean_flagged / max(counts.clean, 1)
        per = [counts.covered[k] / max(counts.values[k], 1)
               for k in ("PERSON", "LOCATION", "ADDRESS", "PHONE_NUMBER")]  # fmt: skip
        print(f"| {label} | {p:.3f} | {r:.3f} | {f:.3f} | {share:.1%} | "
              + " | ".join(f"{x:.2f}" for x in per) + " |")  # fmt: skip
        check.close()
    print()


def presidio_chunk(engine: PiiEngine, texts: list[str], batch_size: int) -> list[list[tuple]]:
    """In a pool worker: Presidio's BatchAnalyzerEngine called directly with the worker's
    engine (what the check's pooled row runs, without the check's own steps)."""
    from presidio_analyzer import BatchAnalyzerEngine

    results = BatchAnalyzerEngine(engine.analyzer).analyze_iterator(
        texts, language="en", batch_size=batch_size, entities=engine.entities,
        score_threshold=min(engine.thresholds.values()),
    )  # fmt: skip
    return [[(r.entity_type, r.start, r.end, r.score) for r in found] for found in results]


def throughput(check: PiiCheck, texts: Sequence[str], workers: int = 2) -> None:
    """The check against Presidio called directly with the same engine, interleaved three
    times (the best of each) so that a busy neighbour slows both alike; then both again in
    the same pool of `workers` spawned processes (the check's `workers` option)."""
    from presidio_analyzer import BatchAnalyzerEngine

    engine = check.engine()
    analyzer = engine.analyzer
    entities, floor = engine.entities, min(engine.thresholds.values())

    def presidio_one() -> None:
        for text in texts:
            analyzer.analyze(text=text, language="en", entities=entities, score_threshold=floor)

    def check_one() -> None:
        for text in texts:
            check.inspect(Artifact.from_text(text))

    def presidio_batch() -> None:
        BatchAnalyzerEngine(analyzer).analyze_iterator(
            list(texts), language="en", batch_size=64, entities=entities, score_threshold=floor
        )

    def check_batch() -> None:
        check.inspect_texts(list(texts), batch_size=64)

    lean = PiiCheck(check.settings.model_copy(update={"ner_only": True}))
    lean.prepare()

    def lean_batch() -> None:
        lean.inspect_texts(list(texts), batch_size=64)

    nlp = analyzer.nlp_engine.get_nlp("en")  # the pipeline both run (no parser)

    def spacy_alone() -> None:
        for _ in nlp.pipe(list(texts), batch_size=64):
            pass

    ranges = chunk_ranges(len(texts), workers * CHUNKS_PER_WORKER)  # as the check cuts them
    chunks = [(list(texts[start:end]), 64) for start, end in ranges]

    def presidio_pool() -> None:
        engine.pool(workers).map_chunks(presidio_chunk, chunks)

    def check_pool() -> None:
        check.inspect_texts(list(texts), batch_size=64, workers=workers)

    # The pool's start (spawn, import Presidio, load spaCy in each worker), paid once; a
    # second batch makes sure every worker has its engine before the timed runs.
    pool_start = _seconds(check_pool)[0]
    check_pool()
    worker_mb = [_rss_mb(p.pid) for p in multiprocessing.active_children()]

    runs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for _ in range(3):
        modes = {"presidio_one": presidio_one, "check_one": check_one,
                 "presidio_batch": presidio_batch, "check_batch": check_batch,
                 "lean_batch": lean_batch, "spacy_alone": spacy_alone,
                 "presidio_pool": presidio_pool, "check_pool": check_pool}  # fmt: skip
        for name, run in modes.items():
            runs[name].append(_seconds(run))
    wall = {name: min(w for w, _ in times) for name, times in runs.items()}
    cpu = {name: min(c for _, c in times) for name, times in runs.items()}
    chars = sum(len(t) for t in texts) / len(texts)
    n = len(texts)
    print(
        f"## Throughput ({n} documents of {chars:.0f} characters on average; best of 3; "
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n"
    )
    print("documents per second of wall time, and per CPU-second of this process and its "
          "pool's workers (what a busy machine does not change)\n")  # fmt: skip
    print("| mode | Presidio directly: docs/s, docs/CPU-s | the PII check: docs/s, docs/CPU-s "
          "| check overhead (CPU) |")  # fmt: skip
    print("|---|---:|---:|---:|")
    labels = {
        "one": "one at a time",
        "batch": "batched (BatchAnalyzerEngine, 64)",
        "pool": f"batched, `workers: {workers}` (the same {workers}-process pool, warm)",
    }
    for mode in ("one", "batch", "pool"):
        direct, ours = f"presidio_{mode}", f"check_{mode}"
        label = labels[mode]
        print(
            f"| {label} | {n / wall[direct]:.1f}, {n / cpu[direct]:.1f} | "
            f"{n / wall[ours]:.1f}, {n / cpu[ours]:.1f} | "
            f"{(cpu[ours] - cpu[direct]) / cpu[direct]:+.1%} |"
        )
    print(f"| batched, `ner_only: true` (spaCy's NER alone) | | {n / wall['lean_batch']:.1f}, "
          f"{n / cpu['lean_batch']:.1f} | |")  # fmt: skip
    floor = n / wall["spacy_alone"]
    print(f"| the spaCy pipeline alone, as both run it (the floor) | {floor:.1f}, "
          f"{n / cpu['spacy_alone']:.1f} | | |\n")  # fmt: skip
    memory = ", ".join(f"{mb:.0f}" for mb in worker_mb)
    print(f"pool start (first batch, {workers} workers spawned and loaded): {pool_start:.1f} s; "
          f"worker memory (RSS, MB): {memory}\n")  # fmt: skip
    lean.close()


def long_document(check: PiiCheck, megabytes: float) -> None:
    """One long text with a value planted on every chunk boundary region."""
    unit = "Nothing personal here, only filler text about the weather and the trains. "
    text = unit * int(megabytes * 1_000_000 / len(unit))
    planted = "Write to jane.roe@example.org today. "
    size = check.engine().chunk_chars
    positions = list(range(size - 20, len(text) - 100, size))
    for position in reversed(positions):
        text = text[:position] + planted + text[position:]
    started = time.perf_counter()
    result = check.inspect(Artifact.from_text(text))
    seconds = time.perf_counter() - started
    emails = sum(1 for e in result.details["entities"] if e["type"] == "EMAIL_ADDRESS")
    print(f"## Long document\n\n{len(text):,} characters in {seconds:.1f} s "
          f"({len(text) / seconds / 1000:.0f} k chars/s); {emails} of {len(positions)} e-mail "
          f"addresses planted across chunk boundaries found\n")  # fmt: skip


def sized_texts(templates: list, seed: int, count: int, chars: int) -> list[str]:
    """`count` documents of `chars` characters +-15%, drawn from a longer corpus of the
    split's seed: the targets are quoted for ~300-character documents, and a split's
    average is shorter (the sample leans towards its longer templates)."""
    pool = build_corpus(templates, max(count * 10, 1280), seed=seed)
    texts = [d.text for d in pool if abs(len(d.text) - chars) <= 0.15 * chars]
    if len(texts) < count:
        print(f"(only {len(texts)} documents of {chars} characters +-15% in this split)\n")
    return texts[:count]


def _seconds(run: Callable[[], None]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process, all threads, and its worker processes)
    of `run()`."""
    started, cpu = time.perf_counter(), time.process_time() + _workers_cpu()
    run()
    return time.perf_counter() - started, time.process_time() + _workers_cpu() - cpu


def _workers_cpu() -> float:
    """CPU seconds so far of this process's live children (the pool's workers; Linux)."""
    total = 0.0
    for process in multiprocessing.active_children():
        try:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _rss_mb(pid: int | None) -> float:
    """Resident memory of process `pid` in MB (Linux; 0 elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    kb = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")), "0")
    return int(kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=tuple(SPLITS), default="blind4")
    parser.add_argument("--docs", type=int, default=1280)
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument("--throughput-docs", type=int, default=300)
    parser.add_argument(
        "--throughput-chars", type=int, default=300, help="length of the throughput documents"
    )
    parser.add_argument("--long-mb", type=float, default=1.0)
    parser.add_argument(
        "--workers", type=int, default=2, help="processes of the throughput's pool rows"
    )
    parser.add_argument(
        "--throughput-only", action="store_true", help="skip the scores and the ablation"
    )
    parser.add_argument(
        "--errors",
        nargs="*",
        metavar="TYPE",
        help="print every missed value and spurious finding (of these types; all if none)",
    )
    args = parser.parse_args()
    if args.errors is not None and args.split in FRESH_SPLITS:
        parser.error(
            f"--errors would print the {args.split} split's errors, which have never been "
            "listed: that split measures text nobody tuned on (use blind2 or a seen split)"
        )
    templates, seed = SPLITS[args.split]
    docs = build_corpus(templates, args.docs, seed=seed)
    settings = load_policy("default").checks.get("pii")
    print(f"# PII benchmark: {args.split} split, {len(docs)} documents from {len(templates)} "
          f"templates, {sum(d.clean for d in docs)} clean; load {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores; hash seed {os.environ.get('PYTHONHASHSEED')}\n")  # fmt: skip
    started = time.perf_counter()
    check = PiiCheck(settings)  # type: ignore[arg-type]
    check.prepare()
    print(
        f"engine load (Presidio import, spaCy, gazetteers): {time.perf_counter() - started:.1f} s\n"
    )
    if not args.throughput_only:
        print("## Per type: the default policy\n")
        counts = score(check, docs)
        print_types(counts)
        if args.errors is not None:
            print_errors(counts, args.errors)
    if args.throughput_docs:
        texts = sized_texts(templates, seed, args.throughput_docs, args.throughput_chars)
        throughput(check, texts, workers=args.workers)
    if args.long_mb:
        long_document(check, args.long_mb)
    if not args.no_ablation and not args.throughput_only:
        ablation(settings, docs)
    check.close()  # the pool's workers
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    # Faker drew Italian towns from a set, whose order follows Python's string hashing:
    # the corpus changed from run to run (blind LOCATION recall moved by 0.03).
    # pii_corpus now sorts that list; the fixed hash seed guards anything else that
    # iterates a set, in the corpus or in the check.
    if "PYTHONHASHSEED" not in os.environ:
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    main()
