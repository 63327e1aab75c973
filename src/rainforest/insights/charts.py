"""Horizontal bar charts as inline SVG, drawn on the server (no JavaScript, no CDN).

Pure Python, no Django. Every bar carries its number beside it, and every chart has a
title and a description for screen readers; the page shows the same numbers in a table
next to the chart, so nothing is only in the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Row", "Series", "bar_chart", "format_number"]

LABEL_WIDTH = 190
BAR_AREA = 420
NUMBER_WIDTH = 70
BAR_HEIGHT = 14
BAR_GAP = 3
ROW_GAP = 12
LEGEND_HEIGHT = 26


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[Decimal | int | None, ...]


def format_number(value: Decimal | int | None, empty: str = "—") -> str:
    """2 -> "2", Decimal("2.50") -> "2.5", None -> "—"."""
    if value is None:
        return empty
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(value)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[Series],
    rows: Sequence[Row],
    empty: str = "—",
) -> str:
    """An SVG with one group of bars per row, one bar per series, numbers beside the bars."""
    top = max(
        (float(v) for row in rows for v in row.values if v is not None and v > 0), default=0.0
    )
    per_row = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + ROW_GAP
    height = LEGEND_HEIGHT + max(len(rows), 1) * per_row + 4
    width = LABEL_WIDTH + BAR_AREA + NUMBER_WIDTH
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id={quoteattr(chart_id)} '
        f'role="img" aria-labelledby="{title_id} {desc_id}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-size="13" font-family="sans-serif">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    x = LABEL_WIDTH
    for s in series:
        out.append(f'<rect x="{x}" y="4" width="12" height="12" fill={quoteattr(s.colour)}/>')
        out.append(f'<text x="{x + 16}" y="15">{escape(s.name)}</text>')
        x += 16 + 14 * len(s.name) + 24
    y = LEGEND_HEIGHT
    for row in rows:
        out.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 2}" text-anchor="end">'
            f"{escape(row.label)}</text>"
        )
        for s, value in zip(series, row.values, strict=True):
            length = 0.0 if value is None or top == 0 else max(float(value), 0) / top * BAR_AREA
            number = format_number(value, empty)
            out.append(
                f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
                f'height="{BAR_HEIGHT}" fill={quoteattr(s.colour)}>'
                f"<title>{escape(s.name)}: {escape(number)}</title></rect>"
            )
            out.append(
                f'<text class="value" x="{LABEL_WIDTH + length + 4:.1f}" '
                f'y="{y + BAR_HEIGHT - 2}">{escape(number)}</text>'
            )
            y += BAR_HEIGHT + BAR_GAP
        y += ROW_GAP - BAR_GAP
    out.append("</svg>")
    return "".join(out)
