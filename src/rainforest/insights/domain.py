"""Cycle-time arithmetic for the leadership dashboard (领导驾驶舱): pure, no Django.

Durations are whole working days (工作日), as the case engine records them on each stage
visit. The dashboard reads them from the database as a histogram (working days -> number
of visits), never as one row per visit, so the percentiles here work on a histogram;
:func:`percentile` on a plain sorted list is the same rule and is what the tests compare
against.

**Method: linear interpolation between closest ranks** (the "inclusive" definition: Excel
``PERCENTILE.INC``, NumPy's default ``linear``, Python's
``statistics.quantiles(method="inclusive")``, Hyndman & Fan type 7). For ``n`` sorted
values ``x[0..n-1]`` and a percentage ``p`` the rank is ``h = (n - 1) * p / 100`` and the
result is ``x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])``. So the
median of 1 and 2 working days is 1.5, and the 90th percentile never exceeds the largest
value. Because the values are integers and ``p`` is a whole percentage, the result is
exact to two decimals (for the median and the 90th percentile, to one): it is returned as
a :class:`~decimal.Decimal`, never a float.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

__all__ = [
    "METHOD_EN",
    "METHOD_ZH",
    "Summary",
    "histogram",
    "percentile",
    "percentile_from_counts",
    "summarise",
]

METHOD_ZH = "百分位数按最近两个秩次线性插值计算（与 Excel PERCENTILE.INC 相同）"
METHOD_EN = "Percentiles by linear interpolation between closest ranks (as Excel PERCENTILE.INC)"


def _check_percent(percent: int) -> None:
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValueError(f"percent must be a whole number from 0 to 100, got {percent!r}")


def _to_decimal(value: Fraction) -> Decimal:
    # The denominator divides 100 (integer data, whole percentage), so this is exact.
    hundredths = value * 100
    if hundredths.denominator != 1:
        raise ArithmeticError(f"{value} is not a whole number of hundredths")
    cents = hundredths.numerator
    if cents % 100 == 0:
        return Decimal(cents // 100)
    if cents % 10 == 0:
        return Decimal(cents // 10).scaleb(-1)
    return Decimal(cents).scaleb(-2)


def _interpolate(low: int, high: int, fraction: Fraction) -> Decimal:
    return _to_decimal(low + fraction * (high - low))


def percentile(sorted_values: Sequence[int], percent: int) -> Decimal | None:
    """The ``percent``-th percentile of ascending integers; None when there are none."""
    _check_percent(percent)
    n = len(sorted_values)
    if n == 0:
        return None
    rank = Fraction((n - 1) * percent, 100)
    low = int(rank)  # floor: rank >= 0
    high = min(low + 1, n - 1)
    return _interpolate(sorted_values[low], sorted_values[high], rank - low)


def _value_at(ordered: Sequence[tuple[int, int]], index: int) -> int:
    """The value at 0-based ``index`` of the sorted list the histogram stands for."""
    seen = 0
    for value, count in ordered:
        seen += count
        if index < seen:
            return value
    raise IndexError(index)


def percentile_from_counts(counts: Mapping[int, int], percent: int) -> Decimal | None:
    """The same as :func:`percentile`, from a histogram ``{value: how many}``."""
    _check_percent(percent)
    ordered = sorted((v, c) for v, c in counts.items() if c > 0)
    if any(c < 0 for c in counts.values()):
        raise ValueError("a histogram cannot hold a negative count")
    n = sum(c for _v, c in ordered)
    if n == 0:
        return None
    rank = Fraction((n - 1) * percent, 100)
    low = int(rank)
    high = min(low + 1, n - 1)
    return _interpolate(_value_at(ordered, low), _value_at(ordered, high), rank - low)


def histogram(values: Iterable[int]) -> dict[int, int]:
    """``{value: how many}`` of some integers."""
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


@dataclass(frozen=True)
class Summary:
    """One row of the dashboard: how many finished, their median and 90th percentile.

    ``in_progress`` counts the visits (or cases) still under way; their time so far is
    not in the median, because it is not finished yet and would pull the figure down.
    """

    completed: int
    median: Decimal | None
    p90: Decimal | None
    in_progress: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "completed": self.completed,
            "median_workdays": self.median,
            "p90_workdays": self.p90,
            "in_progress": self.in_progress,
        }


def summarise(counts: Mapping[int, int], in_progress: int = 0) -> Summary:
    """Median and 90th percentile of a histogram of finished durations."""
    return Summary(
        completed=sum(c for c in counts.values() if c > 0),
        median=percentile_from_counts(counts, 50),
        p90=percentile_from_counts(counts, 90),
        in_progress=in_progress,
    )
