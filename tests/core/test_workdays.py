"""Working-day calendar: real 2026 data from chinesecalendar 1.11, years added by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.workdays import WorkCalendar, WorkdayAnswer, YearCalendar, package_years

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 30) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def cal_2027() -> YearCalendar:
    # Invented for the test: New Year's Day off, one Saturday worked.
    return YearCalendar(
        year=2027,
        holidays=frozenset({date(2027, 1, 1)}),
        workdays=frozenset({date(2027, 1, 9)}),
    )


# -- the package's data ---------------------------------------------------------------


def test_package_years_range_is_2004_to_2026() -> None:
    assert package_years() == tuple(range(2004, 2027))


def test_known_years_without_extra_equals_package() -> None:
    assert CAL.known_years() == tuple(range(2004, 2027))


def test_known_years_with_extra_includes_2027() -> None:
    assert WorkCalendar({2027: cal_2027()}).known_years() == tuple(range(2004, 2028))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2003, 12, 31), False),
        (date(2004, 1, 1), True),
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), False),
    ],
)
def test_is_known_boundary_years(day: date, expected: bool) -> None:
    assert CAL.is_known(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # National Day 2026: Oct 1-7 off; Sun Sep 20 and Sat Oct 10 worked.
        (date(2026, 9, 19), False),  # Saturday
        (date(2026, 9, 20), True),  # Sunday, adjusted working day
        (date(2026, 9, 24), True),  # Thursday before Mid-autumn
        (date(2026, 9, 25), False),  # Mid-autumn (Friday)
        (date(2026, 9, 28), True),
        (date(2026, 9, 30), True),  # day before the block
        (date(2026, 10, 1), False),
        (date(2026, 10, 5), False),  # Monday inside the block
        (date(2026, 10, 7), False),  # last day of the block
        (date(2026, 10, 8), True),  # day after the block
        (date(2026, 10, 9), True),
        (date(2026, 10, 10), True),  # Saturday, adjusted working day
        (date(2026, 10, 11), False),  # Sunday
        # Spring Festival 2026: Feb 15-23 off; Sat Feb 14 and Sat Feb 28 worked.
        (date(2026, 2, 13), True),
        (date(2026, 2, 14), True),
        (date(2026, 2, 15), False),
        (date(2026, 2, 23), False),  # Monday, last day off
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),
        (date(2026, 3, 1), False),
        # New Year 2026: Jan 1-3 off, Sun Jan 4 worked.
        (date(2025, 12, 31), True),
        (date(2026, 1, 2), False),
        (date(2026, 1, 4), True),
    ],
)
def test_is_workday_2026_official_arrangement(day: date, expected: bool) -> None:
    assert CAL.is_workday(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 1, 1), True),  # Friday: unknown year counts weekdays only
        (date(2027, 1, 2), False),  # Saturday
        (date(2027, 1, 3), False),  # Sunday
        (date(2027, 1, 4), True),
        (date(2003, 12, 31), True),
    ],
)
def test_is_workday_unknown_year_weekends_only(day: date, expected: bool) -> None:
    assert CAL.is_workday(day) == expected


def test_holidays_in_2026_names_national_day_in_chinese() -> None:
    days = dict(CAL.holidays_in(2026))
    assert [d for d in days if d.month == 10] == [date(2026, 10, i) for i in range(1, 8)]
    assert days[date(2026, 10, 1)] == "国庆节"
    assert days[date(2026, 2, 15)] == "春节"
    assert len(days) == 33


def test_adjusted_workdays_in_2026_lists_six_weekend_days() -> None:
    assert CAL.adjusted_workdays_in(2026) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_holidays_in_unknown_year_is_empty() -> None:
    assert (CAL.holidays_in(2027), CAL.adjusted_workdays_in(2027)) == ([], [])


def test_holidays_in_extra_year_has_no_names() -> None:
    cal = WorkCalendar({2027: cal_2027()})
    assert (cal.holidays_in(2027), cal.adjusted_workdays_in(2027)) == (
        [(date(2027, 1, 1), None)],
        [date(2027, 1, 9)],
    )


# -- add_workdays ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # National Day 2026
        (date(2026, 9, 29), 1, date(2026, 9, 30)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # Wednesday before the block
        (date(2026, 9, 30), 2, date(2026, 10, 9)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # adjusted Saturday counts
        (date(2026, 9, 30), 4, date(2026, 10, 12)),
        (date(2026, 10, 1), 1, date(2026, 10, 8)),  # starting on a holiday
        (date(2026, 10, 7), 1, date(2026, 10, 8)),  # last holiday
        (date(2026, 10, 8), 1, date(2026, 10, 9)),
        (date(2026, 10, 9), 1, date(2026, 10, 10)),  # Friday + 1 = Saturday (调休)
        (date(2026, 10, 10), 1, date(2026, 10, 12)),  # from the adjusted workday
        (date(2026, 10, 11), 1, date(2026, 10, 12)),
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Friday + 1 = Sunday (调休)
        (date(2026, 9, 24), 1, date(2026, 9, 28)),  # over Mid-autumn
        # Spring Festival 2026
        (date(2026, 2, 12), 1, date(2026, 2, 13)),
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Friday + 1 = Saturday (调休)
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # over the whole block
        (date(2026, 2, 15), 1, date(2026, 2, 24)),  # starting on a holiday
        (date(2026, 2, 23), 1, date(2026, 2, 24)),
        (date(2026, 2, 24), 1, date(2026, 2, 25)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 27), 1, date(2026, 2, 28)),
        # longer spans
        (date(2026, 9, 30), 10, date(2026, 10, 20)),
        (date(2026, 1, 1), 60, date(2026, 4, 1)),
    ],
)
def test_add_workdays_2026(start: date, n: int, expected: date) -> None:
    s = at(start.year, start.month, start.day)
    assert CAL.add_workdays(s, n) == WorkdayAnswer(at(expected.year, expected.month, expected.day))


def test_add_workdays_zero_returns_start() -> None:
    s = at(2026, 10, 3)
    assert CAL.add_workdays(s, 0) == WorkdayAnswer(s, False, ())


def test_add_workdays_zero_in_unknown_year_is_not_provisional() -> None:
    s = at(2027, 6, 1)
    assert CAL.add_workdays(s, 0) == WorkdayAnswer(s, False, ())


@pytest.mark.parametrize("n", [-1, -60])
def test_add_workdays_negative_n_raises(n: int) -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        CAL.add_workdays(at(2026, 5, 6), n)


@pytest.mark.parametrize(
    "method", ["add_workdays", "end_of_workday_after"], ids=["add", "end_of_day"]
)
def test_workday_methods_naive_datetime_raises(method: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        getattr(CAL, method)(datetime(2026, 5, 6, 9, 0), 1)


@pytest.mark.parametrize(
    ("start", "end"),
    [(datetime(2026, 5, 6), at(2026, 5, 7)), (at(2026, 5, 6), datetime(2026, 5, 7))],
    ids=["naive_start", "naive_end"],
)
def test_workdays_between_naive_datetime_raises(start: datetime, end: datetime) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.workdays_between(start, end)


@pytest.mark.parametrize(
    "clock",
    [time(0, 0), time(9, 30, 15, 123456), time(23, 59, 59, 999999)],
)
def test_add_workdays_time_of_day_preserved(clock: time) -> None:
    start = datetime.combine(date(2026, 9, 30), clock, tzinfo=SH)
    result = CAL.add_workdays(start, 1).value
    assert (result.date(), result.timetz()) == (date(2026, 10, 8), clock.replace(tzinfo=SH))


def test_add_workdays_utc_input_uses_shanghai_local_date() -> None:
    # 2026-09-30T17:00Z is Oct 1 01:00 in Shanghai: a holiday, so +1 is Oct 8 01:00.
    start = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert CAL.add_workdays(start, 1).value == datetime(2026, 10, 8, 1, 0, tzinfo=SH)


def test_add_workdays_result_is_in_calendar_timezone() -> None:
    start = datetime(2026, 9, 30, 1, 0, tzinfo=UTC)
    assert CAL.add_workdays(start, 1).value.tzinfo == SH


def test_end_of_workday_after_utc_input_next_day_locally() -> None:
    start = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    answer = CAL.end_of_workday_after(start, 1)
    assert answer == WorkdayAnswer(datetime(2026, 10, 8, 23, 59, 59, 999999, tzinfo=SH))
    assert answer.value.tzinfo == SH


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC), date(2026, 10, 8)),  # Sep 30 23:59
        (datetime(2026, 9, 30, 16, 0, 0, tzinfo=UTC), date(2026, 10, 8)),  # Oct 1 00:00
        (datetime(2026, 10, 8, 15, 59, 59, tzinfo=UTC), date(2026, 10, 9)),  # Oct 8 23:59
        (datetime(2026, 10, 8, 16, 0, 0, tzinfo=UTC), date(2026, 10, 10)),  # Oct 9 00:00
    ],
)
def test_end_of_workday_after_local_midnight_boundary(start: datetime, expected: date) -> None:
    end = datetime.combine(expected, time(23, 59, 59, 999999), tzinfo=SH)
    assert CAL.end_of_workday_after(start, 1).value == end


def test_end_of_workday_after_zero_is_end_of_start_day() -> None:
    assert CAL.end_of_workday_after(at(2026, 10, 3), 0).value == datetime(
        2026, 10, 3, 23, 59, 59, 999999, tzinfo=SH
    )


# -- workdays_between -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 9, 30), date(2026, 9, 30), 0),
        (date(2026, 9, 30), date(2026, 10, 1), 0),
        (date(2026, 9, 30), date(2026, 10, 7), 0),
        (date(2026, 9, 30), date(2026, 10, 8), 1),
        (date(2026, 9, 30), date(2026, 10, 10), 3),
        (date(2026, 9, 29), date(2026, 9, 30), 1),
        (date(2026, 10, 9), date(2026, 10, 10), 1),
        (date(2026, 10, 10), date(2026, 10, 11), 0),
        (date(2026, 2, 13), date(2026, 2, 14), 1),
        (date(2026, 2, 14), date(2026, 2, 23), 0),
        (date(2026, 2, 14), date(2026, 2, 24), 1),
        (date(2026, 10, 8), date(2026, 9, 30), -1),
        (date(2026, 2, 24), date(2026, 2, 13), -2),
        (date(2026, 1, 1), date(2026, 12, 31), 248),  # = len(get_workdays(...))
        (date(2025, 12, 31), date(2026, 1, 5), 2),
    ],
)
def test_workdays_between_2026(start: date, end: date, expected: int) -> None:
    s = at(start.year, start.month, start.day, 18)
    e = at(end.year, end.month, end.day, 8)
    assert CAL.workdays_between(s, e) == WorkdayAnswer(expected)


def test_workdays_between_utc_inputs_use_local_dates() -> None:
    # Sep 30 23:00 Shanghai and Oct 8 00:30 Shanghai, given in UTC.
    s = datetime(2026, 9, 30, 15, 0, tzinfo=UTC)
    e = datetime(2026, 10, 7, 16, 30, tzinfo=UTC)
    assert CAL.workdays_between(s, e).value == 1


# -- unknown years and years added by an administrator --------------------------------


def test_add_workdays_2027_before_entered_is_provisional_weekends_only() -> None:
    # Thursday Dec 31 2026 + 1: Friday Jan 1 2027 counts, weekends only.
    answer = CAL.add_workdays(at(2026, 12, 31), 1)
    assert answer == WorkdayAnswer(at(2027, 1, 1), True, (2027,))


def test_add_workdays_2027_after_entered_respects_holiday() -> None:
    cal = WorkCalendar({2027: cal_2027()})
    assert cal.add_workdays(at(2026, 12, 31), 1) == WorkdayAnswer(at(2027, 1, 4), False, ())


def test_add_workdays_2027_adjusted_saturday_counts() -> None:
    cal = WorkCalendar({2027: cal_2027()})
    assert cal.add_workdays(at(2027, 1, 8), 1).value == at(2027, 1, 9)


@pytest.mark.parametrize(
    ("start", "end", "value", "unknown"),
    [
        (date(2026, 12, 30), date(2027, 1, 4), 3, (2027,)),  # spans 2026 -> 2027
        (date(2027, 1, 4), date(2026, 12, 30), -3, (2027,)),  # same, reversed
        (date(2027, 1, 1), date(2027, 1, 8), 5, (2027,)),
        (date(2026, 12, 30), date(2026, 12, 31), 1, ()),  # stays in 2026
        (date(2026, 12, 31), date(2027, 1, 1), 1, (2027,)),
        (date(2026, 12, 31), date(2028, 1, 3), 262, (2027, 2028)),
        (date(2003, 12, 30), date(2004, 1, 2), 2, (2003,)),
        (date(2003, 12, 31), date(2004, 1, 2), 1, ()),  # 2003 only as the start day
    ],
)
def test_workdays_between_unknown_years_provisional(
    start: date, end: date, value: int, unknown: tuple[int, ...]
) -> None:
    s = at(start.year, start.month, start.day)
    e = at(end.year, end.month, end.day)
    assert CAL.workdays_between(s, e) == WorkdayAnswer(value, bool(unknown), unknown)


def test_workdays_between_span_after_2027_entered_not_provisional() -> None:
    cal = WorkCalendar({2027: cal_2027()})
    assert cal.workdays_between(at(2026, 12, 30), at(2027, 1, 4)) == WorkdayAnswer(2)


def test_end_of_workday_after_spanning_into_2027_is_provisional() -> None:
    answer = CAL.end_of_workday_after(at(2026, 12, 25), 5)
    assert answer == WorkdayAnswer(
        datetime(2027, 1, 1, 23, 59, 59, 999999, tzinfo=SH), True, (2027,)
    )


def test_extra_year_overrides_package_data() -> None:
    # An administrator's correction for 2026: Oct 8 off too.
    data = dict(CAL.holidays_in(2026))
    fixed = YearCalendar(
        year=2026,
        holidays=frozenset(data) | {date(2026, 10, 8)},
        workdays=frozenset(CAL.adjusted_workdays_in(2026)),
    )
    cal = WorkCalendar({2026: fixed})
    assert (cal.is_workday(date(2026, 10, 8)), cal.add_workdays(at(2026, 9, 30), 1).value) == (
        False,
        at(2026, 10, 9),
    )


def test_work_calendar_mismatched_year_key_raises() -> None:
    with pytest.raises(ValueError, match=r"extra_years\[2028\] holds the calendar of 2027"):
        WorkCalendar({2028: cal_2027()})


@pytest.mark.parametrize(
    ("holidays", "workdays", "field", "code"),
    [
        ({date(2026, 12, 31)}, set(), "holidays", "date_outside_year"),
        (set(), {date(2028, 1, 1)}, "workdays", "date_outside_year"),
        ({date(2027, 1, 9)}, {date(2027, 1, 9)}, "workdays", "holiday_and_workday"),
    ],
)
def test_year_calendar_invalid_dates_raise(
    holidays: set[date], workdays: set[date], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as info:
        YearCalendar(2027, frozenset(holidays), frozenset(workdays))
    assert (info.value.field, info.value.code) == (field, code)


@pytest.mark.parametrize("year", [0, 10000])
def test_year_calendar_year_out_of_range_raises(year: int) -> None:
    with pytest.raises(ValidationError) as info:
        YearCalendar(year, frozenset(), frozenset())
    assert info.value.code == "year_out_of_range"


@pytest.mark.parametrize("year", [1, 9999])
def test_year_calendar_year_in_range_accepted(year: int) -> None:
    assert YearCalendar(year, frozenset(), frozenset()).year == year


def test_add_workdays_past_year_9999_raises() -> None:
    with pytest.raises(ValueError, match="past year 9999"):
        CAL.add_workdays(datetime(9999, 12, 30, tzinfo=SH), 5)


def test_calendar_other_timezone_uses_its_local_dates() -> None:
    utc_cal = WorkCalendar(tz=ZoneInfo("UTC"))
    start = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # still Sep 30 in UTC
    assert utc_cal.add_workdays(start, 1).value == datetime(
        2026, 10, 8, 17, 0, tzinfo=ZoneInfo("UTC")
    )


# -- properties -----------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2004, 1, 1),
    max_value=datetime(2030, 12, 31),
    timezones=st.sampled_from([SH, ZoneInfo("UTC"), ZoneInfo("America/New_York")]),
)


@settings(max_examples=300, deadline=None)
@given(start=moments, n=st.integers(min_value=0, max_value=400))
def test_add_then_between_round_trips(start: datetime, n: int) -> None:
    result = CAL.add_workdays(start, n)
    back = CAL.workdays_between(start, result.value)
    assert (back.value, back.provisional) == (n, result.provisional)


@settings(max_examples=300, deadline=None)
@given(start=moments, n=st.integers(min_value=1, max_value=100))
def test_add_workdays_lands_on_workday_later_with_same_clock(start: datetime, n: int) -> None:
    result = CAL.add_workdays(start, n).value
    local = start.astimezone(SH)
    assert (
        CAL.is_workday(result.date()),
        result.date() > local.date(),
        result.time(),
        result.tzinfo,
    ) == (True, True, local.time(), SH)


@settings(max_examples=300, deadline=None)
@given(start=moments, n=st.integers(min_value=1, max_value=100))
def test_add_workdays_is_first_date_with_n_workdays(start: datetime, n: int) -> None:
    result = CAL.add_workdays(start, n).value
    day_before = result - timedelta(days=1)
    assert CAL.workdays_between(start, day_before).value == n - 1


@settings(max_examples=300, deadline=None)
@given(a=moments, b=moments)
def test_workdays_between_antisymmetric(a: datetime, b: datetime) -> None:
    assert CAL.workdays_between(a, b).value == -CAL.workdays_between(b, a).value


@settings(max_examples=300, deadline=None)
@given(a=moments, b=moments, c=moments)
def test_workdays_between_additive(a: datetime, b: datetime, c: datetime) -> None:
    assert (
        CAL.workdays_between(a, b).value + CAL.workdays_between(b, c).value
        == CAL.workdays_between(a, c).value
    )


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 12, 31)))
def test_is_workday_matches_chinese_calendar(day: date) -> None:
    import chinese_calendar

    assert CAL.is_workday(day) == chinese_calendar.is_workday(day)


@settings(max_examples=200, deadline=None)
@given(start=moments, n=st.integers(min_value=1, max_value=60))
def test_provisional_iff_span_touches_unknown_year(start: datetime, n: int) -> None:
    answer = CAL.add_workdays(start, n)
    first = start.astimezone(SH).date() + timedelta(days=1)
    years = tuple(y for y in range(first.year, answer.value.year + 1) if y > 2026)
    assert (answer.provisional, answer.unknown_years) == (bool(years), years)
