"""Budget burn-down as inline SVG: no JavaScript, no CDN, every number also in a table."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from rainforest.vouchers.selectors import BurnPoint

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 40


def _y(value: Decimal, top: Decimal) -> float:
    share = float(value / top) if top else 0.0
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - share)


def _wan(value: Decimal) -> str:
    return f"{value / 10000:,.0f}万"


def burn_down_svg(title: str, budget: Decimal, points: Sequence[BurnPoint]) -> str:
    """Cumulative issued (committed) and redeemed per month against the year's budget."""
    top = max([budget, *(p.issued for p in points)]) or Decimal(1)
    n = max(len(points), 1)
    step = (WIDTH - LEFT - RIGHT) / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{_y(budget, top):.1f}" x2="{WIDTH - RIGHT}" '
        f'y2="{_y(budget, top):.1f}" stroke="#b00" stroke-dasharray="4 3"/>',
        f'<text x="{LEFT - 4}" y="{_y(budget, top) + 4:.1f}" text-anchor="end" '
        f'font-size="11">{escape(_wan(budget))}</text>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#333"/>',
    ]
    for i, p in enumerate(points):
        x = LEFT + i * step + step * 0.15
        w = step * 0.35
        for offset, value, colour in ((0.0, p.issued, "#2f6f9f"), (w, p.redeemed, "#5a9e4b")):
            y = _y(value, top)
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{y:.1f}" width="{w:.1f}" '
                f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{colour}">'
                f"<title>{escape(p.month.strftime('%Y-%m'))} {escape(_wan(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{x + w:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
            f'font-size="11">{escape(p.month.strftime("%m"))}</text>'
        )
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="11" fill="#2f6f9f">■ 已发放（累计）</text>'
        f'<text x="{LEFT + 130}" y="{HEIGHT - 6}" font-size="11" fill="#5a9e4b">■ 已核销（累计）</text>'
        f'<text x="{LEFT + 260}" y="{HEIGHT - 6}" font-size="11" fill="#b00">- - 年度预算</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
