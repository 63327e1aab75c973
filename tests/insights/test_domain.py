"""insights/domain.py: percentiles by linear interpolation, from lists and histograms."""

from __future__ import annotations

import statistics
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.insights.domain import (
    Summary,
    histogram,
    percentile,
    percentile_from_counts,
    summarise,
)


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [
        # Nothing finished: no figure, not zero.
        ([], 50, None),
        ([], 90, None),
        # One value is every percentile.
        ([4], 50, Decimal("4")),
        ([4], 90, Decimal("4")),
        ([0], 90, Decimal("0")),
        # Odd count: the middle value.
        ([1, 2, 3], 50, Decimal("2")),
        ([1, 2, 9], 50, Decimal("2")),
        # Even count: halfway between the two middle values.
        ([1, 2], 50, Decimal("1.5")),
        ([1, 2, 3, 4], 50, Decimal("2.5")),
        ([2, 2, 3, 3], 50, Decimal("2.5")),
        ([1, 1, 1, 1], 50, Decimal("1")),
        # p90, rank h = 0.9 * (n - 1).
        ([1, 2], 90, Decimal("1.9")),  # h = 0.9
        ([1, 2, 3], 90, Decimal("2.8")),  # h = 1.8
        ([1, 2, 3, 4], 90, Decimal("3.7")),  # h = 2.7
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, Decimal("9.1")),  # h = 8.1
        # n = 11: h = 9 exactly, the 10th value, no interpolation ...
        (list(range(1, 12)), 90, Decimal("10")),
        # ... n = 10 and 12 on either side interpolate.
        (list(range(1, 13)), 90, Decimal("10.9")),  # h = 9.9
        # A long tail moves p90, not the median.
        ([1, 1, 1, 1, 1, 1, 1, 1, 1, 50], 50, Decimal("1")),
        ([1, 1, 1, 1, 1, 1, 1, 1, 1, 50], 90, Decimal("5.9")),  # 1 + 0.1 * 49
        # Bounds of the percentage: 0 is the minimum, 100 the maximum.
        ([3, 5, 8], 0, Decimal("3")),
        ([3, 5, 8], 100, Decimal("8")),
        # Negative values (an end before its start) are kept, not clamped.
        ([-3, -1], 50, Decimal("-2")),
        ([-3, 0], 50, Decimal("-1.5")),
        # Hundredths for other percentages.
        ([0, 1], 33, Decimal("0.33")),
    ],
)
def test_percentile_linear_interpolation(
    values: list[int], percent: int, expected: Decimal | None
) -> None:
    result = percentile(values, percent)
    from_counts = percentile_from_counts(histogram(values), percent)

    assert (result, from_counts) == (expected, expected)


@pytest.mark.parametrize("percent", [-1, 101, True, 50.0])
def test_percentile_refuses_percent_outside_0_to_100(percent: object) -> None:
    with pytest.raises(ValueError, match="percent"):
        percentile([1, 2], percent)  # type: ignore[arg-type]


def test_percentile_from_counts_ignores_zero_counts() -> None:
    assert percentile_from_counts({1: 2, 7: 0, 3: 2}, 50) == Decimal("2")


def test_percentile_from_counts_refuses_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        percentile_from_counts({1: 2, 3: -1}, 50)


def test_summarise_counts_finished_and_keeps_in_progress_apart() -> None:
    summary = summarise({1: 1, 2: 1, 3: 1, 4: 1}, in_progress=5)

    assert summary == Summary(completed=4, median=Decimal("2.5"), p90=Decimal("3.7"), in_progress=5)


def test_summarise_empty_histogram_has_no_figures() -> None:
    assert summarise({}, in_progress=2) == Summary(0, None, None, 2)


@given(st.lists(st.integers(min_value=-50, max_value=400), min_size=2, max_size=200))
def test_percentile_matches_statistics_inclusive_method(values: list[int]) -> None:
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=10, method="inclusive")

    assert float(percentile(ordered, 50) or 0) == pytest.approx(statistics.median(ordered))
    assert float(percentile(ordered, 90) or 0) == pytest.approx(cuts[8])


@given(
    st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=300),
    st.integers(min_value=0, max_value=100),
)
def test_percentile_from_histogram_equals_from_list(values: list[int], percent: int) -> None:
    ordered = sorted(values)

    result = percentile_from_counts(histogram(values), percent)

    assert result == percentile(ordered, percent)
    assert result is not None
    assert ordered[0] <= result <= ordered[-1]
    # Exact to hundredths: never a binary fraction.
    assert result == result.quantize(Decimal("0.01"))


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=300))
def test_median_never_exceeds_p90(values: list[int]) -> None:
    summary = summarise(histogram(values))

    assert summary.median is not None
    assert summary.p90 is not None
    assert summary.median <= summary.p90
