"""A contact sheet: every output of a run on one image, so a person sees at a glance
what the model made, what each output was asked for, and what the guard decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

# Border colour per outcome: allowed, allowed after regeneration, blocked.
STATUS_COLOURS = {"allowed": (30, 140, 60), "regenerated": (230, 140, 0), "blocked": (180, 0, 0)}
LABEL_HEIGHT = 14
CAPTION_HEIGHT = 22


@dataclass(frozen=True)
class SheetCell:
    """One output: its image (None when blocked), what it was asked for, its outcome."""

    image: Image.Image | None
    label: str
    status: str  # a key of STATUS_COLOURS


def contact_sheet(
    cells: Sequence[SheetCell],
    *,
    caption: str = "",
    columns: int = 8,
    cell: int = 96,
    gap: int = 6,
) -> Image.Image:
    """Tile the cells in a grid, each framed in its outcome's colour and labelled below;
    a blocked output is a crossed grey cell. `caption` runs along the bottom."""
    from PIL import Image, ImageDraw, ImageFont

    if columns < 1 or cell < 8:
        raise ValueError("columns must be >= 1 and cell >= 8")
    unknown = sorted({c.status for c in cells} - set(STATUS_COLOURS))
    if unknown:
        raise ValueError(f"unknown status {unknown}; expected one of {sorted(STATUS_COLOURS)}")
    rows = max(1, -(-len(cells) // columns))
    pitch = cell + LABEL_HEIGHT + gap
    width = columns * cell + (columns + 1) * gap
    height = rows * pitch + gap + (CAPTION_HEIGHT if caption else 0)
    sheet = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for position, item in enumerate(cells):
        row, column = divmod(position, columns)
        left, top = gap + column * (cell + gap), gap + row * pitch
        box = (left, top, left + cell - 1, top + cell - 1)
        colour = STATUS_COLOURS[item.status]
        if item.image is None:
            draw.rectangle(box, fill=(200, 200, 200))
            draw.line(box, fill=colour, width=2)
            draw.line((box[0], box[3], box[2], box[1]), fill=colour, width=2)
        else:
            sheet.paste(item.image.convert("RGB").resize((cell, cell), Image.Resampling.LANCZOS),
                        (left, top))  # fmt: skip
        draw.rectangle(box, outline=colour, width=3)
        draw.text((left + 2, top + cell + 1), item.label, fill=colour, font=font)
    if caption:
        draw.text((gap, height - CAPTION_HEIGHT + 5), caption, fill=(0, 0, 0), font=font)
    return sheet
