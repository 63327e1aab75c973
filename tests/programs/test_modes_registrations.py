"""业主制, 项目经理人制, national matching funds and innovation consortia through the services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rainforest.accounts.roles import Role
from rainforest.core.errors import ConflictError, PermissionDeniedError, ValidationError
from rainforest.ledger.models import LedgerAccount
from rainforest.programs import domain_modes as dm
from rainforest.programs.models import ApplicationConsortium, SubProjectStatus
from rainforest.programs.services import execution as ex
from rainforest.programs.services import modes_owner as mo
from rainforest.programs.services import modes_portfolio as mp
from rainforest.programs.services import modes_registrations as mr
from tests.conftest import at
from tests.factories import person
from tests.programs.conftest import shenzhen_uscc
from tests.programs.execution_support import make_project

pytestmark = pytest.mark.django_db

NOW = "2026-10-15 10:00"


def _pdf(name: str = "证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% proof\n", content_type="application/pdf")


def _register(
    applicant: Any, lab: Any, funding: str, *, proof: bool = True, number: str = "2026YFB0001"
) -> Any:
    return mr.national_register(
        actor=applicant,
        organisation=lab,
        programme="国家重点研发计划",
        number=number,
        title="高端芯片关键工艺",
        national_funding=Decimal(funding),
        period_start=date(2026, 1, 1),
        period_end=date(2028, 12, 31),
        landed_in_shenzhen=True,
        proof=_pdf() if proof else None,
        now=at(NOW),
    )


# --- national matching funds ----------------------------------------------------------


@pytest.mark.parametrize(
    ("funding", "matched", "capped"),
    [
        ("9999999.99", "9999999.99", False),
        ("10000000.00", "10000000.00", False),
        ("10000000.01", "10000000.00", True),
        ("30000000.00", "10000000.00", True),
    ],
)
def test_matching_is_one_to_one_up_to_ten_million(
    applicant: Any, lab: Any, funding: str, matched: str, capped: bool
) -> None:
    registration = _register(applicant, lab, funding)

    assert registration.matching_amount == Decimal(matched)
    assert registration.decision["facts"]["capped"] is capped
    assert registration.case.stage == "matching_review"
    assert registration.case.attachments.count() == 1


def test_approved_matching_is_posted_on_the_ledger(applicant: Any, lab: Any, officer: Any) -> None:
    registration = _register(applicant, lab, "10000000.01")

    mr.national_decide(actor=officer, registration=registration, approve=True, now=at(NOW))

    registration.refresh_from_db()
    assert registration.approved_amount == Decimal("10000000.00")
    assert LedgerAccount.objects.get(code=mr.matching_account(registration)).balance == Decimal(
        "10000000.00"
    )
    assert registration.case.stage == "approved"


def test_matching_without_proof_cannot_be_approved(applicant: Any, lab: Any, officer: Any) -> None:
    registration = _register(applicant, lab, "5000000", proof=False)

    with pytest.raises(ConflictError):
        mr.national_decide(actor=officer, registration=registration, approve=True)

    assert registration.decision["outcome"] == "ineligible"
    assert LedgerAccount.objects.filter(code=mr.matching_account(registration)).count() == 0


def test_national_project_registered_twice_is_refused(applicant: Any, lab: Any) -> None:
    _register(applicant, lab, "100")

    with pytest.raises(ConflictError) as refused:
        _register(applicant, lab, "100", number=" 2026YFB 0001 ")

    assert refused.value.field == "number"


def test_registering_for_another_organisation_is_refused(applicant: Any, rival: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        _register(applicant, rival, "100")


# --- consortia ------------------------------------------------------------------------


def _members() -> list[dm.PartnerIn]:
    return [
        dm.PartnerIn(shenzhen_uscc(31), "深圳大学", "university"),
        dm.PartnerIn(shenzhen_uscc(32), "下游制造有限公司", "enterprise"),
    ]


def test_consortium_registered_and_its_projects_counted(
    officer: Any, applicant: Any, lab: Any, field_ai: Any, rival: Any, rival_applicant: Any
) -> None:
    consortium = mr.consortium_register(
        actor=applicant, lead=lab, name="芯片创新联合体", members=_members(), agreement=_pdf()
    )
    mr.consortium_decide(actor=officer, consortium=consortium, approve=True)
    led = make_project(officer=officer, applicant=applicant, org=lab, field=field_ai, begin=False)
    make_project(
        officer=officer,
        applicant=rival_applicant,
        org=rival,
        field=field_ai,
        begin=False,
        pi_number=7,
    )
    ApplicationConsortium.objects.create(
        application=led.application, consortium=consortium, linked_at=at(NOW)
    )

    share = mr.consortium_led_share()

    assert (share.led, share.total, share.percent) == (1, 2, Decimal("50.0"))


def test_consortium_without_members_is_refused(applicant: Any, lab: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        mr.consortium_register(
            actor=applicant, lead=lab, name="联合体", members=[], agreement=_pdf()
        )

    assert refused.value.field == "members"


def test_consortium_without_agreement_is_refused(applicant: Any, lab: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        mr.consortium_register(
            actor=applicant, lead=lab, name="联合体", members=_members(), agreement=None
        )

    assert refused.value.field == "agreement"


def test_lead_listed_as_member_is_refused(applicant: Any, lab: Any) -> None:
    members = [dm.PartnerIn(lab.uscc, lab.name, "enterprise")]

    with pytest.raises(ValidationError) as refused:
        mr.consortium_register(
            actor=applicant, lead=lab, name="联合体", members=members, agreement=_pdf()
        )

    assert refused.value.field == "members.0.uscc"


def test_registered_consortium_applies_with_its_members(
    officer: Any, applicant: Any, lab: Any, draft: Any
) -> None:
    consortium = mr.consortium_register(
        actor=applicant, lead=lab, name="芯片创新联合体", members=_members(), agreement=_pdf()
    )
    with pytest.raises(ConflictError):
        mr.application_as_consortium(actor=applicant, application=draft, consortium=consortium)
    mr.consortium_decide(actor=officer, consortium=consortium, approve=True)

    mr.application_as_consortium(actor=applicant, application=draft, consortium=consortium)

    roles = list(draft.consortium.order_by("order").values_list("role", flat=True))
    assert roles == ["lead", "member", "member"]


@pytest.mark.parametrize(
    ("led", "total", "percent"), [(258, 269, "95.9"), (0, 5, "0.0"), (3, 3, "100.0")]
)
def test_consortium_share_rounds_to_one_decimal(led: int, total: int, percent: str) -> None:
    share = dm.consortium_share(led, total, params=dm.modes_parameters(date(2026, 1, 1)))

    assert share.percent == Decimal(percent)


# --- 业主制 ------------------------------------------------------------------------------


@pytest.fixture
def owner_plan(applicant: Any, lab: Any, officer: Any) -> Any:
    plan = mo.owner_plan_create(
        actor=applicant,
        owner=lab,
        title="新型显示产业链攻关",
        plan="三个子课题",
        budget_total=Decimal("5000000.00"),
        now=at(NOW),
    )
    return mo.owner_plan_decide(actor=officer, plan=plan, approve=True, now=at(NOW))


@pytest.mark.parametrize(("second", "fits"), [("2000000.00", True), ("2000000.01", False)])
def test_owner_approves_subprojects_within_the_approved_budget(
    owner_plan: Any, applicant: Any, second: str, fits: bool
) -> None:
    first = mo.subproject_add(
        actor=applicant,
        plan=owner_plan,
        title="材料",
        undertaker="甲公司",
        amount=Decimal("3000000"),
    )
    mo.subproject_decide(actor=applicant, subproject=first, approve=True)
    other = mo.subproject_add(
        actor=applicant, plan=owner_plan, title="工艺", undertaker="乙大学", amount=Decimal(second)
    )

    if fits:
        mo.subproject_decide(actor=applicant, subproject=other, approve=True)
    else:
        with pytest.raises(ConflictError):
            mo.subproject_decide(actor=applicant, subproject=other, approve=True)

    other.refresh_from_db()
    expected = SubProjectStatus.APPROVED if fits else SubProjectStatus.PROPOSED
    assert other.status == expected


def test_owner_submits_for_audit_only_when_every_subproject_is_decided(
    owner_plan: Any, applicant: Any, officer: Any
) -> None:
    sub = mo.subproject_add(
        actor=applicant, plan=owner_plan, title="材料", undertaker="甲公司", amount=Decimal("1000")
    )
    with pytest.raises(ConflictError):
        mo.owner_submit_audit(actor=applicant, plan=owner_plan)
    mo.subproject_decide(actor=applicant, subproject=sub, approve=True)

    mo.owner_submit_audit(actor=applicant, plan=owner_plan)
    mo.owner_audit(actor=officer, plan=owner_plan, passed=True)

    owner_plan.case.refresh_from_db()
    assert owner_plan.case.stage == "audited"


def test_the_bureau_does_not_review_an_owners_subprojects(
    owner_plan: Any, applicant: Any, officer: Any
) -> None:
    sub = mo.subproject_add(
        actor=applicant, plan=owner_plan, title="材料", undertaker="甲公司", amount=Decimal("1000")
    )

    with pytest.raises(PermissionDeniedError):
        mo.subproject_decide(actor=officer, subproject=sub, approve=True)


# --- 项目经理人制 ------------------------------------------------------------------------


@pytest.fixture
def manager(bureau: Any) -> Any:
    return person(Role.PROGRAMME_OFFICER, bureau, username="manager")


def test_only_the_portfolio_manager_decides_a_gate_and_a_pass_opens_the_midterm_tranche(
    officer: Any, manager: Any, applicant: Any, lab: Any, field_ai: Any
) -> None:
    project = make_project(officer=officer, applicant=applicant, org=lab, field=field_ai)
    portfolio = mp.portfolio_create(
        actor=officer, title="智能制造项目群", manager=manager, budget_total=Decimal("3000000")
    )
    mp.portfolio_add_project(actor=officer, portfolio=portfolio, project=project)
    ex.tranche_release(actor=officer, project=project, order=1, now=at("2026-12-02 10:00"))
    gate = mp.stage_gate_request(actor=applicant, project=project, report="中期进展")
    with pytest.raises(PermissionDeniedError) as refused:
        mp.stage_gate_decide(actor=officer, gate=gate, passed=True)
    gate.case.refresh_from_db()
    assert (refused.value.code, gate.case.stage) == ("not_portfolio_manager", "gate_review")

    mp.stage_gate_decide(actor=manager, gate=gate, passed=True)
    ex.tranche_release(actor=officer, project=project, order=2)

    gate.case.refresh_from_db()
    assert gate.case.stage == "gate_passed"
    assert LedgerAccount.objects.get(code=ex.project_account(project)).balance == Decimal(
        "2400000.00"
    )


@pytest.mark.parametrize(("budget", "fits"), [("3000000.00", True), ("2999999.99", False)])
def test_portfolio_holds_projects_within_its_budget(
    officer: Any, manager: Any, applicant: Any, lab: Any, field_ai: Any, budget: str, fits: bool
) -> None:
    project = make_project(
        officer=officer, applicant=applicant, org=lab, field=field_ai, begin=False
    )
    portfolio = mp.portfolio_create(
        actor=officer, title="项目群", manager=manager, budget_total=Decimal(budget)
    )

    if fits:
        mp.portfolio_add_project(actor=officer, portfolio=portfolio, project=project)
    else:
        with pytest.raises(ConflictError):
            mp.portfolio_add_project(actor=officer, portfolio=portfolio, project=project)

    assert portfolio.projects.count() == (1 if fits else 0)


def test_portfolio_manager_must_hold_programme_rights(officer: Any, applicant: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        mp.portfolio_create(
            actor=officer, title="项目群", manager=applicant, budget_total=Decimal("1")
        )

    assert refused.value.field == "manager"
