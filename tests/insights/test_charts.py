"""insights/charts.py: bars as SVG, numbers beside them, every text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from rainforest.insights.charts import Row, Series, bar_chart, format_number

SVG = "{http://www.w3.org/2000/svg}"


def _chart(rows: list[Row]) -> str:
    return bar_chart(
        chart_id="c1",
        title="用时 <title>",
        description="说明 & 描述",
        series=[Series("中位数", "#1d70b8"), Series("第90百分位", "#f47738")],
        rows=rows,
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (0, "0"),
        (3, "3"),
        (Decimal("2.50"), "2.5"),
        (Decimal("3"), "3"),
        (Decimal("10"), "10"),
        (Decimal("0.00"), "0"),
        (Decimal("-1.5"), "-1.5"),
    ],
)
def test_format_number(value: Decimal | int | None, text: str) -> None:
    assert format_number(value) == text


def test_bar_chart_is_well_formed_svg_with_values_beside_bars() -> None:
    svg = _chart([Row("登记审查", (Decimal("2.5"), Decimal("5"))), Row("待补正", (None, None))])

    root = ET.fromstring(svg)
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    widths = [
        float(r.get("width", "0")) for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"
    ]
    assert values == ["2.5", "5", "—", "—"]
    # The longest bar spans the whole area; the others are in proportion; none is empty.
    assert widths == [210.0, 420.0, 0.0, 0.0]
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "用时 <title>"  # type: ignore[union-attr]


def test_bar_chart_escapes_labels() -> None:
    svg = _chart([Row('<script>alert("x")</script>', (1, 2))])

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert re.search(r"<text[^>]*>&lt;script&gt;alert", svg) is not None


def test_bar_chart_all_zero_draws_no_bars() -> None:
    svg = _chart([Row("甲", (0, 0))])

    assert re.findall(r'class="bar"[^>]*width="([^"]+)"', svg) == ["0.0", "0.0"]
