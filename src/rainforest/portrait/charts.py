"""Trend lines as inline SVG, drawn on the server: no JavaScript, nothing from a CDN.

Each chart names its first and last month and its last value in text, so it reads
without colour; the SVG carries a title for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
HEIGHT = 120
PAD = 24
COLOUR = "#00703c"


def line_chart(
    months: Sequence[str],
    values: Sequence[int | float | None],
    *,
    title: str,
    chart_id: str,
    label: str,
) -> SafeString:
    """One series over months; missing values break the line."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    parts = [
        f'<svg class="chart trend" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" style="max-width:100%" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    if points:
        lo = min(float(v) for _i, v in points)
        hi = max(float(v) for _i, v in points)
        span = (hi - lo) or 1.0
        n = max(len(values) - 1, 1)

        def xy(i: int, v: float) -> str:
            x = PAD + (WIDTH - 2 * PAD) * i / n
            y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * (v - lo) / span
            return f"{x:.1f},{y:.1f}"

        path = " ".join(xy(i, float(v)) for i, v in points)
        parts.append(
            f'<polyline fill="none" stroke="{COLOUR}" stroke-width="2" points="{path}"></polyline>'
        )
        parts.append(
            f'<text class="value" x="{WIDTH - PAD}" y="14" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
        )
    if months:
        parts.append(
            f'<text x="{PAD}" y="{HEIGHT - 4}" font-size="11">{escape(months[0])}</text>'
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 4}" font-size="11" text-anchor="end">'
            f"{escape(months[-1])}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- every text and id is escaped above
