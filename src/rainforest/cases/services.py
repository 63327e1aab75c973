"""The case engine: the only code that changes a case.

Every change is one transaction that writes the new state, the stamped due date,
a timeline entry, a stage visit and an audit record, or nothing at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from rainforest.accounts.models import Organisation, User
from rainforest.accounts.permissions import case_roles
from rainforest.audit.services import audit_append
from rainforest.cases import registry
from rainforest.cases.actors import stage_actors
from rainforest.cases.calendar import get_calendar
from rainforest.cases.models import (
    Case,
    CaseCounter,
    CaseStatus,
    Notification,
    StageVisit,
    TimelineEntry,
)
from rainforest.core import workflow


def _next_number(process_code: str, now: datetime) -> str:
    prefix = registry.prefix(process_code)
    year = timezone.localtime(now).year
    counter, _ = CaseCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:06d}"


def _apply_effects(
    case: Case,
    effects: tuple[Any, ...],
    now: datetime,
    time_limits: Mapping[str, int] | None = None,
) -> None:
    calendar = get_calendar()
    for effect in effects:
        if isinstance(effect, workflow.StartClock):
            # A module may set a stage's limit per subject (a call's own time limits);
            # the definition's limit is the default.
            limit = (time_limits or {}).get(effect.stage, effect.time_limit_workdays)
            answer = calendar.end_of_workday_after(now, limit)
            case.due_at = answer.value
            case.due_provisional = answer.provisional
            case.due_soon_notified_at = None
            case.overdue_marked_at = None
        elif isinstance(effect, workflow.PauseClock):
            case.paused_at = now
        elif isinstance(effect, workflow.ResumeClock):
            if case.paused_at is not None:
                paused = calendar.workdays_between(case.paused_at, now)
                days = max(paused.value, 0)
                if case.due_at is not None and days:
                    moved = calendar.end_of_workday_after(case.due_at, days)
                    case.due_at = moved.value
                    case.due_provisional = case.due_provisional or moved.provisional
                case.paused_workdays_total += days
                case.due_soon_notified_at = None
                case.overdue_marked_at = None
            case.paused_at = None
        elif isinstance(effect, workflow.CloseCase):
            case.status = CaseStatus.CLOSED
            case.closed_at = now
            case.outcome = effect.stage
            case.due_at = None
            case.paused_at = None


def _enter_stage(case: Case, stage: str, now: datetime) -> None:
    calendar = get_calendar()
    open_visit = case.visits.filter(left_at__isnull=True).first() if case.pk else None
    if open_visit is not None:
        open_visit.left_at = now
        open_visit.workdays_used = calendar.workdays_between(open_visit.entered_at, now).value
        open_visit.save(update_fields=["left_at", "workdays_used"])
    case.stage = stage
    case.stage_entered_at = now
    StageVisit.objects.create(case=case, stage=stage, entered_at=now)


def _notify_next(case: Case, defn: workflow.ProcessDefinition) -> None:
    """Tell the people who act next that the case waits on them."""
    stage = defn.stage(case.stage)
    for user in stage_actors(case, defn):
        notify(
            user=user,
            case=case,
            kind="stage",
            title=f"{case.number} 待办：{stage.name_zh}",
            body=f"办件「{case.title}」已进入「{stage.name_zh}」环节。",
            title_en=f"{case.number} waits on you: {stage.name_en}",
            body_en=f"Case “{case.title}” has reached the stage “{stage.name_en}”.",
        )


def notify(
    *,
    user: User,
    case: Case | None,
    kind: str,
    title: str,
    body: str,
    title_en: str = "",
    body_en: str = "",
) -> Notification:
    """An inbox message now, and an e-mail once the transaction commits.

    ``title``/``body`` are Chinese; give the English too, so that a reader who chose
    English reads it in English. The e-mail carries both.
    """
    note = Notification.objects.create(
        user=user,
        case=case,
        kind=kind,
        title=title,
        body=body,
        title_en=title_en,
        body_en=body_en,
    )
    if user.email:
        subject = f"{title} / {title_en}" if title_en else title
        text = f"{body}\n\n{body_en}" if body_en else body
        transaction.on_commit(
            lambda: send_mail(subject, text, None, [user.email], fail_silently=True)
        )
    return note


def case_open(
    *,
    process_code: str,
    actor: User,
    owner_org: Organisation,
    title: str,
    now: datetime | None = None,
    data: Mapping[str, Any] | None = None,
    time_limits: Mapping[str, int] | None = None,
) -> Case:
    """Start a case in the process's initial stage (one transaction with the caller's).

    ``time_limits`` (stage code -> working days) overrides the definition's limits for
    this case when a clock starts; stages without a limit in the definition get none.
    """
    now = now or timezone.now()
    defn = registry.get(process_code)
    with transaction.atomic():
        case = Case(
            number=_next_number(process_code, now),
            process_code=defn.code,
            process_version=defn.version,
            process_fingerprint=defn.fingerprint(),
            title=title,
            owner_org=owner_org,
            created_by=actor,
            created_at=now,
            stage=defn.initial,
            stage_entered_at=now,
        )
        _state, effects = workflow.start_case(defn)
        _apply_effects(case, effects, now, time_limits)
        case.save()
        StageVisit.objects.create(case=case, stage=case.stage, entered_at=now)
        TimelineEntry.objects.create(
            case=case,
            at=now,
            actor=actor,
            action="open",
            to_stage=case.stage,
            due_at=case.due_at,
            data=dict(data or {}),
        )
        audit_append(
            actor=actor,
            action="case.open",
            subject_type="case",
            subject_id=case.number,
            data={
                "process": f"{defn.code}@{defn.version}",
                "stage": case.stage,
                "owner_org": owner_org.uscc,
                "due_at": case.due_at,
                **(data or {}),
            },
        )
        _notify_next(case, defn)
    return case


def case_transition(
    *,
    case: Case,
    action: str,
    actor: User,
    reason: str = "",
    context: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    decision: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    time_limits: Mapping[str, int] | None = None,
) -> Case:
    """Move a case by ``action``: role, guard, due date, timeline and audit in one transaction.

    ``time_limits`` as for :func:`case_open`.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        defn = registry.get(locked.process_code, locked.process_version)
        roles = case_roles(actor, locked)
        outcome = workflow.transition(
            defn,
            workflow.CaseState(stage=locked.stage, paused_from=locked.paused_from or None),
            action,
            roles=roles,
            context={"case": locked, "actor": actor, **(context or {})},
            reason=reason,
        )
        if isinstance(outcome, workflow.Rejected):
            raise outcome.to_error()
        from_stage = locked.stage
        _enter_stage(locked, outcome.new_state.stage, now)
        locked.paused_from = outcome.new_state.paused_from or ""
        _apply_effects(locked, outcome.effects, now, time_limits)
        if decision is not None:
            locked.decision = dict(decision)
        locked.save()
        TimelineEntry.objects.create(
            case=locked,
            at=now,
            actor=actor,
            action=action,
            from_stage=from_stage,
            to_stage=locked.stage,
            reason=reason,
            due_at=locked.due_at,
            data={**(data or {}), **({"decision": dict(decision)} if decision else {})},
        )
        audit_append(
            actor=actor,
            action=f"case.{action}",
            subject_type="case",
            subject_id=locked.number,
            data={
                "from": from_stage,
                "to": locked.stage,
                "reason": reason,
                "due_at": locked.due_at,
                **(data or {}),
                **({"decision": dict(decision)} if decision else {}),
            },
        )
        _notify_next(locked, defn)
    case.refresh_from_db()
    return locked
