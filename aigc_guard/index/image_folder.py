"""Training images from a folder: every PNG, JPEG or WebP file, decoded within the limits.

A file that is not a readable image (truncated, a bomb, another format under an
image suffix) is skipped and reported with its reason, so one bad file neither
stops an index build nor goes unnoticed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aigc_guard.errors import InputError

if TYPE_CHECKING:
    from PIL import Image

SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def read_image_folder(
    folder: str | Path,
) -> tuple[list[tuple[str, Image.Image]], list[tuple[str, str]]]:
    """(id, first frame) per readable image under `folder` (ids: relative paths, sorted),
    and (path, reason) per skipped file."""
    from aigc_guard.limits import DEFAULT_LIMITS
    from aigc_guard.loading import decode_image, read_bounded

    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder of images (PNG, JPEG or WebP files)")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not files:
        raise InputError(f"{root}: no PNG, JPEG or WebP files in this folder")
    items, skipped = [], []
    for path in files:
        name = path.relative_to(root).as_posix()
        try:
            data = read_bounded(path, max_bytes=DEFAULT_LIMITS.max_image_bytes,
                                budget="limits.max_image_bytes")  # fmt: skip
            items.append((name, decode_image(data, source=name).frames[0]))
        except InputError as exc:
            skipped.append((name, str(exc)))
    if not items:
        raise InputError(f"{root}: none of its {len(files)} image files could be read")
    return items, skipped
