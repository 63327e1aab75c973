"""The leadership dashboard's share of consortium-led projects (创新联合体牵头项目占比),
registered by ``programs/insights_hooks.py``: on the page, in the xlsx and in the API.

Approved projects, by year of approval and field (the application was filed in March of
the same year):

| project | year | field | applied as a registered consortium |
| ------- | ---- | ----- | ---------------------------------- |
| S-1     | 2024 | AI    | yes                                |
| S-2     | 2024 | AI    | yes                                |
| S-3     | 2024 | AI    | no (plain application)             |
| S-4     | 2024 | BIO   | yes                                |
| S-5     | 2025 | BIO   | yes                                |
| S-6     | 2025 | BIO   | no (its lead has a consortium, but did not apply as it)     |

2024: 3 of 4 = 75.0%; 2025: 1 of 2 = 50.0%; all years: 4 of 6 = 66.7%.
AI: 2 of 3 = 66.7% (2024 only). BIO: 2024 1 of 1 = 100.0%, 2025 1 of 2 = 50.0%.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from rainforest.accounts.roles import Role
from rainforest.cases.models import Case
from rainforest.insights.selectors import ShareRow, cycle_times, resolve_filters
from rainforest.programs import domain_modes as dm
from rainforest.programs.models import ApplicationConsortium, Project
from rainforest.programs.services import modes_registrations as mr
from tests.conftest import at, sign_in
from tests.factories import person
from tests.programs.conftest import shenzhen_uscc
from tests.programs.execution_support import quick_project

pytestmark = pytest.mark.django_db

PROCESS = "programs_application"
ROWS = [  # number, year, field, consortium-led
    ("S-1", 2024, "ai", True),
    ("S-2", 2024, "ai", True),
    ("S-3", 2024, "ai", False),
    ("S-4", 2024, "bio", True),
    ("S-5", 2025, "bio", True),
    ("S-6", 2025, "bio", False),
]


@pytest.fixture
def leader(bureau: Any) -> Any:
    return person(Role.ADMINISTRATOR, bureau, username="leader")


@pytest.fixture
def world(officer: Any, applicant: Any, lab: Any, field_ai: Any, field_bio: Any) -> Any:
    consortium = mr.consortium_register(
        actor=applicant,
        lead=lab,
        name="芯片创新联合体",
        members=[dm.PartnerIn(shenzhen_uscc(51), "深圳大学", "university")],
        agreement=SimpleUploadedFile("协议.pdf", b"%PDF-1.4\n", content_type="application/pdf"),
    )
    mr.consortium_decide(actor=officer, consortium=consortium, approve=True)
    fields = {"ai": field_ai, "bio": field_bio}
    for number, year, field, led in ROWS:
        project = quick_project(officer=officer, org=lab, field=fields[field], number=number)
        Case.objects.filter(pk=project.application.case_id).update(
            created_at=at(f"{year}-03-01 10:00")
        )
        if led:
            ApplicationConsortium.objects.create(
                application=project.application, consortium=consortium, linked_at=at("2024-01-01")
            )
        Project.objects.filter(pk=project.pk).update(approved_at=at(f"{year}-06-15 10:00"))
    return fields


def _share(user: Any, **filters: Any) -> Any:
    resolved, _options = resolve_filters(user, process=PROCESS, **filters)
    board = cycle_times(user, resolved)
    (block,) = [p for p in board.processes if p.code == PROCESS]
    (share,) = block.shares
    assert (share.code, share.numerator_zh, share.denominator_zh) == (
        "consortium_led",
        "联合体牵头项目数",
        "立项项目数",
    )
    return share


def test_share_by_year_with_its_numerator_and_denominator(world: Any, leader: Any) -> None:
    share = _share(leader)

    assert share.years == [
        ShareRow(2024, 3, 4, Decimal("75.0")),
        ShareRow(2025, 1, 2, Decimal("50.0")),
    ]
    assert share.total == ShareRow(None, 4, 6, Decimal("66.7"))


def test_share_for_one_year(world: Any, leader: Any) -> None:
    share = _share(leader, year=2025)

    assert share.years == [ShareRow(2025, 1, 2, Decimal("50.0"))]
    assert share.total == ShareRow(2025, 1, 2, Decimal("50.0"))


@pytest.mark.parametrize(
    ("field", "years", "total"),
    [
        ("ai", [ShareRow(2024, 2, 3, Decimal("66.7"))], ShareRow(None, 2, 3, Decimal("66.7"))),
        (
            "bio",
            [ShareRow(2024, 1, 1, Decimal("100.0")), ShareRow(2025, 1, 2, Decimal("50.0"))],
            ShareRow(None, 2, 3, Decimal("66.7")),
        ),
    ],
)
def test_share_by_field(
    world: Any, leader: Any, field: str, years: list[ShareRow], total: ShareRow
) -> None:
    share = _share(leader, dimension="field", value=str(world[field].pk))

    assert (share.years, share.total) == (years, total)


def test_share_with_no_project_has_no_percentage(leader: Any) -> None:
    share = _share(leader)

    assert (share.years, share.total) == ([], ShareRow(None, 0, 0, None))


def test_consortium_page_and_api_give_the_same_figure(
    client: Client, world: Any, officer: Any
) -> None:
    share = mr.consortium_led_share(year=2024)
    sign_in(client, officer)

    api = client.get("/api/v1/programs/consortia/share", {"year": 2024}).json()

    assert (share.led, share.total, share.percent) == (3, 4, Decimal("75.0"))
    assert (api["led"], api["total"], api["percent"]) == (3, 4, "75.0")


def test_dashboard_page_shows_the_share_beside_its_counts(
    client: Client, world: Any, leader: Any
) -> None:
    sign_in(client, leader)

    page = client.get("/insights/", {"process": PROCESS, "year": "2024"}).content.decode()

    assert "创新联合体牵头项目占比" in page
    assert "<strong>75.0%</strong>" in page
    assert "（联合体牵头项目数 3 / 立项项目数 4）" in page
    assert 'id="chart-programs_application-share-consortium_led"' in page


def test_dashboard_export_has_the_share_sheet(client: Client, world: Any, leader: Any) -> None:
    sign_in(client, leader)

    response = client.get("/insights/cycle-times.xlsx", {"process": PROCESS})

    book = load_workbook(BytesIO(response.content))
    rows = [tuple(r) for r in book["占比"].iter_rows(values_only=True)]
    name = "创新联合体牵头项目占比"
    process = "重点领域研发计划项目"
    assert rows[1:] == [
        (process, name, 2024, "联合体牵头项目数", 3, "立项项目数", 4, 75),
        (process, name, 2025, "联合体牵头项目数", 1, "立项项目数", 2, 50),
        (process, name, "合计", "联合体牵头项目数", 4, "立项项目数", 6, 66.7),
    ]


def test_dashboard_api_has_the_share(client: Client, world: Any, leader: Any) -> None:
    sign_in(client, leader)

    body = client.get(
        "/api/v1/insights/cycle-times",
        {"process": PROCESS, "dimension": "field", "value": str(world["bio"].pk)},
    ).json()

    (block,) = body["processes"]
    (share,) = block["shares"]
    assert share["code"] == "consortium_led"
    assert (share["numerator_zh"], share["denominator_zh"]) == ("联合体牵头项目数", "立项项目数")
    assert share["years"] == [
        {"year": 2024, "numerator": 1, "denominator": 1, "percent": 100.0},
        {"year": 2025, "numerator": 1, "denominator": 2, "percent": 50.0},
    ]
    assert share["total"] == {"year": None, "numerator": 2, "denominator": 3, "percent": 66.7}
