"""Small helpers the programme's services share."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.cases.calendar import get_calendar
from rainforest.cases.models import CaseCounter
from rainforest.core.errors import PermissionDeniedError, ValidationError
from rainforest.core.policy import ParameterSet
from rainforest.programs import domain_modes as dm
from rainforest.programs.permissions import can_run_programme
from rainforest.programs.permissions_execution import can_act_for_org


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


def require_org(actor: User, organisation: Organisation) -> None:
    """Registrations and owner plans are made by the organisation's own applicant."""
    if not can_act_for_org(actor, organisation.pk):
        raise PermissionDeniedError(
            "只有该单位的申报人可以办理此事项",
            "Only an applicant of this organisation may do this",
            field="organisation",
            code="forbidden",
        )


def modes_params(now: datetime) -> ParameterSet:
    """The organisation modes' policy parameters in force on ``now``'s local date."""
    return dm.modes_parameters(timezone.localdate(now))


def positive_amount(amount: Decimal, field: str) -> Decimal:
    if amount <= 0:
        raise ValidationError(
            "金额应大于零", "The amount must be more than zero", field=field, code="amount_invalid"
        )
    return amount
