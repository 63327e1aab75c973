"""Small helpers the programme's services share."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.cases.calendar import get_calendar
from rainforest.cases.models import CaseCounter
from rainforest.core.errors import PermissionDeniedError, ValidationError
from rainforest.programs.permissions import can_run_programme


def require_officer(actor: User) -> None:
    if not can_run_programme(actor):
        raise PermissionDeniedError(
            "只有项目处工作人员可以办理此事项",
            "Only programme officers may do this",
            code="forbidden",
        )


def text(value: Any, *, field: str, label_zh: str, label_en: str, limit: int) -> str:
    """A required text, stripped, at most ``limit`` characters."""
    clean = (value or "").strip() if isinstance(value, str) else ""
    if not clean:
        raise ValidationError(
            f"请填写{label_zh}", f"Enter the {label_en}", field=field, code="required"
        )
    if len(clean) > limit:
        raise ValidationError(
            f"{label_zh}不能超过 {limit} 个字",
            f"The {label_en} must be at most {limit} characters",
            field=field,
            code="too_long",
        )
    return clean


def optional_text(value: Any, *, field: str, label_zh: str, label_en: str, limit: int) -> str:
    clean = (value or "").strip() if isinstance(value, str) else ""
    if len(clean) > limit:
        raise ValidationError(
            f"{label_zh}不能超过 {limit} 个字",
            f"The {label_en} must be at most {limit} characters",
            field=field,
            code="too_long",
        )
    return clean


def end_of_day(day: date) -> datetime:
    """23:59:59.999999 of ``day`` in the platform's time zone."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59, 999999)))


def workdays_from(now: datetime, days: int) -> datetime:
    return get_calendar().end_of_workday_after(now, days).value


def next_number(prefix: str, now: datetime) -> int:
    """The next number in a yearly sequence (locked row), e.g. for call numbers."""
    year = timezone.localtime(now).year
    counter, _ = CaseCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return int(counter.last)
