"""Split a long text into overlapping windows that spaCy accepts.

spaCy refuses a text longer than its max_length (1,000,000 characters by default),
and a 10 MB output must still be screened whole. Windows overlap by `overlap`
characters, so an entity shorter than the overlap that crosses one window's end
lies whole inside the next; window ends are moved back to whitespace when there is
some in the last quarter, so words are rarely cut.
"""

from __future__ import annotations


def chunk_spans(text: str, size: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) windows covering `text`; each at most `size` long, consecutive ones
    sharing at least `overlap` characters. One window when the text fits."""
    if size < 2 or not 0 <= overlap < size // 2:
        raise ValueError(f"chunk size {size} and overlap {overlap}: need 0 <= overlap < size/2")
    length = len(text)
    if length <= size:
        return [(0, length)]
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + size, length)
        if end < length:
            cut = text.rfind(" ", start + size - size // 4, end)
            cut = max(cut, text.rfind("\n", start + size - size // 4, end))
            end = cut if cut > start + overlap else end
        spans.append((start, end))
        if end >= length:
            return spans
        start = end - overlap


__all__ = ["chunk_spans"]
