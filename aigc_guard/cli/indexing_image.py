"""The image side of `aigc-guard index build | add | calibrate`: folders of images."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aigc_guard.cli.common import console

if TYPE_CHECKING:
    from aigc_guard.index.image import ImageIndex

ProfileOption = Annotated[
    str,
    typer.Option(
        "--profile",
        help="Images: 'small' (digits, icons: shift/rotation/sub-window search) or 'photo' "
        "(colour photos of any size: flips, crops up to 10%).",
    ),
]


def _report_skipped(skipped: list[tuple[str, str]]) -> None:
    for name, reason in skipped:
        console().print(f"[yellow]skipped[/] {name}: {reason}", highlight=False)


def held_out_images(data: str | Path) -> Any:
    """Held-out images: the bundled mnist5k hold-out split, or a folder."""
    from aigc_guard.index.image_folder import read_image_folder
    from aigc_guard.train.data import DATASET_NAME, load_mnist5k

    if str(data) == DATASET_NAME:
        return load_mnist5k().holdout
    items, skipped = read_image_folder(data)
    _report_skipped(skipped)
    return [image for _, image in items]


def build_image_index(
    out: Path, data: Path, *, heldout: Path | None, fpr: float, profile: str
) -> ImageIndex:
    """Index a folder of images; calibrate on --heldout (else a leave-one-out sample)."""
    from aigc_guard.index.image import ImageIndex
    from aigc_guard.index.image_folder import read_image_folder

    items, skipped = read_image_folder(data)
    _report_skipped(skipped)
    holdout = None if heldout is None else held_out_images(heldout)
    index = ImageIndex.build(
        items, holdout=holdout, fpr=fpr, profile=profile, progress=True, source_name=data.name
    )
    index.save(out)
    console(stderr=False).print(
        f"indexed {len(index)} images -> {out} (skipped {len(skipped)}; thresholds: distance "
        f"{index.threshold:.4f}, ratio {index.ratio_threshold:.4f})"
    )
    return index


def add_image_folder(index_dir: Path, data: Path) -> None:
    """Fingerprint more images into an index; thresholds and lists are kept."""
    from aigc_guard.index.image import ImageIndex
    from aigc_guard.index.image_folder import read_image_folder

    items, skipped = read_image_folder(data)
    _report_skipped(skipped)
    grown = ImageIndex.load(index_dir).add(items, progress=True)
    grown.save(index_dir)
    console(stderr=False).print(
        f"added {len(items)} images -> {index_dir} ({len(grown)} in all; skipped {len(skipped)})"
    )


def calibrate_image_index(index_dir: Path, heldout: str, fpr: float) -> None:
    """Set the thresholds again from held-out images at `fpr`; rewrites the folder."""
    from aigc_guard.index.image import ImageIndex

    index = ImageIndex.load(index_dir)
    index.calibrate(held_out_images(heldout), fpr=fpr, progress=True)
    index.save(index_dir)
    figures = index.manifest["calibration"]
    console(stderr=False).print(
        f"{index_dir}: thresholds distance {index.threshold:.4f}, ratio "
        f"{index.ratio_threshold:.4f} (held-out flagged {figures['measured_fpr']:.2%} of "
        f"{figures['size']}, target {fpr:.2%})"
    )
