"""What every review service shares: the clock (passed in or now) and the calendar."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from rainforest.cases.calendar import get_calendar


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def today_of(now: datetime) -> date:
    return timezone.localtime(now).date()


def due_after(now: datetime, workdays: int) -> datetime:
    """The end of the working day ``workdays`` working days after ``now``."""
    return get_calendar().end_of_workday_after(now, workdays).value
