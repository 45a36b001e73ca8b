"""A contact sheet: every output of a run on one image, so a person sees at a glance
what the model made and which outputs were blocked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image


def contact_sheet(
    images: Sequence[Image.Image | None], *, columns: int = 8, cell: int = 96, gap: int = 4
) -> Image.Image:
    """Tile `images` in a grid; None (a blocked output) is drawn as a crossed grey cell."""
    from PIL import Image, ImageDraw

    if columns < 1 or cell < 8:
        raise ValueError("columns must be >= 1 and cell >= 8")
    rows = max(1, -(-len(images) // columns))
    width = columns * cell + (columns + 1) * gap
    height = rows * cell + (rows + 1) * gap
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for position, image in enumerate(images):
        row, column = divmod(position, columns)
        left, top = gap + column * (cell + gap), gap + row * (cell + gap)
        if image is None:
            box = (left, top, left + cell - 1, top + cell - 1)
            draw.rectangle(box, fill=(200, 200, 200), outline=(180, 0, 0))
            draw.line(box, fill=(180, 0, 0), width=2)
            draw.line((box[0], box[3], box[2], box[1]), fill=(180, 0, 0), width=2)
            continue
        thumbnail = image.convert("RGB").resize((cell, cell), Image.Resampling.LANCZOS)
        sheet.paste(thumbnail, (left, top))
    return sheet
