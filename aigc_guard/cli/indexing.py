"""`aigc-guard index ...`: fingerprint indexes of training data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aigc_guard.cli.common import console, handles_errors
from aigc_guard.cli.indexing_image import (
    ProfileOption,
    add_image_folder,
    build_image_index,
    calibrate_image_index,
)
from aigc_guard.cli.indexing_text import (
    IdFieldOption,
    MinSpanOption,
    TextFieldOption,
    add_text_records,
    build_text_index,
    calibrate_text_index,
)
from aigc_guard.cli.training import dataset

HeldoutOption = Annotated[
    Path | None,
    typer.Option("--heldout", help="Held-out data (same format as --data) to calibrate on."),
]
FprOption = Annotated[
    float, typer.Option("--fpr", help="False-positive rate the threshold is calibrated for.")
]


@handles_errors
def index_build(
    out: Annotated[
        Path, typer.Option("--out", help="Index folder to write (replaced atomically).")
    ],
    data: Annotated[
        str,
        typer.Option(
            help="Data: bundled mnist5k, a FOLDER of PNG/JPEG/WebP images, or a text corpus "
            "FILE.txt | FILE.jsonl."
        ),
    ] = "mnist5k",
    heldout: HeldoutOption = None,
    fpr: FprOption = 0.01,
    profile: ProfileOption = "small",
    text_field: TextFieldOption = "text",
    id_field: IdFieldOption = None,
    min_span: MinSpanOption = 50,
) -> None:
    """Fingerprint the training data; held-out data calibrates the threshold.

    Example: aigc-guard index build --out runs/index (images: --data photos/
    --heldout more-photos/ --profile photo; text: --data corpus.jsonl --text-field body)
    """
    from aigc_guard.index.text_corpus import is_text_corpus

    if is_text_corpus(data):
        build_text_index(
            out, Path(data), heldout=heldout, fpr=fpr, text_field=text_field,
            id_field=id_field, min_span=min_span,
        )  # fmt: skip
        return
    if Path(data).is_dir():
        build_image_index(out, Path(data), heldout=heldout, fpr=fpr, profile=profile)
        return
    from aigc_guard.index import build_mnist5k_index

    dataset(data)
    index = build_mnist5k_index(out, progress=True)
    console(stderr=False).print(
        f"indexed {len(index)} items -> {out} (threshold {index.threshold:.4f})"
    )


@handles_errors
def index_add(
    index: Annotated[Path, typer.Option("--index", help="Index folder to grow.")],
    data: Annotated[Path, typer.Option(help="More training data, in the index's format.")],
    text_field: TextFieldOption = "text",
    id_field: IdFieldOption = None,
) -> None:
    """Add training data to an index without rebuilding it (the threshold is kept).

    Example: aigc-guard index add --index runs/text-index --data more.txt
    """
    from aigc_guard.errors import FingerprintIndexError
    from aigc_guard.index import read_manifest

    kind = read_manifest(index).get("kind")
    if kind == "text":
        add_text_records(index, data, text_field=text_field, id_field=id_field)
        return
    if kind == "image":
        add_image_folder(index, data)
        return
    raise FingerprintIndexError(f"{index}: `index add` does not support {kind!r} indexes")


@handles_errors
def index_calibrate(
    index: Annotated[Path, typer.Option("--index", help="Image index folder to recalibrate.")],
    heldout: Annotated[
        str,
        typer.Option("--heldout", help="Held-out data: a FOLDER or mnist5k; text: a FILE."),
    ],
    fpr: FprOption = 0.01,
    text_field: TextFieldOption = "text",
) -> None:
    """Set an index's thresholds again from held-out real data at --fpr.

    Example: aigc-guard index calibrate --index runs/index --heldout mnist5k --fpr 0.01
    """
    from aigc_guard.errors import FingerprintIndexError
    from aigc_guard.index import read_manifest

    kind = read_manifest(index).get("kind")
    if kind == "text":
        calibrate_text_index(index, Path(heldout), fpr, text_field=text_field)
        return
    if kind != "image":
        raise FingerprintIndexError(f"{index}: `index calibrate` reads image or text indexes, "
                                    f"not {kind!r}")  # fmt: skip
    calibrate_image_index(index, heldout, fpr)
