"""The programmes demo's later stages: a closed call with a notice and an objection,
executing projects with milestone reports overdue and due soon; seeded once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from rainforest.audit.models import AuditRecord
from rainforest.programs.demo_decision import DECISION_CALL_TITLE
from rainforest.programs.models import (
    MilestoneReport,
    MilestoneReportStatus,
    Objection,
    ObjectionOutcome,
    PaymentTranche,
    Project,
    ProjectStatus,
    PublicNotice,
)

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Project.objects.count(),
        PublicNotice.objects.count(),
        Objection.objects.count(),
        MilestoneReport.objects.count(),
        PaymentTranche.objects.filter(released_at__isnull=False).count(),
        AuditRecord.objects.count(),
    )


def test_seed_demo_holds_the_later_stages_and_runs_once() -> None:
    call_command("seed_demo", stdout=StringIO())
    first = _counts()
    call_command("seed_demo", stdout=StringIO())

    today = timezone.localdate()
    notice = PublicNotice.objects.get(call__title=DECISION_CALL_TITLE)
    objection = Objection.objects.get(notice=notice)
    executing = Project.objects.filter(
        call__title=DECISION_CALL_TITLE, status=ProjectStatus.EXECUTING
    )
    due = MilestoneReport.objects.filter(project__in=executing, status=MilestoneReportStatus.DUE)
    assert notice.call.closes_at < timezone.now()
    assert notice.published_at < timezone.now()
    assert objection.outcome == ObjectionOutcome.DISMISSED
    assert executing.count() == 2
    assert due.filter(due_date__lt=today).count() == 2
    assert due.filter(due_date__gte=today, due_date__lte=today + timedelta(days=7)).count() == 2
    assert (
        PaymentTranche.objects.filter(project__in=executing, released_at__isnull=False).count() == 1
    )
    assert _counts() == first
