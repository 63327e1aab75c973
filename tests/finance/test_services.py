"""finance/services.py: filing, review, correction, registration and the monthly totals."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case, CaseStatus, TimelineEntry
from rainforest.cases.selectors import Sla, sla_of
from rainforest.cases.services import case_transition
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.finance.domain import SEED_LETTER, patent_check_char
from rainforest.finance.models import PledgeRegistration
from rainforest.finance.selectors import monthly_totals
from rainforest.finance.services import pledge_file, pledge_register, pledge_resubmit
from tests.conftest import at

pytestmark = pytest.mark.django_db

PATENT_BODY = "202310123456"
PATENT = f"ZL{PATENT_BODY}.{patent_check_char(PATENT_BODY)}"  # check character 6
WRONG_CHECK_PATENT = f"ZL{PATENT_BODY}.7"


def _counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        PledgeRegistration.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
    )


def _end_of_day(day: str) -> datetime:
    return at(f"{day} 23:59:59.999999")


@pytest.mark.parametrize(
    ("filed", "due"),
    [
        # Wed before National Day: Oct 1-7 are off, Oct 8 (Thu) and Oct 9 (Fri) are the two days.
        ("2026-09-30 10:00", "2026-10-09"),
        # Mon: Tue and Wed.
        ("2026-09-28 09:00", "2026-09-30"),
        # Tue: Wed, then Oct 8 (Thu) after the holiday.
        ("2026-09-29 16:00", "2026-10-08"),
        # Fri before Spring Festival: Sat Feb 14 is worked (调休), Feb 15-23 are off.
        ("2026-02-13 10:00", "2026-02-24"),
        # Filed late on a day off: the day itself never counts.
        ("2026-10-03 23:30", "2026-10-09"),
    ],
)
def test_pledge_file_due_end_of_second_working_day(
    banker_a: Any, bank_a: Any, file_pledge: Any, filed: str, due: str
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at(filed))

    case = Case.objects.get(pk=pledge.case_id)
    assert (case.stage, case.status, case.due_at, case.due_provisional) == (
        "review",
        CaseStatus.OPEN,
        _end_of_day(due),
        False,
    )


def test_pledge_file_stores_clean_data_and_case(banker_a: Any, bank_a: Any, firm: Any) -> None:
    pledge = pledge_file(
        actor=banker_a,
        bank=bank_a,
        pledgor_uscc=" " + firm.uscc.lower()[:9] + " " + firm.uscc.lower()[9:],
        pledgor_name="  雨林科技有限公司 ",
        ip_items=[("patent", PATENT), ("trademark", "1234 5678")],
        loan_amount=Decimal("5000000.00"),
        term_months=36,
        now=at("2026-09-28 09:00"),
    )

    pledge.refresh_from_db()
    assert (
        pledge.pledgee_bank_id,
        pledge.pledgor_uscc,
        pledge.pledgor_name,
        pledge.ip_items,
        pledge.loan_amount,
        pledge.term_months,
        pledge.inclusive,
        pledge.filed_at,
        pledge.registration_number,
    ) == (
        bank_a.pk,
        firm.uscc,
        "雨林科技有限公司",
        [
            {"kind": "patent", "number": PATENT.removeprefix("ZL")},
            {"kind": "trademark", "number": "12345678"},
        ],
        Decimal("5000000.00"),
        36,
        True,
        at("2026-09-28 09:00"),
        None,
    )
    assert (pledge.case.number, pledge.case.owner_org_id, pledge.case.title) == (
        "IPR-2026-000001",
        bank_a.pk,
        "雨林科技有限公司 知识产权质押登记",
    )


def test_pledge_file_writes_one_timeline_entry_and_one_audit_record(
    banker_a: Any, bank_a: Any, file_pledge: Any
) -> None:
    before = _counts()

    file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))

    assert _counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)
    assert list(TimelineEntry.objects.values_list("action", "to_stage")) == [("open", "review")]
    assert list(AuditRecord.objects.values_list("action", flat=True)) == ["case.open"]


@pytest.mark.parametrize(
    ("amount", "outcome", "inclusive"),
    [
        ("19999999.99", "inclusive", True),
        ("20000000.00", "inclusive", True),
        ("20000000.01", "standard", False),
    ],
)
def test_pledge_file_stores_decision_on_case_and_pledge(
    banker_a: Any, bank_a: Any, file_pledge: Any, amount: str, outcome: str, inclusive: bool
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"), amount=amount)

    case = Case.objects.get(pk=pledge.case_id)
    stored = PledgeRegistration.objects.get(pk=pledge.pk)
    assert (case.decision["outcome"], stored.inclusive) == (outcome, inclusive)
    assert case.decision["citations"] == [
        {"document": SEED_LETTER, "article": "二（二）", "url": ""}
    ]
    assert (case.decision["parameters_name"], case.decision["parameters_version"]) == (
        "finance.ip_pledge",
        "2025.1",
    )
    assert case.decision["facts"] == {"loan_amount": amount}
    assert stored.inclusive_decision == case.decision


def test_pledge_file_before_parameters_in_force_writes_nothing(
    banker_a: Any, bank_a: Any, file_pledge: Any
) -> None:
    before = _counts()

    with pytest.raises(ValidationError) as info:
        file_pledge(banker_a, bank_a, now=at("2024-12-31 10:00"))

    assert (info.value.code, _counts()) == ("no_parameters", before)


def test_pledge_file_by_other_banks_officer_is_denied_and_writes_nothing(
    banker_b: Any, bank_a: Any, file_pledge: Any
) -> None:
    before = _counts()

    with pytest.raises(PermissionDeniedError) as info:
        file_pledge(banker_b, bank_a, now=at("2026-09-28 09:00"))

    assert (info.value.code, info.value.http_status) == ("forbidden", 403)
    assert _counts() == before


def test_pledge_file_by_officer_without_bank_role_is_denied(
    officer: Any, bank_a: Any, file_pledge: Any
) -> None:
    before = _counts()

    with pytest.raises(PermissionDeniedError):
        file_pledge(officer, bank_a, now=at("2026-09-28 09:00"))

    assert _counts() == before


GOOD: dict[str, Any] = {
    "pledgor_name": "雨林科技有限公司",
    "ip_items": [("trademark", "12345678")],
    "loan_amount": Decimal("1000000.00"),
    "term_months": 12,
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pledgor_uscc": "91440300MA5XXXXXXX"}, "pledgor_uscc"),
        ({"pledgor_uscc": ""}, "pledgor_uscc"),
        ({"pledgor_name": "   "}, "pledgor_name"),
        ({"pledgor_name": "名" * 201}, "pledgor_name"),
        ({"ip_items": []}, "ip_items"),
        ({"ip_items": [("patent", WRONG_CHECK_PATENT)]}, "ip_items"),
        ({"ip_items": [("design", "123")]}, "ip_items"),
        ({"loan_amount": Decimal("0.00")}, "loan_amount"),
        ({"loan_amount": Decimal("-0.01")}, "loan_amount"),
        ({"loan_amount": Decimal("-5")}, "loan_amount"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": 361}, "term_months"),
    ],
)
def test_pledge_file_invalid_input_names_field_and_writes_nothing(
    banker_a: Any, bank_a: Any, firm: Any, change: dict[str, Any], field: str
) -> None:
    before = _counts()
    kwargs = {**GOOD, "pledgor_uscc": firm.uscc, **change}

    with pytest.raises(ValidationError) as info:
        pledge_file(actor=banker_a, bank=bank_a, now=at("2026-09-28 09:00"), **kwargs)

    assert (info.value.field, info.value.http_status) == (field, 422)
    assert _counts() == before


@pytest.mark.parametrize(
    "change",
    [
        {"term_months": 1},
        {"term_months": 360},
        {"loan_amount": Decimal("0.01")},
        {"pledgor_name": "名" * 200},
    ],
)
def test_pledge_file_accepts_input_at_each_bound(
    banker_a: Any, bank_a: Any, firm: Any, change: dict[str, Any]
) -> None:
    kwargs = {**GOOD, "pledgor_uscc": firm.uscc, **change}

    pledge = pledge_file(actor=banker_a, bank=bank_a, now=at("2026-09-28 09:00"), **kwargs)

    key, value = next(iter(change.items()))
    assert getattr(PledgeRegistration.objects.get(pk=pledge.pk), key) == value


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("名" * 191, "名" * 191 + " 知识产权质押登记"),  # exactly 200 characters
        ("名" * 192, "名" * 190 + "… 知识产权质押登记"),
        ("名" * 200, "名" * 190 + "… 知识产权质押登记"),
    ],
)
def test_pledge_file_long_name_case_title_fits(
    banker_a: Any, bank_a: Any, firm: Any, name: str, title: str
) -> None:
    pledge = pledge_file(
        actor=banker_a,
        bank=bank_a,
        now=at("2026-09-28 09:00"),
        **{**GOOD, "pledgor_uscc": firm.uscc, "pledgor_name": name},
    )

    case = Case.objects.get(pk=pledge.case_id)
    assert (case.title, len(case.title), pledge.pledgor_name) == (title, 200, name)


def _return(pledge: Any, officer: Any, now: datetime, reason: str = "请补充专利证书") -> Case:
    return case_transition(case=pledge.case, action="return", actor=officer, reason=reason, now=now)


def test_pledge_return_pauses_clock(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))

    _return(pledge, officer, at("2026-09-28 11:00"))

    case = Case.objects.get(pk=pledge.case_id)
    assert (case.stage, case.paused_at, case.due_at) == (
        "correction",
        at("2026-09-28 11:00"),
        _end_of_day("2026-09-30"),
    )
    # Long after the due date a paused case is still paused, not overdue.
    assert sla_of(case, at("2026-10-20 10:00")) == Sla.PAUSED


def test_pledge_return_without_reason_is_refused_and_writes_nothing(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    before = _counts()

    with pytest.raises(ValidationError) as info:
        _return(pledge, officer, at("2026-09-28 11:00"), reason="  ")

    assert (info.value.field, info.value.code) == ("reason", "reason_required")
    assert _counts() == before
    assert Case.objects.get(pk=pledge.case_id).stage == "review"


@pytest.mark.parametrize(
    ("resubmitted", "paused_days", "due"),
    [
        # Returned Mon 2026-09-28 11:00. Working days after the 28th up to resubmission count.
        ("2026-09-28 15:00", 0, "2026-09-30"),  # same day: nothing counted
        ("2026-09-29 10:00", 1, "2026-10-08"),  # Sep 29
        ("2026-10-07 10:00", 2, "2026-10-09"),  # Sep 29, 30; Oct 1-7 are off
        ("2026-10-08 10:00", 3, "2026-10-10"),  # + Oct 8; Sat Oct 10 is worked (调休)
        ("2026-10-09 10:00", 4, "2026-10-12"),  # + Oct 9; Sun Oct 11 is off
    ],
)
def test_pledge_resubmit_moves_due_by_paused_working_days(
    banker_a: Any,
    bank_a: Any,
    officer: Any,
    file_pledge: Any,
    resubmitted: str,
    paused_days: int,
    due: str,
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))  # due Wed Sep 30
    _return(pledge, officer, at("2026-09-28 11:00"))

    pledge_resubmit(pledge=pledge, actor=banker_a, now=at(resubmitted))

    case = Case.objects.get(pk=pledge.case_id)
    assert (case.stage, case.paused_at, case.paused_workdays_total, case.due_at) == (
        "review",
        None,
        paused_days,
        _end_of_day(due),
    )


def test_pledge_resubmit_with_changes_redecides(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"), amount="1000000.00")
    _return(pledge, officer, at("2026-09-28 11:00"))

    pledge_resubmit(
        pledge=pledge,
        actor=banker_a,
        changes={"loan_amount": Decimal("30000000.00"), "term_months": None},
        now=at("2026-09-29 10:00"),
    )

    stored = PledgeRegistration.objects.get(pk=pledge.pk)
    case = Case.objects.get(pk=pledge.case_id)
    assert (stored.loan_amount, stored.term_months, stored.inclusive) == (
        Decimal("30000000.00"),
        12,
        False,
    )
    assert (stored.inclusive_decision["outcome"], case.decision["outcome"]) == (
        "standard",
        "standard",
    )


def test_pledge_resubmit_with_bad_change_writes_nothing(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    _return(pledge, officer, at("2026-09-28 11:00"))
    before = _counts()

    with pytest.raises(ValidationError) as info:
        pledge_resubmit(
            pledge=pledge, actor=banker_a, changes={"term_months": 361}, now=at("2026-09-29 10:00")
        )

    assert (info.value.field, _counts()) == ("term_months", before)
    assert Case.objects.get(pk=pledge.case_id).stage == "correction"


def test_pledge_resubmit_when_in_review_is_conflict(
    banker_a: Any, bank_a: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    before = _counts()

    with pytest.raises(ConflictError):
        pledge_resubmit(pledge=pledge, actor=banker_a, now=at("2026-09-28 10:00"))

    assert _counts() == before


def test_pledge_resubmit_by_other_bank_is_denied(
    banker_a: Any, banker_b: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    _return(pledge, officer, at("2026-09-28 11:00"))
    before = _counts()

    with pytest.raises(PermissionDeniedError):
        pledge_resubmit(pledge=pledge, actor=banker_b, now=at("2026-09-29 10:00"))

    assert _counts() == before


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pledge_register_numbers_closes_and_issues_certificate(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))

    registered = pledge_register(pledge=pledge, actor=officer, now=at("2026-09-29 10:00"))

    stored = PledgeRegistration.objects.get(pk=pledge.pk)
    case = Case.objects.get(pk=pledge.case_id)
    assert (stored.registration_number, stored.registered_at, registered.registration_number) == (
        "ZYDJ-2026-000001",
        at("2026-09-29 10:00"),
        "ZYDJ-2026-000001",
    )
    assert (case.stage, case.status, case.outcome, case.due_at, case.closed_at) == (
        "registered",
        CaseStatus.CLOSED,
        "registered",
        None,
        at("2026-09-29 10:00"),
    )
    assert case.decision == stored.inclusive_decision
    timeline = TimelineEntry.objects.filter(case=case).order_by("id").last()
    assert (timeline.action, timeline.data["registration_number"]) == (
        "register",
        "ZYDJ-2026-000001",
    )


def test_pledge_register_certificate_is_pdf_with_number(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))

    pledge_register(pledge=pledge, actor=officer, now=at("2026-09-29 10:00"))

    data = bytes(PledgeRegistration.objects.get(pk=pledge.pk).certificate_pdf)
    text = _pdf_text(data)
    assert data[:5] == b"%PDF-"
    assert "ZYDJ-2026-000001" in text  # a substring of the page: equality would pin the layout
    assert "IPR-2026-000001" in text
    assert "知识产权质押登记通知书" in text
    assert "1,000,000.00元" in text
    assert PdfReader(io.BytesIO(data)).metadata.title == "知识产权质押登记通知书 ZYDJ-2026-000001"


def test_pledge_register_numbers_run_in_sequence(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    first = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    second = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:30"))

    pledge_register(pledge=second, actor=officer, now=at("2026-09-29 10:00"))
    pledge_register(pledge=first, actor=officer, now=at("2026-09-29 10:05"))

    assert list(
        PledgeRegistration.objects.order_by("pk").values_list("registration_number", flat=True)
    ) == ["ZYDJ-2026-000002", "ZYDJ-2026-000001"]


def test_pledge_register_twice_is_conflict_and_uses_no_number(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    first = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    second = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:30"))
    pledge_register(pledge=first, actor=officer, now=at("2026-09-29 10:00"))
    before = _counts()

    with pytest.raises(ConflictError):
        pledge_register(pledge=first, actor=officer, now=at("2026-09-29 11:00"))

    assert _counts() == before
    assert PledgeRegistration.objects.get(pk=first.pk).registration_number == "ZYDJ-2026-000001"
    pledge_register(pledge=second, actor=officer, now=at("2026-09-29 12:00"))
    assert PledgeRegistration.objects.get(pk=second.pk).registration_number == "ZYDJ-2026-000002"


def test_pledge_register_by_banker_is_denied_and_writes_nothing(
    banker_a: Any, bank_a: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    before = _counts()

    with pytest.raises(PermissionDeniedError):
        pledge_register(pledge=pledge, actor=banker_a, now=at("2026-09-29 10:00"))

    assert _counts() == before
    assert PledgeRegistration.objects.get(pk=pledge.pk).registration_number is None


def test_pledge_reject_with_reason_closes_case(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))

    case_transition(
        case=pledge.case,
        action="reject",
        actor=officer,
        reason="专利已失效",
        now=at("2026-09-29 10:00"),
    )

    case = Case.objects.get(pk=pledge.case_id)
    assert (case.stage, case.status, case.outcome) == ("rejected", CaseStatus.CLOSED, "rejected")
    assert TimelineEntry.objects.filter(case=case).order_by("id").last().reason == "专利已失效"


@pytest.mark.parametrize("reason", ["", "   "])
def test_pledge_reject_without_reason_is_refused_and_writes_nothing(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any, reason: str
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    before = _counts()

    with pytest.raises(ValidationError) as info:
        case_transition(
            case=pledge.case, action="reject", actor=officer, reason=reason, now=at("2026-09-29")
        )

    assert (info.value.field, info.value.code) == ("reason", "reason_required")
    assert _counts() == before


def test_monthly_totals_sums_registered_by_shanghai_month(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    small = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"), amount="1000000.00")
    big = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:10"), amount="30000000.00")
    october = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:20"), amount="2500000.50")
    file_pledge(banker_a, bank_a, now=at("2026-09-28 09:30"), amount="7000000.00")  # not registered
    pledge_register(pledge=small, actor=officer, now=at("2026-09-29 10:00"))
    pledge_register(pledge=big, actor=officer, now=at("2026-09-30 23:59"))
    # 00:30 on Oct 1 in Shanghai is still Sep 30 in UTC: it counts for October.
    pledge_register(pledge=october, actor=officer, now=at("2026-10-01 00:30"))

    assert monthly_totals(officer) == [
        {
            "month": "2026-10",
            "count": 1,
            "amount": Decimal("2500000.50"),
            "inclusive_count": 1,
            "inclusive_amount": Decimal("2500000.50"),
        },
        {
            "month": "2026-09",
            "count": 2,
            "amount": Decimal("31000000.00"),
            "inclusive_count": 1,
            "inclusive_amount": Decimal("1000000.00"),
        },
    ]


def test_monthly_totals_month_without_inclusive_is_zero(
    banker_a: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    big = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"), amount="30000000.00")
    pledge_register(pledge=big, actor=officer, now=at("2026-09-29 10:00"))

    assert monthly_totals(banker_a) == [
        {
            "month": "2026-09",
            "count": 1,
            "amount": Decimal("30000000.00"),
            "inclusive_count": 0,
            "inclusive_amount": Decimal("0.00"),
        }
    ]


def test_monthly_totals_other_bank_sees_nothing(
    banker_a: Any, banker_b: Any, bank_a: Any, officer: Any, file_pledge: Any
) -> None:
    pledge = file_pledge(banker_a, bank_a, now=at("2026-09-28 09:00"))
    pledge_register(pledge=pledge, actor=officer, now=at("2026-09-29 10:00"))

    assert monthly_totals(banker_b) == []
