"""PII check: precision and recall per entity type on Faker documents with known values.

Run: .venv/bin/python benchmarks/pii.py [--docs 300]
Each document mixes inserted values (known positions) with distractors (dates,
order numbers, amounts, companies, addresses). A finding counts when it
overlaps a value of the same type. Prints markdown tables; ~30-60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from dataclasses import dataclass

from faker import Faker

from aigc_guard.artifacts import Artifact, CheckResult
from aigc_guard.checks.pii import PiiCheck

AREA_CODES = ("212", "213", "303", "312", "404", "415", "512", "617", "702", "206")
TEMPLATES = {
    "PERSON": [
        "{v} called yesterday about the invoice.",
        "Dear {v}, thanks for your order.",
        "The report was reviewed by {v} and approved.",
        "Please forward this to {v} before Friday.",
    ],
    "EMAIL_ADDRESS": ["Write to {v} for details.", "Contact: {v}", "Her address is {v}."],
    "PHONE_NUMBER": ["Call me on my phone at {v}.", "Reach the desk at {v} tomorrow."],
    "US_SSN": ["Your SSN {v} is on file.", "Social security number: {v}."],
    "CREDIT_CARD": ["Card {v} was charged.", "Paid with {v} last week."],
    "IBAN_CODE": ["Transfer the refund to IBAN {v}.", "Account {v} is closed."],
    "IP_ADDRESS": ["A login from {v} was blocked.", "Server {v} is down again."],
}
DISTRACTORS = [
    "Order {order} ships on {date}.",
    "{company} raised prices by {pct}% this quarter.",
    "The total was ${amount} including tax.",
    "Meeting room 4B is booked until {time}.",
    "The office moved to {address}.",
]


@dataclass(frozen=True)
class Truth:
    kind: str
    start: int
    end: int
    variant: str


def _value(fake: Faker, kind: str) -> tuple[str, str]:
    """A fake value of `kind` and its variant name (phones: valid vs Faker's own)."""
    if kind == "PERSON":
        return f"{fake.first_name()} {fake.last_name()}", ""
    if kind == "EMAIL_ADDRESS":
        return fake.email(), ""
    if kind == "PHONE_NUMBER":
        if fake.boolean():
            return fake.phone_number(), "faker phone_number()"
        area = fake.random_element(AREA_CODES)
        return f"({area}) {fake.random_int(201, 989)}-{fake.random_int(1000, 9999)}", "real area"
    if kind == "US_SSN":
        return fake.ssn(), ""
    if kind == "CREDIT_CARD":
        return fake.credit_card_number(), ""
    if kind == "IBAN_CODE":
        return fake.iban(), ""
    return fake.ipv4_public(), ""


def _document(fake: Faker) -> tuple[str, list[Truth]]:
    parts: list[str] = []
    truths: list[Truth] = []
    offset = 0
    kinds = [kind for kind in TEMPLATES if fake.random.random() < 0.5] or ["PERSON"]
    sentences: list[tuple[str, str | None, str, str]] = [
        (fake.random_element(TEMPLATES[kind]), kind, *_value(fake, kind)) for kind in kinds
    ]
    for template in fake.random_elements(DISTRACTORS, length=2, unique=True):
        filled = template.format(
            order=fake.bothify("##-####"),
            date=fake.date(),
            company=fake.company(),
            pct=fake.random_int(2, 30),
            amount=f"{fake.random_int(10, 9999)}.{fake.random_int(10, 99)}",
            time=fake.time("%H:%M"),
            address=fake.street_address(),
        )
        sentences.append((filled, None, "", ""))
    fake.random.shuffle(sentences)
    for template, kind, value, variant in sentences:
        if kind is None:
            sentence = template
        else:
            head = template.index("{v}")
            sentence = template.replace("{v}", value)
            start = offset + head
            truths.append(Truth(kind, start, start + len(value), variant))
        parts.append(sentence)
        offset += len(sentence) + 1
    return " ".join(parts), truths


def _score(docs: list[tuple[str, list[Truth]]], results: list[CheckResult]) -> dict[str, list[int]]:
    """Per type (and phone variant): [true findings, all findings, values found, values]."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (_, truths), result in zip(docs, results, strict=True):
        found = result.details["entities"]
        for entity in found:
            hit = any(
                t.kind == entity["type"] and t.start < entity["end"] and entity["start"] < t.end
                for t in truths
            )
            counts[entity["type"]][0] += hit
            counts[entity["type"]][1] += 1
        for truth in truths:
            covered = any(
                e["type"] == truth.kind and e["start"] < truth.end and truth.start < e["end"]
                for e in found
            )
            for key in {truth.kind, f"{truth.kind} ({truth.variant})" if truth.variant else ""}:
                if key:
                    counts[key][2] += covered
                    counts[key][3] += 1
    return counts


def _print_table(counts: dict[str, list[int]], threshold: float) -> None:
    print(f"## PII findings at score threshold {threshold}\n")
    print("| entity | precision | recall | values |\n|---|---|---|---|")
    for kind in sorted(counts):
        true, found, hit, total = counts[kind]
        precision = f"{true / found:.1%}" if found else "n/a"
        recall = f"{hit / total:.1%}" if total else "n/a"
        print(f"| {kind} | {precision} | {recall} | {total} |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=300)
    args = parser.parse_args()
    fake = Faker("en_US")
    fake.seed_instance(12345)
    docs = [_document(fake) for _ in range(args.docs)]
    check = PiiCheck()  # the defaults: threshold 0.5, the policy's entity list
    started = time.perf_counter()
    check.prepare()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    results = [check.inspect(Artifact.from_text(text)) for text, _ in docs]
    seconds = time.perf_counter() - started
    lenient = PiiCheck(score_threshold=0.4)
    lenient_results = [lenient.inspect(Artifact.from_text(text)) for text, _ in docs]
    chars = sum(len(text) for text, _ in docs) / len(docs)
    print(f"## PII check throughput ({len(docs)} documents, {chars:.0f} characters on average)\n")
    print("| figure | value |\n|---|---|")
    print(f"| engine load incl. Presidio import and spaCy model (s) | {load_s:.2f} |")
    print(f"| documents per second (one process) | {len(docs) / seconds:.1f} |\n")
    _print_table(_score(docs, lenient_results), 0.4)
    _print_table(_score(docs, results), 0.5)
    _leaks(docs, results, check)


def _leaks(
    docs: list[tuple[str, list[Truth]]], results: list[CheckResult], check: PiiCheck
) -> None:
    """How many inserted values survive redaction at the default threshold 0.5."""
    leaked: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (text, truths), result in zip(docs, results, strict=True):
        redacted = check.redact(Artifact.from_text(text), result).text or ""
        for truth in truths:
            leaked[truth.kind][0] += text[truth.start : truth.end] in redacted
            leaked[truth.kind][1] += 1
    print("## Values left in the text after redaction (threshold 0.5)\n")
    print("| entity | left | values |\n|---|---|---|")
    for kind in sorted(leaked):
        print(f"| {kind} | {leaked[kind][0]} | {leaked[kind][1]} |")


if __name__ == "__main__":
    main()
