"""The text side of `aigc-guard index build | add`: a .txt or .jsonl corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aigc_guard.cli.common import console

TextFieldOption = Annotated[
    str, typer.Option("--text-field", help="JSONL: the field holding each record's text.")
]
IdFieldOption = Annotated[
    str | None,
    typer.Option(
        "--id-field", help="JSONL: the field holding each record's id (default FILE:LINE)."
    ),
]
MinSpanOption = Annotated[
    int,
    typer.Option("--min-span", help="Text: characters a copied run needs to be flagged verbatim."),
]


def build_text_index(
    out: Path,
    data: Path,
    *,
    heldout: Path | None,
    fpr: float,
    text_field: str,
    id_field: str | None,
    min_span: int,
) -> None:
    """Index a text corpus; with --heldout, calibrate the near-duplicate threshold on it."""
    from aigc_guard.index.text import TextIndex
    from aigc_guard.index.text_corpus import read_text_corpus

    records = read_text_corpus(data, text_field=text_field, id_field=id_field)
    holdout = None
    if heldout is not None:
        holdout = [text for _, text in read_text_corpus(heldout, text_field=text_field)]
    index = TextIndex.build(
        records, holdout=holdout, fpr=fpr, min_span=min_span, progress=True,
        source_name=data.name,
    )  # fmt: skip
    index.save(out)
    console(stderr=False).print(
        f"indexed {len(index)} texts -> {out} (near-duplicate threshold {index.threshold:.4f}, "
        f"verbatim runs of {min_span}+ characters)"
    )


def add_text_records(index: Path, data: Path, *, text_field: str, id_field: str | None) -> None:
    """Append a corpus to a text index as a new segment (no rebuild)."""
    from aigc_guard.index.text import TextIndex
    from aigc_guard.index.text_corpus import read_text_corpus

    records = read_text_corpus(data, text_field=text_field, id_field=id_field)
    count = TextIndex.add(index, records, progress=True)
    console(stderr=False).print(f"added {len(records)} texts -> {index} ({count} in all)")


def calibrate_text_index(index: Path, heldout: Path, fpr: float, *, text_field: str) -> None:
    """Recalibrate a text index's near-duplicate threshold on held-out texts."""
    from aigc_guard.index.text import TextIndex
    from aigc_guard.index.text_corpus import read_text_corpus

    texts = [text for _, text in read_text_corpus(heldout, text_field=text_field)]
    threshold = TextIndex.recalibrate(index, texts, fpr=fpr, progress=True)
    console(stderr=False).print(f"{index}: near-duplicate threshold {threshold:.4f} (fpr {fpr})")
