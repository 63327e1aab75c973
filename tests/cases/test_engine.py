"""The case engine: due dates across holidays, the paused clock, one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from rainforest.audit.models import AuditRecord
from rainforest.audit.services import audit_verify
from rainforest.cases.models import Case, CaseStatus, StageVisit, TimelineEntry
from rainforest.cases.selectors import Sla, sla_of
from rainforest.cases.services import case_transition
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from tests.conftest import at


def _end_of(day: str) -> datetime:
    return at(f"{day} 23:59:59.999999")


@pytest.mark.parametrize(
    ("filed", "due"),
    [
        # Ordinary week: Monday + 2 working days = Wednesday.
        ("2026-11-02 09:00", "2026-11-04"),
        # Friday: the weekend does not count.
        ("2026-11-06 17:30", "2026-11-10"),
        # The day before National Day (Oct 1–7 off): Oct 8 then Oct 9.
        ("2026-09-30 10:00", "2026-10-09"),
        # Filed during the holiday: the first two working days after it.
        ("2026-10-03 10:00", "2026-10-09"),
        # Oct 9 (Fri) + 1 = Sat Oct 10, a 调休 working day; + 2 = Mon Oct 12.
        ("2026-10-09 10:00", "2026-10-12"),
        # Spring Festival: Fri Feb 13 + 1 = Sat Feb 14 (调休); Feb 15–23 off; + 2 = Feb 24.
        ("2026-02-13 10:00", "2026-02-24"),
        # Filed on the 调休 Saturday itself: Feb 24, Feb 25.
        ("2026-02-14 10:00", "2026-02-25"),
    ],
)
def test_case_due_date_counts_working_days(
    new_pledge: Any, banker_a: Any, bank_a: Any, filed: str, due: str
) -> None:
    pledge = new_pledge(banker_a, bank_a, now=at(filed))

    assert pledge.case.due_at == _end_of(due)
    assert pledge.case.due_provisional is False
    assert Case.objects.get(pk=pledge.case.pk).due_at == _end_of(due)


def test_case_due_date_past_known_years_is_provisional(
    new_pledge: Any, banker_a: Any, bank_a: Any
) -> None:
    pledge = new_pledge(banker_a, bank_a, now=at("2027-01-01 10:00"))

    # 2027 is not in the calendar yet: weekends only, so Mon Jan 4 and Tue Jan 5.
    assert pledge.case.due_at == _end_of("2027-01-05")
    assert pledge.case.due_provisional is True


def test_case_paused_clock_moves_due_date_by_paused_working_days(
    new_pledge: Any, banker_a: Any, bank_a: Any, officer: Any
) -> None:
    pledge = new_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    assert pledge.case.due_at == _end_of("2026-09-30")

    case = case_transition(
        case=pledge.case,
        action="return",
        actor=officer,
        reason="缺少签章页",
        now=at("2026-09-29 11:00"),
    )
    assert case.paused_at == at("2026-09-29 11:00")
    assert sla_of(case, at("2026-10-20 00:00")) is Sla.PAUSED

    # Paused from Tue Sep 29 to Fri Oct 9: Sep 30, Oct 8, Oct 9 = 3 working days.
    case = case_transition(case=case, action="resubmit", actor=banker_a, now=at("2026-10-09 15:00"))
    assert case.paused_at is None
    assert case.paused_workdays_total == 3
    # The old due date Sep 30 + 3 working days: Oct 8, Oct 9, Oct 10 (调休 Saturday).
    assert case.due_at == _end_of("2026-10-10")
    assert sla_of(case, at("2026-10-09 15:01")) is Sla.DUE_SOON


def test_case_transition_writes_timeline_visit_and_audit(
    new_pledge: Any, banker_a: Any, bank_a: Any, officer: Any
) -> None:
    pledge = new_pledge(banker_a, bank_a, now=at("2026-11-02 09:00"))
    audit_before = AuditRecord.objects.count()

    case = case_transition(
        case=pledge.case,
        action="reject",
        actor=officer,
        reason="质押标的已被质押",
        now=at("2026-11-03 10:00"),
    )

    assert case.status == CaseStatus.CLOSED
    assert case.outcome == "rejected"
    assert case.due_at is None
    last = TimelineEntry.objects.filter(case=case).order_by("-id").first()
    assert (last.action, last.from_stage, last.to_stage, last.reason) == (
        "reject",
        "review",
        "rejected",
        "质押标的已被质押",
    )
    visits = list(StageVisit.objects.filter(case=case).values_list("stage", "workdays_used"))
    assert visits == [("review", 1), ("rejected", None)]
    record = AuditRecord.objects.order_by("-seq").first()
    assert AuditRecord.objects.count() == audit_before + 1
    assert (record.action, record.subject_id) == ("case.reject", case.number)
    assert audit_verify() is None


@pytest.mark.parametrize(
    ("actor_name", "action", "reason", "error"),
    [
        ("banker_a", "register", "", PermissionDeniedError),
        ("officer", "reject", "", ValidationError),
        ("officer", "resubmit", "", ConflictError),
        ("officer", "no_such_action", "", ConflictError),
    ],
)
def test_case_transition_refused_changes_nothing(
    new_pledge: Any,
    banker_a: Any,
    bank_a: Any,
    officer: Any,
    actor_name: str,
    action: str,
    reason: str,
    error: type[Exception],
) -> None:
    actor = {"banker_a": banker_a, "officer": officer}[actor_name]
    pledge = new_pledge(banker_a, bank_a, now=at("2026-11-02 09:00"))
    counts = (
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
        StageVisit.objects.count(),
    )

    with pytest.raises(error):
        case_transition(case=pledge.case, action=action, actor=actor, reason=reason)

    case = Case.objects.get(pk=pledge.case.pk)
    assert (case.stage, case.status, case.due_at) == (
        "review",
        CaseStatus.OPEN,
        _end_of("2026-11-04"),
    )
    assert counts == (
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
        StageVisit.objects.count(),
    )


def test_case_closed_refuses_further_actions(
    new_pledge: Any, banker_a: Any, bank_a: Any, officer: Any
) -> None:
    pledge = new_pledge(banker_a, bank_a)
    case_transition(case=pledge.case, action="reject", actor=officer, reason="不符合条件")

    with pytest.raises(ConflictError) as info:
        case_transition(case=pledge.case, action="reject", actor=officer, reason="再次")

    assert info.value.code == "case_closed"


def test_case_numbers_are_sequential_per_year(new_pledge: Any, banker_a: Any, bank_a: Any) -> None:
    first = new_pledge(banker_a, bank_a, now=at("2026-11-02 09:00"))
    second = new_pledge(banker_a, bank_a, now=at("2026-11-02 09:05"))
    next_year = new_pledge(banker_a, bank_a, now=at("2027-01-04 09:00"))

    assert [first.case.number, second.case.number, next_year.case.number] == [
        "IPR-2026-000001",
        "IPR-2026-000002",
        "IPR-2027-000001",
    ]


def test_case_time_limits_override_the_definition_for_one_case(
    new_pledge: Any, banker_a: Any, bank_a: Any, officer: Any
) -> None:
    from rainforest.cases.services import case_open

    case = case_open(
        process_code="ip_pledge",
        actor=banker_a,
        owner_org=bank_a,
        title="五个工作日的审查",
        now=at("2026-11-02 09:00"),
        time_limits={"review": 5},
    )
    default = new_pledge(banker_a, bank_a, now=at("2026-11-02 09:00"))

    assert case.due_at == _end_of("2026-11-09")
    assert default.case.due_at == _end_of("2026-11-04")
