"""`aigc-guard index ...`: fingerprint indexes of training data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aigc_guard.cli.common import console, handles_errors
from aigc_guard.cli.training import dataset


@handles_errors
def index_build(
    out: Annotated[
        Path, typer.Option("--out", help="Index folder to write (replaced atomically).")
    ],
    data: Annotated[str, typer.Option(help="Data set (bundled: mnist5k).")] = "mnist5k",
) -> None:
    """Fingerprint the training data; the held-out split calibrates the threshold.

    Example: aigc-guard index build --out runs/index
    """
    from aigc_guard.index import build_mnist5k_index

    dataset(data)
    index = build_mnist5k_index(out, progress=True)
    console(stderr=False).print(
        f"indexed {len(index)} items -> {out} (threshold {index.threshold:.4f})"
    )
