"""Shape of the BLIND4 split, without any detector: documents, clean share, spans per
entity type, length, and a check that every span's offsets give back the value filled in.

Run: PYTHONHASHSEED=0 .venv/bin/python benchmarks/pii_corpus_blind4_stats.py
(prints statistics only, never a document's text, so reading it keeps the split blind).
"""

from __future__ import annotations

import statistics
import string
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pii_corpus
from pii_corpus import KINDS, build_corpus
from pii_corpus_blind4 import BLIND4

SEED, COUNT = 20261207, 1280


def main() -> None:
    filled: list[tuple[str, str]] = []  # (placeholder, value) in the order fill draws them
    value = pii_corpus._Values.value

    def recording(self: pii_corpus._Values, kind: str) -> str:
        text = value(self, kind)
        filled.append((kind, text))
        return text

    pii_corpus._Values.value = recording  # type: ignore[method-assign]
    try:
        docs = build_corpus(BLIND4, COUNT, seed=SEED)
    finally:
        pii_corpus._Values.value = value  # type: ignore[method-assign]

    labelled = iter([(KINDS[k], v) for k, v in filled if k in KINDS])
    for doc in docs:
        for span in doc.spans:
            kind, text = next(labelled)
            assert span.kind == kind and doc.text[span.start : span.end] == text, doc.template
    assert next(labelled, None) is None

    names = [t.name for t in BLIND4]
    assert len(set(names)) == len(names), "template names repeat"
    types_by_template: Counter[str] = Counter()
    clean_templates = 0
    for template in BLIND4:
        fields = {f for _, f, _, _ in string.Formatter().parse(template.text) if f}
        kinds = {KINDS[f] for f in fields if f in KINDS}
        clean_templates += not kinds
        assert (template.domain == "clean") == (not kinds), template.name
        types_by_template.update(kinds)
    assert all(types_by_template[t] >= 3 for t in set(KINDS.values())), types_by_template

    lengths = [len(d.text) for d in docs]
    clean = sum(d.clean for d in docs)
    spans = Counter(s.kind for d in docs for s in d.spans)
    print(f"templates: {len(BLIND4)}, clean {clean_templates}")
    print(f"documents: {len(docs)}, clean {clean} ({clean / len(docs):.1%})")
    print(
        f"length: mean {statistics.mean(lengths):.0f}, median {statistics.median(lengths):.0f},"
        f" min {min(lengths)}, max {max(lengths)}"
    )
    print(f"spans: {sum(spans.values())}")
    for kind, n in sorted(spans.items()):
        print(f"  {kind:<22} {n:>5}  ({types_by_template[kind]} templates)")


if __name__ == "__main__":
    main()
