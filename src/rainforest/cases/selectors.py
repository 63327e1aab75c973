"""Reading cases: what a person may see, SLA states as queries, my tasks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from rainforest.accounts.permissions import org_ids
from rainforest.accounts.roles import STAFF_ROLES
from rainforest.cases import registry
from rainforest.cases.calendar import get_calendar
from rainforest.cases.models import Case, CaseStatus
from rainforest.cases.permissions import can_view_case, visibility, visible_cases_q
from rainforest.compiled import Constant, cached_values


class Sla(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    PAUSED = "paused"
    CLOSED = "closed"


# "Due soon" (临期) means due within 2 working days counting today: the due date falls
# today or on the next working day. Counting today keeps the three states apart even for
# a 2-working-day stage, which is on time on the day it is filed and due soon after.
DUE_SOON_WORKDAYS = 1


def due_soon_limit(now: datetime) -> datetime:
    return get_calendar().end_of_workday_after(now, DUE_SOON_WORKDAYS).value


def sla_q(state: Sla, now: datetime) -> Q:
    # Stated literally so that the partial index ``case_running_due_idx`` serves the
    # prepared statement's generic plan on PostgreSQL (``rainforest.compiled``).
    running = Q(status=Constant(CaseStatus.OPEN.value), paused_at__isnull=True)
    if state is Sla.OVERDUE:
        return running & Q(due_at__lt=now)
    if state is Sla.DUE_SOON:
        return running & Q(due_at__gte=now, due_at__lte=due_soon_limit(now))
    if state is Sla.ON_TIME:
        return running & (Q(due_at__isnull=True) | Q(due_at__gt=due_soon_limit(now)))
    if state is Sla.PAUSED:
        return Q(status=CaseStatus.OPEN, paused_at__isnull=False)
    return Q(status=CaseStatus.CLOSED)


def sla_state(
    status: str,
    paused_at: datetime | None,
    due_at: datetime | None,
    now: datetime,
    soon_limit: datetime,
) -> Sla:
    """The SLA state from a case's columns; ``sla_q`` is the same rule as a query."""
    if status == CaseStatus.CLOSED:
        return Sla.CLOSED
    if paused_at is not None:
        return Sla.PAUSED
    if due_at is None:
        return Sla.ON_TIME
    if due_at < now:
        return Sla.OVERDUE
    if due_at <= soon_limit:
        return Sla.DUE_SOON
    return Sla.ON_TIME


def sla_of(case: Case, now: datetime, soon_limit: datetime | None = None) -> Sla:
    return sla_state(
        case.status, case.paused_at, case.due_at, now, soon_limit or due_soon_limit(now)
    )


def visible_cases(user: Any) -> QuerySet[Case]:
    """Cases this person may see (the rule is in ``cases.permissions``)."""
    qs = Case.objects.select_related("owner_org")
    condition = visible_cases_q(user)
    if condition is None:
        return qs.none()
    return qs.filter(condition)


def case_list(
    user: Any,
    *,
    sla: Sla | None = None,
    process: str | None = None,
    stage: str | None = None,
    query: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Case]:
    now = now or timezone.now()
    qs = visible_cases(user)
    if sla is not None:
        qs = qs.filter(sla_q(sla, now))
    if process:
        qs = qs.filter(process_code=process)
    if stage:
        qs = qs.filter(stage=stage)
    if query:
        qs = qs.filter(Q(number__icontains=query) | Q(title__icontains=query))
    if sla in (Sla.OVERDUE, Sla.DUE_SOON, Sla.ON_TIME):
        return qs.order_by("due_at", "id")
    return qs.order_by("-created_at", "-id")


def case_list_rows(
    user: Any,
    columns: Sequence[str],
    *,
    start: int,
    stop: int,
    sla: Sla | None = None,
    process: str | None = None,
    stage: str | None = None,
    query: str | None = None,
    now: datetime | None = None,
    soon: datetime | None = None,
) -> list[dict[str, Any]]:
    """One page of ``case_list`` as rows of ``columns``, the API's hot path.

    Without a text query the page's SQL is compiled once per shape (who may see what,
    the filters, the page) and run again with the clock as its only fresh parameters.
    ``soon`` is ``due_soon_limit(now)`` when the caller already has it.
    """
    now = now or timezone.now()

    def build() -> QuerySet[Case]:
        qs = case_list(user, sla=sla, process=process, stage=stage, query=query, now=now)
        return qs.values(*columns)[start:stop]  # type: ignore[return-value]

    if query:
        return list(build())  # type: ignore[arg-type]
    key = ("case_list", tuple(columns), visibility(user), sla, process, stage, start, stop)
    return cached_values(key, build, varying=(now, soon or due_soon_limit(now)))


def access_case(user: Any, case_id: int | str) -> Case:
    """The one way to load a protected case; a stranger cannot tell it exists."""
    try:
        lookup = (
            {"number": case_id}
            if isinstance(case_id, str) and "-" in case_id
            else {"pk": int(case_id)}
        )
        case = Case.objects.select_related("owner_org", "created_by").get(**lookup)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_view_case(user, case):
        raise Http404
    return case


def my_tasks(user: Any, now: datetime | None = None) -> list[Case]:
    """Open cases waiting on this person, overdue first, then by due date."""
    now = now or timezone.now()
    roles = user.role_set()
    staff = roles & STAFF_ROLES
    stage_filters = Q()
    any_stage = False
    for defn in registry.all_definitions():
        for stage in defn.stages:
            acting = {r for t in defn.transitions_from(stage.code) for r in t.roles}
            if acting & staff:
                stage_filters |= Q(process_code=defn.code, stage=stage.code)
                any_stage = True
            elif acting & (roles - STAFF_ROLES):
                stage_filters |= Q(
                    process_code=defn.code, stage=stage.code, owner_org_id__in=list(org_ids(user))
                )
                any_stage = True
    if not any_stage:
        return []
    qs = (
        Case.objects.select_related("owner_org")
        .filter(status=CaseStatus.OPEN)
        .filter(stage_filters)
    )
    cases = list(qs.order_by("due_at", "id")[:200])
    # Cases without a due date (no clock) go last.
    cases.sort(key=lambda c: (c.due_at is None, c.due_at or now, c.id))
    return cases
