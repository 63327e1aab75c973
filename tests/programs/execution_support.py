"""Helpers for the execution and mode tests: an approved, signed, executing project.

Stages 6-9 have their own services and tests; here the application's case is moved to
``executing`` directly with the engine (the guards' flags given), and the project and its
signed contract are written as the approval would leave them. Everything after that goes
through the services under test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rainforest.cases.services import case_transition
from rainforest.programs import services
from rainforest.programs.models import Project, ProjectStatus, TaskContract
from rainforest.programs.services.execution import execution_begin
from tests.conftest import at
from tests.programs.conftest import call_input, fill

SIGNED = "2026-12-01 10:00"

_seq = {"n": 0}


def make_project(
    *,
    officer: Any,
    applicant: Any,
    org: Any,
    field: Any,
    amount: str = "3000000.00",
    mode: str = "standard",
    milestones: tuple[tuple[str, date], ...] = (("完成架构设计", date(2027, 6, 30)),),
    begin: bool = True,
    pi_number: int = 1,
    lines: tuple[tuple[str, str], ...] = (),
) -> Project:
    """A project of ``org`` approved for ``amount`` and (with ``begin``) executing."""
    _seq["n"] += 1
    n = _seq["n"]
    call = services.call_create(
        actor=officer,
        data=call_input(
            field,
            title=f"测试指南{n}",
            organisation_mode=mode,
            funding_total=Decimal("50000000.00"),
            funding_per_project=Decimal("10000000.00"),
        ),
        now=at("2026-08-20 10:00"),
    )
    call = services.call_publish(actor=officer, call=call, now=at("2026-08-25 10:00"))
    application = services.application_create(
        actor=applicant, call=call, organisation=org, now=at("2026-09-10 10:00")
    )
    fill(application, applicant, fiscal=amount, own=amount, pi_number=pi_number)
    if lines:
        services.application_save_budget(
            actor=applicant,
            application=application,
            lines=[services.BudgetIn(c, Decimal(a), Decimal(a)) for c, a in lines],
            fiscal_total=sum((Decimal(a) for _c, a in lines), Decimal("0.00")),
            self_total=sum((Decimal(a) for _c, a in lines), Decimal("0.00")),
            now=at("2026-09-30 10:00"),
        )
    services.application_save_milestones(
        actor=applicant,
        application=application,
        milestones=[services.MilestoneIn(t, d, "交付物") for t, d in milestones],
        now=at("2026-09-30 10:00"),
    )
    application = services.application_submit(
        actor=applicant, application=application, now=at("2026-09-30 10:00")
    )
    case = application.case
    flags = {"scores_complete": True, "notice_over_and_settled": True, "contract_signed": True}
    for action, when in (
        ("pass", "2026-10-09 10:00"),
        ("finish_review", "2026-10-20 10:00"),
        ("propose", "2026-10-27 10:00"),
        ("close_notice", "2026-11-05 10:00"),
    ):
        case_transition(case=case, action=action, actor=officer, context=flags, now=at(when))
    project = Project.objects.create(
        application=application,
        call=call,
        number=f"RDX-2026-{n:04d}",
        title=application.title,
        lead_org=org,
        organisation_mode=mode,
        pi_name="张三",
        pi_id_number=application.pi_id_number,
        approved_amount=Decimal(amount),
        approved_at=at("2026-11-10 10:00"),
        approved_by=officer,
        start_date=date(2027, 1, 1),
        end_date=date(2029, 12, 31),
    )
    TaskContract.objects.create(
        project=project,
        number=f"RWS-2026-{n:04d}",
        generated_at=at("2026-11-20 10:00"),
        signed_at=at(SIGNED),
    )
    case_transition(case=case, action="start", actor=officer, context=flags, now=at(SIGNED))
    if begin:
        execution_begin(actor=officer, project=project, now=at(SIGNED))
    else:
        Project.objects.filter(pk=project.pk).update(status=ProjectStatus.EXECUTING)
    project.refresh_from_db()
    return project


def quick_project(
    *, officer: Any, org: Any, field: Any, amount: str = "3000000.00", number: str = "Q-1"
) -> Project:
    """The same executing project, written directly: for tests about pages and the API
    that do not need the earlier stages' history."""
    from rainforest.cases.models import Case
    from rainforest.cases.services import case_open
    from rainforest.programs.models import Application, ApplicationStatus, Call, Milestone
    from rainforest.programs.process import APPLICATION

    call = Call.objects.create(
        number=f"ZN-{number}",
        title="快速指南",
        field=field,
        funding_per_project=Decimal("10000000.00"),
        funding_total=Decimal("50000000.00"),
        projects_planned=5,
        max_concurrent_per_pi=2,
        opens_at=at("2026-08-25 10:00"),
        closes_at=at("2026-09-30 10:00"),
        limits_version="test",
        notice_period_workdays=5,
        status="published",
        created_by=officer,
        created_at=at("2026-08-20 10:00"),
    )
    application = Application.objects.create(
        call=call,
        applicant_org=org,
        created_by=officer,
        created_at=at("2026-09-10 10:00"),
        updated_at=at("2026-09-10 10:00"),
        status=ApplicationStatus.SUBMITTED,
        title=f"项目{number}",
        fiscal_total=Decimal(amount),
        self_total=Decimal(amount),
    )
    Milestone.objects.create(
        application=application,
        title="完成架构设计",
        due_date=date(2027, 6, 30),
        deliverables="报告",
    )
    case = case_open(
        process_code=APPLICATION,
        actor=officer,
        owner_org=org,
        title=application.title,
        now=at("2026-09-30 10:00"),
    )
    Case.objects.filter(pk=case.pk).update(stage="executing", due_at=None)
    Application.objects.filter(pk=application.pk).update(case=case)
    application.refresh_from_db()
    project = Project.objects.create(
        application=application,
        call=call,
        number=f"RDX-{number}",
        title=application.title,
        lead_org=org,
        organisation_mode="standard",
        pi_name="张三",
        pi_id_number="",
        approved_amount=Decimal(amount),
        approved_at=at("2026-11-10 10:00"),
        approved_by=officer,
        start_date=date(2027, 1, 1),
        end_date=date(2029, 12, 31),
    )
    TaskContract.objects.create(
        project=project, number=f"RWS-{number}", generated_at=at(SIGNED), signed_at=at(SIGNED)
    )
    execution_begin(actor=officer, project=project, now=at(SIGNED))
    project.refresh_from_db()
    return project
