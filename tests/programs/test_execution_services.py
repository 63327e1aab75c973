"""Execution to closure through the services: tranches on the ledger, reports, changes,
mid-term check, acceptance, termination with recovery."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from rainforest.cases.models import Case
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.ledger.models import LedgerAccount, LedgerHold, LedgerPosting
from rainforest.ledger.services import ledger_capture
from rainforest.programs.models import (
    BudgetLine,
    ChangeRequest,
    MilestoneReport,
    PaymentTranche,
    ProjectStatus,
    TrancheDecision,
)
from rainforest.programs.services import execution as ex
from rainforest.programs.services import execution_changes as ch
from rainforest.programs.services import execution_closure as cl
from tests.conftest import at
from tests.programs.execution_support import make_project

pytestmark = pytest.mark.django_db

PASS3 = [cl.OpinionIn(f"专家{i}", "pass") for i in range(3)]
FAIL3 = [cl.OpinionIn(f"专家{i}", "fail") for i in range(3)]


@pytest.fixture
def project(officer: Any, applicant: Any, lab: Any, field_ai: Any) -> Any:
    return make_project(officer=officer, applicant=applicant, org=lab, field=field_ai)


def _balance(code: str) -> Decimal:
    return LedgerAccount.objects.get(code=code).balance


def _accept_reports(project: Any, applicant: Any, officer: Any) -> None:
    for report in MilestoneReport.objects.filter(project=project):
        ex.report_submit(actor=applicant, report=report, body="完成", now=at("2027-06-01 10:00"))
        ex.report_review(actor=officer, report=report, accept=True, now=at("2027-06-02 10:00"))


# --- the schedule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount", ["0.03", "1.00", "999999.99", "3000000.00", "3333333.33", "9999999.99"]
)
def test_begin_tranches_sum_to_the_approved_fiscal_total(
    officer: Any, applicant: Any, lab: Any, field_ai: Any, amount: str
) -> None:
    project = make_project(
        officer=officer, applicant=applicant, org=lab, field=field_ai, amount=amount
    )

    amounts = [t.amount for t in PaymentTranche.objects.filter(project=project)]
    held = [h.amount for h in LedgerHold.objects.filter(key__contains=project.number)]

    assert sum(amounts) == Decimal(amount)
    assert sum(held) == Decimal(amount)
    assert len(amounts) == 3


def test_begin_twice_returns_the_same_plan(project: Any, officer: Any) -> None:
    again = ex.execution_begin(actor=officer, project=project, now=at("2026-12-02 10:00"))

    assert again.pk == project.plan.pk
    assert PaymentTranche.objects.filter(project=project).count() == 3


def test_lump_sum_project_has_one_tranche_of_the_total(
    officer: Any, applicant: Any, lab: Any, field_ai: Any
) -> None:
    project = make_project(
        officer=officer, applicant=applicant, org=lab, field=field_ai, mode="lump_sum"
    )

    rows = list(PaymentTranche.objects.filter(project=project).values_list("order", "amount"))

    assert rows == [(1, Decimal("3000000.00"))]
    assert project.plan.lump_sum is True


# --- releasing tranches ---------------------------------------------------------------


def test_release_first_tranche_posts_to_the_project_account(project: Any, officer: Any) -> None:
    result = ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-02 10:00"))

    assert result.decision.outcome == "release"
    assert result.tranche.ledger_key == f"programs:tranche:{project.number}:1"
    assert _balance(ex.project_account(project)) == Decimal("1200000.00")


def test_release_twice_is_refused_and_pays_once(project: Any, officer: Any) -> None:
    ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-02 10:00"))

    with pytest.raises(ConflictError) as refused:
        ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-03 10:00"))

    assert refused.value.code == "tranche_refused"
    assert _balance(ex.project_account(project)) == Decimal("1200000.00")
    outcomes = list(
        TrancheDecision.objects.filter(tranche__project=project)
        .order_by("decided_at")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["release", "refused"]
    assert TrancheDecision.objects.filter(outcome="refused").get().decision["facts"][
        "refusals"
    ] == ["already_released"]


def test_retry_with_the_same_ledger_key_returns_the_same_posting(
    project: Any, officer: Any
) -> None:
    ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-02 10:00"))
    key = ex.tranche_key(project, 1)
    first = LedgerPosting.objects.get(key=key)
    hold = LedgerHold.objects.get(key=f"programs:tranche-hold:{project.number}:1")

    again = ledger_capture(key=key, hold=hold, to_account=ex.project_account(project))

    assert again.pk == first.pk
    assert LedgerPosting.objects.filter(key=key).count() == 1
    assert _balance(ex.project_account(project)) == Decimal("1200000.00")


def test_second_tranche_before_the_midterm_check_is_refused(project: Any, officer: Any) -> None:
    ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-02 10:00"))

    with pytest.raises(ConflictError):
        ex.tranche_release(actor=officer, project=project, order=2, now=at("2027-03-01 10:00"))

    stored = TrancheDecision.objects.get(tranche__order=2)
    assert stored.decision["facts"]["refusals"] == ["gate_not_accepted"]
    assert PaymentTranche.objects.get(project=project, order=2).released_at is None


def test_second_tranche_after_a_passed_midterm_check_is_paid(project: Any, officer: Any) -> None:
    ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-02 10:00"))
    cl.midterm_record(actor=officer, project=project, opinions=PASS3, now=at("2028-01-10 10:00"))

    ex.tranche_release(actor=officer, project=project, order=2, now=at("2028-01-11 10:00"))

    assert _balance(ex.project_account(project)) == Decimal("2400000.00")


def test_failed_midterm_check_does_not_open_the_second_tranche(project: Any, officer: Any) -> None:
    ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-02 10:00"))
    acceptance = cl.midterm_record(
        actor=officer, project=project, opinions=FAIL3, now=at("2028-01-10 10:00")
    )

    with pytest.raises(ConflictError):
        ex.tranche_release(actor=officer, project=project, order=2, now=at("2028-01-11 10:00"))

    assert acceptance.passed is False


def test_third_tranche_waits_for_final_acceptance(
    project: Any, officer: Any, applicant: Any
) -> None:
    ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-02 10:00"))
    cl.midterm_record(actor=officer, project=project, opinions=PASS3, now=at("2028-01-10 10:00"))
    ex.tranche_release(actor=officer, project=project, order=2, now=at("2028-01-11 10:00"))
    with pytest.raises(ConflictError):
        ex.tranche_release(actor=officer, project=project, order=3, now=at("2028-02-01 10:00"))
    _accept_reports(project, applicant, officer)
    cl.acceptance_request(actor=applicant, project=project, now=at("2029-12-01 10:00"))
    cl.acceptance_decide(actor=officer, project=project, opinions=PASS3, now=at("2029-12-10 10:00"))

    ex.tranche_release(actor=officer, project=project, order=3, now=at("2029-12-11 10:00"))

    project.refresh_from_db()
    assert project.status == ProjectStatus.CLOSED
    assert _balance(ex.project_account(project)) == Decimal("3000000.00")


def test_applicant_cannot_release_a_tranche(project: Any, applicant: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        ex.tranche_release(actor=applicant, project=project, order=1)


# --- milestone reports ----------------------------------------------------------------


def test_report_of_another_organisation_is_refused(project: Any, rival_applicant: Any) -> None:
    report = MilestoneReport.objects.get(project=project)

    with pytest.raises(PermissionDeniedError):
        ex.report_submit(actor=rival_applicant, report=report, body="冒名提交")

    report.refresh_from_db()
    assert report.status == "due"


def test_returned_report_can_be_submitted_again(project: Any, applicant: Any, officer: Any) -> None:
    report = MilestoneReport.objects.get(project=project)
    ex.report_submit(actor=applicant, report=report, body="初稿", now=at("2027-06-01 10:00"))
    ex.report_review(
        actor=officer,
        report=report,
        accept=False,
        reason="缺少测试数据",
        now=at("2027-06-02 10:00"),
    )

    again = ex.report_submit(
        actor=applicant, report=report, body="补充测试数据", now=at("2027-06-03 10:00")
    )

    assert again.status == "submitted"


def test_returning_a_report_needs_a_reason(project: Any, applicant: Any, officer: Any) -> None:
    report = MilestoneReport.objects.get(project=project)
    ex.report_submit(actor=applicant, report=report, body="初稿", now=at("2027-06-01 10:00"))

    with pytest.raises(ValidationError) as refused:
        ex.report_review(actor=officer, report=report, accept=False, reason=" ")

    assert refused.value.field == "reason"


# --- final acceptance and termination -------------------------------------------------


def test_acceptance_before_every_report_is_accepted_is_refused(
    project: Any, applicant: Any
) -> None:
    with pytest.raises(ConflictError):
        cl.acceptance_request(actor=applicant, project=project, now=at("2029-12-01 10:00"))

    assert Case.objects.get(pk=project.application.case_id).stage == "executing"


def test_conditional_pass_returns_the_project_for_rectification(
    project: Any, applicant: Any, officer: Any
) -> None:
    _accept_reports(project, applicant, officer)
    cl.acceptance_request(actor=applicant, project=project, now=at("2029-12-01 10:00"))
    opinions = [
        cl.OpinionIn("专家1", "pass"),
        cl.OpinionIn("专家2", "conditional_pass"),
        cl.OpinionIn("专家3", "conditional_pass"),
    ]

    acceptance = cl.acceptance_decide(
        actor=officer, project=project, opinions=opinions, now=at("2029-12-10 10:00")
    )

    assert acceptance.decision["outcome"] == "conditional_pass"
    assert Case.objects.get(pk=project.application.case_id).stage == "executing"


def test_failed_acceptance_without_spending_is_refused(
    project: Any, applicant: Any, officer: Any
) -> None:
    _accept_reports(project, applicant, officer)
    cl.acceptance_request(actor=applicant, project=project, now=at("2029-12-01 10:00"))

    with pytest.raises(ValidationError) as refused:
        cl.acceptance_decide(actor=officer, project=project, opinions=FAIL3)

    assert refused.value.field == "accepted_spending"


@pytest.mark.parametrize(
    ("spent", "recovered"),
    [
        ("0.00", "1200000.00"),
        ("1199999.99", "0.01"),
        ("1200000.00", "0.00"),
        ("1200000.01", "0.00"),
    ],
)
def test_terminate_recovers_released_minus_accepted_spending(
    project: Any, officer: Any, spent: str, recovered: str
) -> None:
    budget = project.plan.budget_account
    ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-02 10:00"))

    result = cl.project_terminate(
        actor=officer,
        project=project,
        reason="关键技术路线不可行",
        accepted_spending=Decimal(spent),
        now=at("2027-08-01 10:00"),
    )

    project.refresh_from_db()
    assert result.amount == Decimal(recovered)
    assert project.recovered_amount == Decimal(recovered)
    assert project.status == ProjectStatus.TERMINATED
    assert _balance(ex.project_account(project)) == Decimal("1200000.00") - Decimal(recovered)
    assert LedgerAccount.objects.get(code=budget).held == Decimal("0.00")
    assert Case.objects.get(pk=project.application.case_id).stage == "terminated"


def test_terminated_project_gets_no_further_tranche(project: Any, officer: Any) -> None:
    cl.project_terminate(
        actor=officer,
        project=project,
        reason="承担单位注销",
        accepted_spending=Decimal("0"),
        now=at("2027-08-01 10:00"),
    )

    with pytest.raises(ConflictError):
        ex.tranche_release(actor=officer, project=project, order=1)

    assert PaymentTranche.objects.filter(project=project, released_at__isnull=False).count() == 0


# --- change requests ------------------------------------------------------------------

TWO_LINES = (("equipment", "1500000.00"), ("materials", "1500000.00"))


@pytest.fixture
def two_line_project(officer: Any, applicant: Any, lab: Any, field_ai: Any) -> Any:
    return make_project(
        officer=officer, applicant=applicant, org=lab, field=field_ai, lines=TWO_LINES
    )


@pytest.mark.parametrize(
    ("moved", "route"),
    [
        ("150000.00", "officer_approval"),  # exactly 10% of each line: 「以内」 includes it
        ("150000.01", "expert_opinion"),
        ("149999.99", "officer_approval"),
    ],
)
def test_budget_change_routed_at_the_ten_percent_boundary(
    two_line_project: Any, applicant: Any, moved: str, route: str
) -> None:
    amount = Decimal(moved)

    change = ch.change_request(
        actor=applicant,
        project=two_line_project,
        kind="budget",
        description="设备采购价格下降，调剂到材料费",
        lines=[
            ch.LineIn("equipment", Decimal("1500000.00") - amount),
            ch.LineIn("materials", Decimal("1500000.00") + amount),
        ],
    )

    assert change.data["route"] == route
    assert change.case.stage == "change_review"


def test_budget_change_that_moves_the_total_is_refused(
    two_line_project: Any, applicant: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        ch.change_request(
            actor=applicant,
            project=two_line_project,
            kind="budget",
            description="增加经费",
            lines=[ch.LineIn("equipment", Decimal("1600000.00"))],
        )

    assert refused.value.code == "change_refused"
    assert ChangeRequest.objects.count() == 0


def test_expert_routed_change_needs_an_opinion_before_approval(
    two_line_project: Any, applicant: Any, officer: Any
) -> None:
    change = ch.change_request(
        actor=applicant,
        project=two_line_project,
        kind="budget",
        description="调剂",
        lines=[
            ch.LineIn("equipment", Decimal("1000000.00")),
            ch.LineIn("materials", Decimal("2000000.00")),
        ],
    )
    with pytest.raises(ConflictError):
        ch.change_decide(actor=officer, change=change, approve=True)
    ch.change_opinion(actor=officer, change=change, opinion="专家组同意调剂")

    ch.change_decide(actor=officer, change=change, approve=True)

    lines = dict(
        BudgetLine.objects.filter(application=two_line_project.application).values_list(
            "category", "fiscal_amount"
        )
    )
    assert lines == {"equipment": Decimal("1000000.00"), "materials": Decimal("2000000.00")}


def test_lump_sum_budget_change_needs_no_approval(
    officer: Any, applicant: Any, lab: Any, field_ai: Any
) -> None:
    project = make_project(
        officer=officer, applicant=applicant, org=lab, field=field_ai, mode="lump_sum"
    )

    change = ch.change_request(
        actor=applicant, project=project, kind="budget", description="自主调整经费使用"
    )

    change.case.refresh_from_db()
    assert change.data["route"] == "not_required"
    assert change.case.stage == "recorded"
    assert change.case.status == "closed"
    assert change.approved is True


def test_schedule_extension_once_then_refused(project: Any, applicant: Any, officer: Any) -> None:
    first = ch.change_request(
        actor=applicant,
        project=project,
        kind="schedule",
        description="流片排期推迟",
        extension_months=12,
    )
    ch.change_decide(actor=officer, change=first, approve=True)
    project.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        ch.change_request(
            actor=applicant,
            project=project,
            kind="schedule",
            description="再延期",
            extension_months=1,
        )

    assert project.end_date == date(2030, 12, 31)
    assert refused.value.code == "change_refused"


def test_team_change_goes_to_the_officer(project: Any, applicant: Any) -> None:
    change = ch.change_request(
        actor=applicant, project=project, kind="team", description="李四调离，由王五接任"
    )

    assert change.data["route"] == "officer_approval"


@pytest.mark.parametrize(
    ("day", "expected"),
    [(date(2024, 2, 29), date(2025, 2, 28)), (date(2027, 1, 31), date(2028, 1, 31))],
)
def test_add_months_keeps_the_day_or_the_month_end(day: date, expected: date) -> None:
    assert ch.add_months(day, 12) == expected
