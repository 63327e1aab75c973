"""Pages of execution and of the modes: who sees what, forms that say what went wrong,
list pages whose query count does not grow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.programs.models import ChangeRequest, NationalProject
from rainforest.programs.services import modes
from tests.conftest import sign_in
from tests.programs.execution_support import quick_project

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _challenge(officer: Any, n: int) -> Any:
    later = timezone.now().replace(year=2098)
    c = modes.challenge_create(
        actor=officer,
        title=f"榜{n}",
        goal="目标",
        funding_per_team=Decimal("1000"),
        max_teams=2,
        takeup_closes_at=later,
        gates=[modes.GateIn("一", later.replace(year=2099), Decimal("1"))],
    )
    return modes.challenge_publish(actor=officer, challenge=c)


def test_project_page_for_the_undertaker_and_404_for_another(
    client: Client, officer: Any, applicant: Any, rival_applicant: Any, lab: Any, field_ai: Any
) -> None:
    project = quick_project(officer=officer, org=lab, field=field_ai, number="V-1")
    sign_in(client, applicant)
    own = client.get(f"/programs/projects/{project.pk}/")
    sign_in(client, rival_applicant)
    other = client.get(f"/programs/projects/{project.pk}/")

    assert own.status_code == 200
    assert "申请项目变更" in own.content.decode()
    assert other.status_code == 404


def test_project_list_page_queries_do_not_grow(
    client: Client, officer: Any, lab: Any, field_ai: Any
) -> None:
    sign_in(client, officer)
    quick_project(officer=officer, org=lab, field=field_ai, number="V-1")
    one = _queries(client, "/programs/projects/")
    quick_project(officer=officer, org=lab, field=field_ai, number="V-2")
    quick_project(officer=officer, org=lab, field=field_ai, number="V-3")

    assert _queries(client, "/programs/projects/") == one


def test_challenge_list_page_queries_do_not_grow(client: Client, officer: Any) -> None:
    _challenge(officer, 1)
    one = _queries(client, "/programs/public/challenges/")
    _challenge(officer, 2)
    _challenge(officer, 3)

    assert _queries(client, "/programs/public/challenges/") == one


def test_officer_releases_a_tranche_from_the_page(
    client: Client, officer: Any, lab: Any, field_ai: Any
) -> None:
    project = quick_project(officer=officer, org=lab, field=field_ai, number="V-1")
    sign_in(client, officer)

    response = client.post(f"/programs/projects/{project.pk}/tranches/1/release/", follow=True)
    again = client.post(f"/programs/projects/{project.pk}/tranches/1/release/")

    assert "第 1 期资金已拨付" in response.content.decode()
    assert again.status_code == 409
    assert "已经拨付" in again.content.decode()


def test_change_form_shows_the_problem_and_writes_nothing(
    client: Client, officer: Any, applicant: Any, lab: Any, field_ai: Any
) -> None:
    project = quick_project(officer=officer, org=lab, field=field_ai, number="V-1")
    sign_in(client, applicant)

    response = client.post(
        f"/programs/projects/{project.pk}/changes/new/",
        {"kind": "schedule", "description": "", "extension_months": "3"},
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "<title>错误：" in page
    assert "存在以下问题" in page
    assert 'href="#description"' in page
    assert ChangeRequest.objects.count() == 0


def test_a_team_page_is_hidden_from_another_team(
    client: Client, officer: Any, applicant: Any, rival_applicant: Any, lab: Any
) -> None:
    challenge = _challenge(officer, 1)
    team = modes.challenge_take_up(
        actor=applicant, challenge=challenge, organisation=lab, leader_name="张三", plan="方案"
    )
    sign_in(client, rival_applicant)

    assert client.get(f"/programs/challenge-teams/{team.pk}/").status_code == 404


def test_take_up_from_the_page_opens_the_teams_case(
    client: Client, officer: Any, applicant: Any
) -> None:
    challenge = _challenge(officer, 1)
    sign_in(client, applicant)

    response = client.post(
        f"/programs/challenges/{challenge.pk}/take-up/",
        {"leader_name": "张三", "plan": "硫化物路线"},
        follow=True,
    )

    assert "待答辩遴选" in response.content.decode()


def test_national_registration_page_gives_the_matching_amount(
    client: Client, applicant: Any
) -> None:
    sign_in(client, applicant)

    response = client.post(
        "/programs/national/new/",
        {
            "programme": "国家重点研发计划",
            "number": "2026YFD0001",
            "title": "项目",
            "national_funding": "1,000万",
            "period_start": "2026-01-01",
            "period_end": "2098-12-31",
            "landed_in_shenzhen": "yes",
            "proof": SimpleUploadedFile("p.pdf", b"%PDF-1.4\n", content_type="application/pdf"),
        },
        follow=True,
    )

    assert response.status_code == 200
    assert NationalProject.objects.get().matching_amount == Decimal("10000000.00")


def test_consortium_form_names_the_bad_member_code(client: Client, applicant: Any) -> None:
    sign_in(client, applicant)

    response = client.post(
        "/programs/consortia/new/",
        {"name": "联合体", "members-0-uscc": "91440300MA5XXXXXXX", "members-0-name": "大学"},
    )

    assert response.status_code == 422
    assert 'href="#members-0-uscc"' in response.content.decode()


def test_terminate_from_the_case_page_points_to_the_project_page(
    client: Client, officer: Any, lab: Any, field_ai: Any
) -> None:
    project = quick_project(officer=officer, org=lab, field=field_ai, number="V-1")
    sign_in(client, officer)
    case = project.application.case

    response = client.post(f"/cases/{case.pk}/act/", {"action": "terminate", "reason": "不做了"})

    case.refresh_from_db()
    assert response.status_code == 409
    assert project.number in response.content.decode()
    assert case.stage == "executing"


def test_selecting_a_team_from_the_case_page_goes_through_the_service(
    client: Client, officer: Any, applicant: Any, lab: Any
) -> None:
    challenge = _challenge(officer, 1)
    team = modes.challenge_take_up(
        actor=applicant, challenge=challenge, organisation=lab, leader_name="张三", plan="方案"
    )
    sign_in(client, officer)

    client.post(f"/cases/{team.case_id}/act/", {"action": "select", "reason": ""})

    team.refresh_from_db()
    assert (team.status, team.case.stage, team.account != "") == ("active", "running", True)
