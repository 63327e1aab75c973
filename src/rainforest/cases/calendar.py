"""The working-day calendar as the platform uses it: the package's data plus admin-added years.

Administrators add a year about once a year, and due dates are computed on every
transition and every SLA list, so the calendar is kept in memory for a short while
instead of being read from the database on each call. ``rainforest calendar add``
drops this process's copy at once; other processes pick the new year up within
``CACHE_SECONDS``.
"""

from __future__ import annotations

import time
from datetime import date

from rainforest.cases.models import CalendarYear
from rainforest.core.workdays import WorkCalendar, YearCalendar

CACHE_SECONDS = 30.0

_cache: tuple[float, WorkCalendar] | None = None


def invalidate_calendar() -> None:
    global _cache
    _cache = None


def get_calendar() -> WorkCalendar:
    """The calendar with every year an administrator entered."""
    global _cache
    if _cache is not None and time.monotonic() - _cache[0] < CACHE_SECONDS:
        return _cache[1]
    rows = CalendarYear.objects.values_list("year", "holidays", "workdays")
    extra = {
        year: YearCalendar(
            year=year,
            holidays=frozenset(date.fromisoformat(d) for d in holidays),
            workdays=frozenset(date.fromisoformat(d) for d in workdays),
        )
        for year, holidays, workdays in rows
    }
    calendar = WorkCalendar(extra_years=extra)
    _cache = (time.monotonic(), calendar)
    return calendar
