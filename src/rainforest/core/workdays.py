"""The working-day calendar (工作日).

Public holidays and adjusted working days (调休上班) come from the ``chinesecalendar``
package for the years it knows; an administrator adds a later year as a
:class:`YearCalendar`. A date in a year nobody has described counts Monday to Friday
only, and every answer that looked at such a date says so (``provisional``).

Time limits follow the administrative rule that the day a period starts is not counted:
"n working days after" a moment is the n-th working day strictly after its local date.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

import chinese_calendar

from rainforest.core.errors import ValidationError

__all__ = [
    "DEFAULT_TZ",
    "WorkCalendar",
    "WorkdayAnswer",
    "YearCalendar",
    "package_years",
]

T = TypeVar("T")

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59, 999999)


@dataclass(frozen=True)
class YearCalendar:
    """One year's official arrangement: days off and weekend days worked (调休上班)."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValidationError(
                f"年份 {self.year} 不在有效范围内。",
                f"Year {self.year} is out of range.",
                field="year",
                code="year_out_of_range",
            )
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        for name, days in (("holidays", self.holidays), ("workdays", self.workdays)):
            stray = sorted(d for d in days if d.year != self.year)
            if stray:
                raise ValidationError(
                    f"{stray[0].isoformat()} 不属于 {self.year} 年。",
                    f"{stray[0].isoformat()} is not in {self.year}.",
                    field=name,
                    code="date_outside_year",
                )
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValidationError(
                f"{both[0].isoformat()} 不能既是假日又是调休上班日。",
                f"{both[0].isoformat()} cannot be both a holiday and an adjusted working day.",
                field="workdays",
                code="holiday_and_workday",
            )


@dataclass(frozen=True)
class WorkdayAnswer(Generic[T]):
    """A calendar answer, and whether it rests on weekends-only counting for some year."""

    value: T
    provisional: bool = False
    unknown_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Year:
    """Precomputed data for one year: sorted ordinals of its working days."""

    year: int
    known: bool
    ordinals: tuple[int, ...]
    holidays: frozenset[date]
    workdays: frozenset[date]


@cache
def _package_index() -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    holidays: dict[int, set[date]] = {}
    workdays: dict[int, set[date]] = {}
    for d in chinese_calendar.holidays:
        holidays.setdefault(d.year, set()).add(d)
    for d in chinese_calendar.workdays:
        workdays.setdefault(d.year, set()).add(d)
    if not holidays:  # pragma: no cover - the package always carries data
        return {}
    first, last = min(holidays), max(holidays)
    return {
        y: (frozenset(holidays.get(y, ())), frozenset(workdays.get(y, ())))
        for y in range(first, last + 1)
    }


@cache
def _holiday_names_zh() -> dict[str, str]:
    return {h.value: str(h.chinese) for h in chinese_calendar.Holiday}


def package_years() -> tuple[int, ...]:
    """The years the installed ``chinesecalendar`` package describes."""
    return tuple(sorted(_package_index()))


def _is_weekday(d: date) -> bool:
    return d.weekday() < 5


class WorkCalendar:
    """Working days from ``chinesecalendar`` plus years added by an administrator.

    ``extra_years`` overrides the package for a year both describe. Per-year tables are
    built on first use and kept, so adding up to a few hundred days is a few bisects.
    """

    def __init__(
        self,
        extra_years: Mapping[int, YearCalendar] | None = None,
        tz: ZoneInfo = DEFAULT_TZ,
    ) -> None:
        extra = dict(extra_years or {})
        for key, cal in extra.items():
            if key != cal.year:
                raise ValueError(f"extra_years[{key}] holds the calendar of {cal.year}")
        self._extra: dict[int, YearCalendar] = extra
        self.tz = tz
        self._years: dict[int, _Year] = {}

    # -- data ------------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        holidays: frozenset[date]
        workdays: frozenset[date]
        if year in self._extra:
            cal = self._extra[year]
            known, holidays, workdays = True, cal.holidays, cal.workdays
        elif year in _package_index():
            known = True
            holidays, workdays = _package_index()[year]
        else:
            known, holidays, workdays = False, frozenset(), frozenset()
        start = date(year, 1, 1).toordinal()
        end = date(year, 12, 31).toordinal()
        ordinals = tuple(
            o
            for o in range(start, end + 1)
            if self._day_works(date.fromordinal(o), holidays, workdays)
        )
        built = _Year(year, known, ordinals, holidays, workdays)
        self._years[year] = built
        return built

    @staticmethod
    def _day_works(d: date, holidays: frozenset[date], workdays: frozenset[date]) -> bool:
        if d in workdays:
            return True
        return _is_weekday(d) and d not in holidays

    def known_years(self) -> tuple[int, ...]:
        return tuple(sorted(set(_package_index()) | set(self._extra)))

    def is_known(self, d: date) -> bool:
        return d.year in self._extra or d.year in _package_index()

    def is_workday(self, d: date) -> bool:
        y = self._year(d.year)
        return self._day_works(d, y.holidays, y.workdays)

    def holidays_in(self, year: int) -> list[tuple[date, str | None]]:
        """Days off of ``year`` with the holiday's Chinese name where the package has one."""
        if year in self._extra:
            return [(d, None) for d in sorted(self._extra[year].holidays)]
        if year not in _package_index():
            return []
        names = _holiday_names_zh()
        result: list[tuple[date, str | None]] = []
        for d in sorted(_package_index()[year][0]):
            raw = chinese_calendar.holidays.get(d)
            result.append((d, names.get(raw, raw) if raw else None))
        return result

    def adjusted_workdays_in(self, year: int) -> list[date]:
        """Weekend days worked in ``year`` (调休上班)."""
        return sorted(self._year(year).workdays)

    # -- arithmetic ------------------------------------------------------------------

    def _local_date(self, moment: datetime, name: str) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got naive {moment.isoformat()}")
        return moment.astimezone(self.tz)

    def _unknown_years(self, years: Iterable[int]) -> tuple[int, ...]:
        return tuple(y for y in years if not self._year(y).known)

    def _nth_workday_after(self, start: date, n: int) -> date:
        """The n-th working day strictly after ``start`` (n >= 1)."""
        year = start.year
        data = self._year(year)
        idx = bisect.bisect_right(data.ordinals, start.toordinal())
        remaining = n
        while True:
            available = len(data.ordinals) - idx
            if remaining <= available:
                return date.fromordinal(data.ordinals[idx + remaining - 1])
            remaining -= available
            year += 1
            if year > 9999:
                raise ValueError(f"{n} working days after {start.isoformat()} is past year 9999")
            data = self._year(year)
            idx = 0

    def _count(self, low: date, high: date) -> int:
        """Working days d with low < d <= high (low <= high)."""
        total = 0
        lo, hi = low.toordinal(), high.toordinal()
        for year in range(low.year, high.year + 1):
            ords = self._year(year).ordinals
            total += bisect.bisect_right(ords, hi) - bisect.bisect_right(ords, lo)
        return total

    def _workday_date_after(
        self, start: datetime, n: int
    ) -> tuple[datetime, date, tuple[int, ...]]:
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        local = self._local_date(start, "start")
        if n == 0:
            return local, local.date(), ()
        target = self._nth_workday_after(local.date(), n)
        first = local.date() + timedelta(days=1)
        return local, target, self._unknown_years(range(first.year, target.year + 1))

    def add_workdays(self, start: datetime, n: int) -> WorkdayAnswer[datetime]:
        """The same local time on the n-th working day after ``start``'s local date."""
        local, target, unknown = self._workday_date_after(start, n)
        if n == 0:
            return WorkdayAnswer(local)
        result = datetime.combine(target, local.time(), tzinfo=self.tz).replace(fold=local.fold)
        return WorkdayAnswer(result, bool(unknown), unknown)

    def end_of_workday_after(self, start: datetime, n: int) -> WorkdayAnswer[datetime]:
        """23:59:59.999999 local time of the n-th working day after ``start`` (n=0: its day)."""
        _, target, unknown = self._workday_date_after(start, n)
        return WorkdayAnswer(
            datetime.combine(target, END_OF_DAY, tzinfo=self.tz), bool(unknown), unknown
        )

    def workdays_between(self, start: datetime, end: datetime) -> WorkdayAnswer[int]:
        """Working days d with start's local date < d <= end's; negated when end is earlier."""
        a = self._local_date(start, "start").date()
        b = self._local_date(end, "end").date()
        if a == b:
            return WorkdayAnswer(0)
        low, high, sign = (a, b, 1) if a < b else (b, a, -1)
        count = self._count(low, high)
        first = low + timedelta(days=1)
        unknown = self._unknown_years(range(first.year, high.year + 1))
        return WorkdayAnswer(sign * count, bool(unknown), unknown)
