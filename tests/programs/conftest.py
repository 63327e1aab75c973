"""Programme fixtures: a field, an open window, a published call, applicants in and out of
the city, and a helper that fills every section of an application."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.core.ids import make_resident_id, make_uscc
from rainforest.programs import services
from rainforest.programs.models import Field
from tests.conftest import at
from tests.factories import OrganisationFactory, person

OPENS = "2026-09-01 09:00"
CLOSES = "2026-10-30 23:59:59"
NOW = "2026-09-30 10:00"


def resident_id(n: int) -> str:
    return make_resident_id(f"44030519900101{n:03d}")


def shenzhen_uscc(n: int) -> str:
    return make_uscc(f"91440300MA5{n:06d}")


@pytest.fixture
def field_ai(db: None) -> Field:
    return Field.objects.create(code="AI", name_zh="人工智能", name_en="Artificial intelligence")


@pytest.fixture
def field_bio(db: None) -> Field:
    return Field.objects.create(code="BIO", name_zh="生物医药", name_en="Biomedicine")


@pytest.fixture
def lab(db: None) -> Any:
    return OrganisationFactory(
        name="深圳雨林实验室有限公司", kind=OrganisationKind.ENTERPRISE, uscc=shenzhen_uscc(1)
    )


@pytest.fixture
def rival(db: None) -> Any:
    return OrganisationFactory(
        name="深圳竞争者科技有限公司", kind=OrganisationKind.ENTERPRISE, uscc=shenzhen_uscc(2)
    )


@pytest.fixture
def outsider_org(db: None) -> Any:
    # 440100: Guangzhou.
    return OrganisationFactory(
        name="广州外地科技有限公司",
        kind=OrganisationKind.ENTERPRISE,
        uscc=make_uscc("91440100MA5000003"),
    )


@pytest.fixture
def applicant(lab: Any) -> Any:
    return person(Role.APPLICANT, lab, username="applicant")


@pytest.fixture
def rival_applicant(rival: Any) -> Any:
    return person(Role.APPLICANT, rival, username="rival")


@pytest.fixture
def outsider(outsider_org: Any) -> Any:
    return person(Role.APPLICANT, outsider_org, username="outsider")


def call_input(field: Any, **change: Any) -> services.CallIn:
    values: dict[str, Any] = {
        "title": "2026年人工智能重点领域研发计划",
        "field": field,
        "summary": "面向大模型推理芯片的关键技术攻关。",
        "funding_per_project": Decimal("5000000.00"),
        "funding_total": Decimal("20000000.00"),
        "projects_planned": 4,
        "opens_at": at(OPENS),
        "closes_at": at(CLOSES),
        "directions": [
            services.DirectionIn("推理芯片架构", "能效比不低于 10 TOPS/W", "芯片设计"),
        ],
        "criteria": [
            services.CriterionIn("创新性", 40),
            services.CriterionIn("可行性", 35),
            services.CriterionIn("团队", 25),
        ],
        "min_self_funding_percent": Decimal("50"),
        "max_concurrent_per_pi": 2,
        "required_attachments": ["feasibility_report"],
    }
    values.update(change)
    return services.CallIn(**values)


@pytest.fixture
def make_call(officer: Any, field_ai: Any) -> Any:
    def _make(publish: bool = True, **change: Any) -> Any:
        call = services.call_create(
            actor=officer,
            data=call_input(change.pop("field", field_ai), **change),
            now=at("2026-08-20 10:00"),
        )
        if publish:
            call = services.call_publish(actor=officer, call=call, now=at("2026-08-25 10:00"))
        return call

    return _make


@pytest.fixture
def call(make_call: Any) -> Any:
    return make_call()


@pytest.fixture
def open_call(make_call: Any) -> Any:
    """A call open today by the real clock (for pages and the API, which read it)."""
    return make_call(opens_at=at("2026-01-01 00:00"), closes_at=at("2099-12-31 23:59:59"))


def pdf_file(name: str = "报告.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n", content_type="application/pdf")


def fill(
    application: Any,
    actor: Any,
    *,
    title: str = "面向边缘推理的低功耗芯片",
    summary: str = "研制能效比达到十倍提升的边缘推理芯片，并完成流片验证。",
    pi_number: int = 1,
    fiscal: str = "3000000.00",
    own: str = "3000000.00",
    attach: bool = True,
    now: Any = None,
) -> Any:
    """Fill every section of a draft with valid answers."""
    now = now or at(NOW)
    call = application.call
    direction = call.directions.first()
    services.application_save_basic(
        actor=actor,
        application=application,
        title=title,
        summary=summary,
        start_date=date(2027, 1, 1),
        end_date=date(2029, 12, 31),
        direction_id=direction.pk if direction else None,
        now=now,
    )
    services.application_save_team(
        actor=actor,
        application=application,
        members=[
            services.MemberIn("张三", resident_id(pi_number), "深圳雨林实验室", "总体负责", True),
            services.MemberIn("李四", resident_id(pi_number + 50), "深圳雨林实验室", "芯片设计"),
        ],
        now=now,
    )
    services.application_save_consortium(
        actor=actor,
        application=application,
        partners=[
            services.PartnerIn(
                application.applicant_org.uscc, application.applicant_org.name, "lead"
            )
        ],
        now=now,
    )
    services.application_save_budget(
        actor=actor,
        application=application,
        lines=[services.BudgetIn("equipment", Decimal(fiscal), Decimal(own))],
        fiscal_total=Decimal(fiscal),
        self_total=Decimal(own),
        now=now,
    )
    services.application_save_milestones(
        actor=actor,
        application=application,
        milestones=[services.MilestoneIn("完成架构设计", date(2027, 6, 30), "设计报告")],
        now=now,
    )
    if attach:
        services.application_attach(
            actor=actor,
            application=application,
            kind="feasibility_report",
            uploaded_file=pdf_file(),
            now=now,
        )
    application.refresh_from_db()
    return application


@pytest.fixture
def draft(call: Any, applicant: Any, lab: Any) -> Any:
    return services.application_create(
        actor=applicant, call=call, organisation=lab, now=at("2026-09-10 10:00")
    )


@pytest.fixture
def submitted(draft: Any, applicant: Any) -> Any:
    fill(draft, applicant)
    return services.application_submit(actor=applicant, application=draft, now=at(NOW))


@pytest.fixture
def open_draft(open_call: Any, applicant: Any, lab: Any) -> Any:
    return services.application_create(
        actor=applicant, call=open_call, organisation=lab, now=at("2026-09-10 10:00")
    )
