"""Review fixtures: a call with applications in expert review, and a pool of experts.

Applications are made with the ORM and moved to expert review through the case engine
(the programme's own services are tested in tests/programs); review only reads them
through its adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.cases.services import case_open, case_transition
from rainforest.core.ids import make_resident_id, make_uscc
from tests.conftest import at
from tests.factories import OrganisationFactory, person

REVIEW_NOW = "2026-09-30 10:00"


def rid(n: int) -> str:
    return make_resident_id(f"44030519800101{n:03d}")


def org_uscc(n: int) -> str:
    return make_uscc(f"91440300MA6{n:06d}")


@dataclass
class World:
    call: Any
    applications: list[Any]
    applicants: list[Any]
    experts: list[Any]
    expert_users: list[Any]
    officer: Any


def make_call(officer: Any, *, code: str = "AI", number: str = "RV-2026-01") -> Any:
    from rainforest.programs.models import Call, Field, ReviewCriterion

    field, _ = Field.objects.get_or_create(code=code, defaults={"name_zh": "人工智能"})
    call = Call.objects.create(
        number=number,
        title="2026年人工智能芯片",
        field=field,
        funding_per_project=Decimal("5000000.00"),
        funding_total=Decimal("20000000.00"),
        projects_planned=4,
        max_concurrent_per_pi=2,
        opens_at=at("2026-08-01 09:00"),
        closes_at=at("2026-09-01 09:00"),
        stage_limits={"expert_review": 15},
        limits_version="2025.1",
        notice_period_workdays=5,
        status="published",
        created_by=officer,
        created_at=at("2026-07-01 09:00"),
    )
    for order, (name, weight) in enumerate(
        [("创新性", 30), ("可行性", 25), ("团队", 20), ("效益", 25)]
    ):
        ReviewCriterion.objects.create(call=call, order=order, name=name, weight=weight)
    return call


def make_application(call: Any, officer: Any, *, n: int, title: str = "") -> tuple[Any, Any]:
    from rainforest.programs.models import Application, ConsortiumMember, TeamMember

    org = OrganisationFactory(
        name=f"申报单位{n}有限公司", kind=OrganisationKind.ENTERPRISE, uscc=org_uscc(n)
    )
    applicant = person(Role.APPLICANT, org, username=f"applicant{n}")
    case = case_open(
        process_code="programs_application",
        actor=applicant,
        owner_org=org,
        title=title or f"低功耗推理芯片{n}",
        now=at("2026-09-01 10:00"),
    )
    case = case_transition(case=case, action="pass", actor=officer, now=at("2026-09-10 10:00"))
    app = Application.objects.create(
        call=call,
        applicant_org=org,
        created_by=applicant,
        created_at=at("2026-08-20 10:00"),
        updated_at=at("2026-08-20 10:00"),
        case=case,
        status="submitted",
        title=title or f"低功耗推理芯片{n}",
        summary="面向大模型推理的低功耗芯片架构与流片验证。",
        pi_id_number=rid(100 + n),
        submitted_at=at(f"2026-08-{10 + n:02d} 10:00"),
    )
    TeamMember.objects.create(
        application=app,
        is_pi=True,
        name=f"负责人{n}",
        id_number=rid(100 + n),
        organisation_name=org.name,
        role="总体负责",
    )
    ConsortiumMember.objects.create(application=app, uscc=org.uscc, name=org.name, role="lead")
    return app, applicant


def make_experts(count: int, *, start: int = 0, field: str = "AI") -> tuple[list[Any], list[Any]]:
    from rainforest.review.models import Expert, ExpertStatus

    experts, users = [], []
    for j in range(start, start + count):
        org = OrganisationFactory(
            name=f"专家单位{j}", kind=OrganisationKind.UNIVERSITY, uscc=org_uscc(500 + j)
        )
        user = person(Role.EXPERT, org, username=f"expert{j}")
        experts.append(
            Expert.objects.create(
                user=user,
                name=f"专家{j}",
                id_number=rid(300 + j),
                employer_uscc=org.uscc,
                employer_name=org.name,
                title="教授",
                fields=[field],
                keywords=["芯片", "人工智能"],
                status=ExpertStatus.ACTIVE,
                created_at=at("2026-01-01 09:00"),
            )
        )
        users.append(user)
    return experts, users


@pytest.fixture
def world(officer: Any) -> World:
    call = make_call(officer)
    apps, applicants = [], []
    for n in range(1, 4):
        app, applicant = make_application(call, officer, n=n)
        apps.append(app)
        applicants.append(applicant)
    experts, users = make_experts(8)
    return World(call, apps, applicants, experts, users, officer)


def make_panel(world: World, **change: Any) -> Any:
    """A meeting-review panel for the world's call: chair expert 0, experts 1–4, all three
    applications, a session that has started (so scores may be recorded)."""
    from rainforest.review import services

    values: dict[str, Any] = {
        "actor": world.officer,
        "call_ref": str(world.call.pk),
        "name": "会评一组",
        "chair": world.experts[0],
        "members": world.experts[1:5],
        "session_at": at("2026-01-05 09:00"),
        "place": "科技局 301 会议室",
        "item_refs": [str(a.pk) for a in world.applications],
        "now": at("2026-01-01 09:00"),
    }
    return services.panel_create(**{**values, **change})


def import_row(n: int, **change: str) -> list[str]:
    """One good row of the expert import, in the template's column order."""
    from rainforest.review.services import IMPORT_COLUMNS

    values = {
        "name": f"导入专家{n}",
        "id_number": rid(700 + n),
        "employer_uscc": org_uscc(700 + n),
        "employer_name": "某大学",
        "title": "研究员",
        "fields": "AI",
        "keywords": "芯片",
        "email": "",
    }
    values.update(change)
    return [values[code] for code, _ in IMPORT_COLUMNS]


def import_xlsx(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    """An xlsx with the import template's header (or ``header``) and ``rows``."""
    import io

    from openpyxl import Workbook

    from rainforest.review.services import IMPORT_COLUMNS

    book = Workbook()
    sheet = book.active
    sheet.append(header or [zh for _, zh in IMPORT_COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
