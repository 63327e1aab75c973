"""The programmes demo's later stages: a closed call with a notice and an objection,
executing projects with milestone reports overdue and due soon; seeded once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from rainforest.accounts.models import User
from rainforest.audit.models import AuditRecord
from rainforest.insights.selectors import cycle_times, resolve_filters
from rainforest.programs.demo_decision import DECISION_CALL_TITLE
from rainforest.programs.demo_modes import OWNER_PLAN_TITLE, PORTFOLIO_TITLE
from rainforest.programs.models import (
    Consortium,
    MilestoneReport,
    MilestoneReportStatus,
    Objection,
    ObjectionOutcome,
    OwnerPlan,
    OwnerSubProject,
    PaymentTranche,
    Portfolio,
    Project,
    ProjectStatus,
    PublicNotice,
    StageGate,
    SubProjectStatus,
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
        Consortium.objects.count(),
        OwnerPlan.objects.count(),
        OwnerSubProject.objects.count(),
        Portfolio.objects.count(),
        StageGate.objects.count(),
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


def test_seed_demo_holds_the_organisation_modes() -> None:
    call_command("seed_demo", stdout=StringIO())
    officer = User.objects.get(username="officer")

    filters, _options = resolve_filters(officer, process="programs_application")
    (block,) = cycle_times(officer, filters).processes
    (share,) = block.shares
    portfolio = Portfolio.objects.get(title=PORTFOLIO_TITLE)
    gates = list(portfolio.gates.order_by("requested_at").values_list("passed", "case__stage"))
    running = OwnerPlan.objects.get(title=OWNER_PLAN_TITLE)
    subs = list(running.subprojects.order_by("id").values_list("status", flat=True))
    others = sorted(
        (p.case.stage if p.case else "draft")
        for p in OwnerPlan.objects.exclude(pk=running.pk).select_related("case")
    )

    # Three of the five approved projects were made as a registered consortium.
    assert (share.total.numerator, share.total.denominator) == (3, 5)
    assert share.total.percent == Decimal("60.0")
    assert portfolio.manager.username == "rd_manager"
    assert portfolio.projects.count() == 3
    assert gates == [(True, "gate_passed"), (None, "gate_review")]
    assert running.case.stage == "owner_managing"
    assert subs == [SubProjectStatus.APPROVED, SubProjectStatus.APPROVED, SubProjectStatus.PROPOSED]
    assert others == ["draft", "plan_review"]
