"""Small SVG charts drawn in Python at export time, so the HTML report needs no script,
no library and no network to show them. Every chart is one `<svg class="chart">`
with a `<title>`; an empty series draws a "no data" panel rather than nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

COLORS = {
    "allow": "#2e7d32",
    "redact": "#f9a825",
    "regenerate": "#1565c0",
    "block": "#c62828",
    "error": "#6a1b9a",
    None: "#757575",
}
_BAR = "#1565c0"
_FONT = 'font-family="sans-serif" font-size="12"'


def _frame(name: str, title: str, width: int, height: int, body: str) -> str:
    return (
        f'<svg class="chart" data-chart="{escape(name)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f"<title>{escape(title)}</title>"
        f'<text x="8" y="18" {_FONT} font-weight="bold">{escape(title)}</text>{body}</svg>'
    )


def _empty(name: str, title: str, width: int) -> str:
    body = f'<text x="8" y="50" {_FONT} fill="#757575">no data</text>'
    return _frame(name, title, width, 70, body)


def bar_chart(
    name: str, title: str, items: Sequence[tuple[str, float]], *, width: int = 560, unit: str = ""
) -> str:
    """Horizontal bars, one per (label, value), longest first as given."""
    if not items:
        return _empty(name, title, width)
    top = max(value for _, value in items) or 1.0
    label_w, row_h, left = 170, 22, 8
    bars = []
    for n, (label, value) in enumerate(items):
        y = 32 + n * row_h
        length = max(1.0, (width - label_w - 80) * value / top)
        text = f"{value:g}{unit}"
        bars.append(
            f'<text x="{left}" y="{y + 14}" {_FONT}>{escape(label[:28])}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{length:.1f}" height="{row_h - 6}" '
            f'fill="{_BAR}"/>'
            f'<text x="{label_w + length + 4:.1f}" y="{y + 14}" {_FONT}>{escape(text)}</text>'
        )
    return _frame(name, title, width, 40 + len(items) * row_h, "".join(bars))


def stacked_columns(
    name: str,
    title: str,
    buckets: Sequence[tuple[str, Mapping[str | None, int]]],
    *,
    width: int = 560,
    height: int = 220,
) -> str:
    """One column per bucket (e.g. a day), stacked by decision, with a legend."""
    if not buckets:
        return _empty(name, title, width)
    top = max(sum(counts.values()) for _, counts in buckets) or 1
    plot_h, base_y, left = height - 80, height - 40, 40
    step = min(60.0, (width - left - 10) / len(buckets))
    parts = [f'<text x="4" y="{base_y - plot_h + 4}" {_FONT}>{top}</text>']
    for n, (label, counts) in enumerate(buckets):
        x, y = left + n * step, float(base_y)
        for decision in COLORS:
            count = counts.get(decision, 0)
            if count:
                h = plot_h * count / top
                y -= h
                parts.append(
                    f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(step - 2, 1):.1f}" '
                    f'height="{h:.1f}" fill="{COLORS[decision]}"><title>{escape(label)}: '
                    f"{count} {escape(str(decision))}</title></rect>"
                )
        if len(buckets) <= 12 or n % max(1, len(buckets) // 8) == 0:
            parts.append(f'<text x="{x:.1f}" y="{base_y + 14}" {_FONT}>{escape(label[5:])}</text>')
    legend = [(d, c) for d, c in COLORS.items() if d is not None]
    for n, (decision, color) in enumerate(legend):
        lx = left + n * 95
        parts.append(
            f'<rect x="{lx}" y="{height - 16}" width="10" height="10" fill="{color}"/>'
            f'<text x="{lx + 14}" y="{height - 7}" {_FONT}>{decision}</text>'
        )
    return _frame(name, title, width, height, "".join(parts))


def histogram(
    name: str,
    title: str,
    values: Sequence[float],
    *,
    threshold: float | None,
    bins: int = 30,
    width: int = 560,
    height: int = 200,
) -> str:
    """Distribution of `values` with a red line at `threshold` (at or below it: a copy)."""
    if not values:
        return _empty(name, title, width)
    low = min(min(values), threshold if threshold is not None else min(values))
    high = max(max(values), threshold if threshold is not None else max(values))
    span = (high - low) or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int((value - low) / span * bins))] += 1
    top, left, base_y, plot_h = max(counts), 40, height - 30, height - 60
    step = (width - left - 10) / bins
    parts = [
        f'<rect x="{left + n * step:.1f}" y="{base_y - plot_h * c / top:.1f}" '
        f'width="{max(step - 1, 1):.1f}" height="{plot_h * c / top:.1f}" fill="{_BAR}"/>'
        for n, c in enumerate(counts)
        if c
    ]
    parts.append(f'<text x="{left}" y="{height - 12}" {_FONT}>{low:.4g}</text>')
    parts.append(f'<text x="{width - 60}" y="{height - 12}" {_FONT}>{high:.4g}</text>')
    if threshold is not None:
        x = left + (threshold - low) / span * (width - left - 10)
        parts.append(
            f'<line x1="{x:.1f}" y1="{base_y - plot_h}" x2="{x:.1f}" y2="{base_y}" '
            f'stroke="#c62828" stroke-width="2"/><text x="{x + 4:.1f}" y="{base_y - plot_h + 10}" '
            f'{_FONT} fill="#c62828">threshold {threshold:.4g}</text>'
        )
    return _frame(name, title, width, height, "".join(parts))


__all__ = ["COLORS", "bar_chart", "histogram", "stacked_columns"]
