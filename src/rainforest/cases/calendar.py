"""The working-day calendar as the platform uses it: the package's data plus admin-added years."""

from __future__ import annotations

from datetime import date

from rainforest.cases.models import CalendarYear
from rainforest.core.workdays import WorkCalendar, YearCalendar

_cache: tuple[object, WorkCalendar] | None = None


def get_calendar() -> WorkCalendar:
    """The calendar with every year an administrator entered; rebuilt when one is added."""
    global _cache
    rows = list(CalendarYear.objects.values_list("id", "year", "holidays", "workdays"))
    # The rows themselves are the cache key, so an edited year is seen at once.
    stamp = repr(rows)
    if _cache is not None and _cache[0] == stamp:
        return _cache[1]
    extra = {
        year: YearCalendar(
            year=year,
            holidays=frozenset(date.fromisoformat(d) for d in holidays),
            workdays=frozenset(date.fromisoformat(d) for d in workdays),
        )
        for _, year, holidays, workdays in rows
    }
    calendar = WorkCalendar(extra_years=extra)
    _cache = (stamp, calendar)
    return calendar
