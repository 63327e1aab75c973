"""Bar charts as inline SVG, drawn on the server: no JavaScript, nothing from a CDN.

Each bar has its label before it and its number after it, so the chart reads without
colour or hover; the SVG carries a title for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
ROW = 30
BAR = 20
LABEL = 200  # room for the labels on the left
NUMBER = 70  # room for the numbers on the right
COLOUR = "#00703c"


def _length(value: int, largest: int, room: int) -> int:
    if value <= 0 or largest <= 0:
        return 0
    # A bar for a count above zero stays visible even beside a much larger one.
    return max(2, round(room * value / largest))


def bar_chart(rows: Sequence[tuple[str, int]], *, title: str, chart_id: str) -> SafeString:
    """Horizontal bars, one per (label, count), in the order given."""
    room = WIDTH - LABEL - NUMBER
    largest = max((v for _l, v in rows), default=0)
    height = ROW * len(rows) + 10
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 5 + i * ROW
        length = _length(value, largest, room)
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-value="{value}">'
            f'<text x="{LABEL - 8}" y="{y + BAR - 5}" text-anchor="end" font-size="14">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y}" width="{length}" height="{BAR}" fill="{COLOUR}"></rect>'
            f'<text class="value" x="{LABEL + length + 6}" y="{y + BAR - 5}" font-size="14">{value:,}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every label and id is escaped above


def pyramid_chart(rows: Sequence[tuple[str, int]], *, title: str, chart_id: str) -> SafeString:
    """Bars centred on one axis, top tier first: the tier pyramid."""
    room = WIDTH - LABEL - NUMBER
    centre = LABEL + room // 2
    largest = max((v for _l, v in rows), default=0)
    height = ROW * len(rows) + 10
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 5 + i * ROW
        length = _length(value, largest, room)
        left = centre - length // 2
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-value="{value}">'
            f'<text x="{LABEL - 8}" y="{y + BAR - 5}" text-anchor="end" font-size="14">{escape(label)}</text>'
            f'<rect x="{left}" y="{y}" width="{length}" height="{BAR}" fill="{COLOUR}"></rect>'
            f'<text class="value" x="{left + length + 6}" y="{y + BAR - 5}" font-size="14">{value:,}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every label and id is escaped above
