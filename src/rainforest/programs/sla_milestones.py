"""Milestone-report reminders (节点报告到期提醒): due soon and overdue, each sent once.

``classify_milestone`` decides with the working-day calendar (the reminder period is a
number of working days before the due date, a parameter). A reminder is claimed by
inserting its (report, kind) row under a unique constraint, so two workers ticking at the
same moment never send it twice; the loser's insert fails and it moves on.

``milestone_reminders_tick`` is meant to run from ``rainforest sla tick`` beside the case
engine's own reminders; it changes nothing for other processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.accounts.roles import Role
from rainforest.audit.services import audit_append
from rainforest.cases.calendar import get_calendar
from rainforest.cases.services import notify
from rainforest.programs import domain_execution as dx
from rainforest.programs.models import (
    MilestoneReminder,
    MilestoneReminderKind,
    MilestoneReport,
    MilestoneReportStatus,
    ProjectStatus,
)
from rainforest.programs.services.common import end_of_day


@dataclass(frozen=True)
class MilestoneTickReport:
    due_soon_sent: int
    overdue_sent: int

    def __str__(self) -> str:
        return (
            f"项目里程碑 / milestone reports: 临期提醒 {self.due_soon_sent} 件 / due soon"
            f" {self.due_soon_sent}; 超期提醒 {self.overdue_sent} 件 / overdue {self.overdue_sent}"
        )


def _message(report: MilestoneReport, kind: str) -> tuple[str, str, str, str]:
    """(title, body) in Chinese, then in English."""
    number = report.project.number
    title = report.milestone.title
    project = report.project.title
    due = report.due_date.isoformat()
    if kind == MilestoneReminderKind.OVERDUE:
        return (
            f"{number} 节点报告已逾期：{title}",
            f"项目「{project}」的节点「{title}」报告应于 {due} 前提交，已逾期，请尽快提交。",
            f"{number}: milestone report overdue: {title}",
            f"The report on milestone “{title}” of project “{project}” was due by {due}. "
            "Please submit it now.",
        )
    return (
        f"{number} 节点报告即将到期：{title}",
        f"项目「{project}」的节点「{title}」报告应于 {due} 前提交，请及时提交。",
        f"{number}: milestone report due soon: {title}",
        f"The report on milestone “{title}” of project “{project}” is due by {due}.",
    )


def _remind(report: MilestoneReport, kind: str, decision: dict[str, object], now: datetime) -> bool:
    try:
        with transaction.atomic():
            MilestoneReminder.objects.create(
                report=report, kind=kind, sent_at=now, decision=decision
            )
            if kind == MilestoneReminderKind.DUE_SOON:
                MilestoneReport.objects.filter(pk=report.pk).update(reminded_at=now)
            title, body, title_en, body_en = _message(report, kind)
            recipients = list(
                User.objects.filter(
                    memberships__organisation_id=report.project.lead_org_id,
                    memberships__role=Role.APPLICANT,
                    is_active=True,
                )
                .distinct()
                .order_by("id")
            )
            for user in recipients:
                notify(
                    user=user,
                    case=report.project.application.case,
                    kind=f"milestone_{kind}",
                    title=title,
                    body=body,
                    title_en=title_en,
                    body_en=body_en,
                )
            audit_append(
                actor=None,
                action=f"programs.milestone_{kind}",
                subject_type="milestone_report",
                subject_id=report.pk,
                data={"due_date": report.due_date, "recipients": [u.pk for u in recipients]},
            )
    except IntegrityError:
        return False  # another worker sent it first
    return True


def milestone_reminders_tick(*, now: datetime | None = None) -> MilestoneTickReport:
    """Remind undertakers of milestone reports due soon or overdue, once each kind."""
    now = now or timezone.now()
    params = dx.execution_parameters(timezone.localdate(now))
    calendar = get_calendar()
    horizon = calendar.end_of_workday_after(now, params.integer("reminder_workdays")).value
    # Only reports due by the end of the reminder period can need a reminder.
    candidates = (
        MilestoneReport.objects.filter(
            project__status=ProjectStatus.EXECUTING,
            status__in=[MilestoneReportStatus.DUE, MilestoneReportStatus.RETURNED],
            due_date__lte=timezone.localdate(horizon) + timedelta(days=1),
        )
        .select_related("project", "project__application__case", "milestone")
        .prefetch_related("reminders")
        .order_by("due_date", "id")
    )
    sent = {MilestoneReminderKind.DUE_SOON: 0, MilestoneReminderKind.OVERDUE: 0}
    for report in candidates:
        state = "rejected" if report.status == MilestoneReportStatus.RETURNED else "none"
        reminder = dx.classify_milestone(
            dx.MilestoneDue(
                code=str(report.pk),
                title=report.milestone.title,
                due_at=end_of_day(report.due_date),
                report=state,  # type: ignore[arg-type]  # one of the two literals above
            ),
            now=now,
            calendar=calendar,
            params=params,
        )
        if reminder.status not in (MilestoneReminderKind.DUE_SOON, MilestoneReminderKind.OVERDUE):
            continue
        kind = MilestoneReminderKind(reminder.status)
        if any(r.kind == kind for r in report.reminders.all()):
            continue
        if _remind(report, kind, reminder.decision.to_dict(), now):
            sent[kind] += 1
    return MilestoneTickReport(
        due_soon_sent=sent[MilestoneReminderKind.DUE_SOON],
        overdue_sent=sent[MilestoneReminderKind.OVERDUE],
    )
