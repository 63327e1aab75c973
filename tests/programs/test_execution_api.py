"""The execution and mode endpoints: what each person sees, amounts as decimal strings,
and list endpoints whose query count does not grow with the rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.programs import domain_modes as dm
from rainforest.programs.services import modes
from rainforest.programs.services import modes_registrations as mr
from tests.conftest import sign_in
from tests.programs.conftest import shenzhen_uscc
from tests.programs.execution_support import quick_project

pytestmark = pytest.mark.django_db

P = "/api/v1/programs"


def _later(years: int = 2098) -> Any:
    return timezone.now().replace(year=years)


def _challenge(officer: Any, n: int, publish: bool = True) -> Any:
    c = modes.challenge_create(
        actor=officer,
        title=f"榜{n}",
        goal="目标",
        funding_per_team=Decimal("1000"),
        max_teams=2,
        takeup_closes_at=_later(),
        gates=[modes.GateIn("一", _later(2099), Decimal("1"))],
    )
    return modes.challenge_publish(actor=officer, challenge=c) if publish else c


def _count(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


# --- projects -------------------------------------------------------------------------


def test_project_list_queries_do_not_grow(
    client: Client, officer: Any, applicant: Any, lab: Any, field_ai: Any
) -> None:
    sign_in(client, applicant)
    quick_project(officer=officer, org=lab, field=field_ai, number="L-1")
    one, rows_one = _count(client, f"{P}/projects")
    for n in (2, 3):
        quick_project(officer=officer, org=lab, field=field_ai, number=f"L-{n}")

    three, rows_three = _count(client, f"{P}/projects")

    assert (len(rows_one), len(rows_three)) == (1, 3)
    assert one == three


def test_applicant_never_sees_another_applicants_project(
    client: Client, officer: Any, rival_applicant: Any, lab: Any, field_ai: Any
) -> None:
    project = quick_project(officer=officer, org=lab, field=field_ai, number="S-1")
    sign_in(client, rival_applicant)

    listed = client.get(f"{P}/projects").json()
    detail = client.get(f"{P}/projects/{project.pk}")

    assert listed == []
    assert detail.status_code == 404


def test_release_through_the_api_answers_decimal_strings(
    client: Client, officer: Any, lab: Any, field_ai: Any
) -> None:
    project = quick_project(officer=officer, org=lab, field=field_ai, number="R-1")
    sign_in(client, officer)

    body = client.post(f"{P}/projects/{project.pk}/tranches/1/release").json()

    assert body["released_total"] == "1200000.00"
    assert [t["amount"] for t in body["tranches"]] == ["1200000.00", "1200000.00", "600000.00"]
    assert [t["gate"] for t in body["tranches"]] == [
        "contract_signed",
        "midterm_accepted",
        "final_accepted",
    ]


def test_change_request_through_the_api_is_routed(
    client: Client, officer: Any, applicant: Any, lab: Any, field_ai: Any
) -> None:
    project = quick_project(officer=officer, org=lab, field=field_ai, number="C-1")
    sign_in(client, applicant)

    response = client.post(
        f"{P}/projects/{project.pk}/changes",
        data={"kind": "schedule", "description": "推迟", "extension_months": 6},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert [c["route"] for c in response.json()["changes"]] == ["officer_approval"]


# --- challenges -----------------------------------------------------------------------


def test_public_challenge_list_shows_published_lists_only(client: Client, officer: Any) -> None:
    _challenge(officer, 1)
    _challenge(officer, 2, publish=False)

    titles = [c["title"] for c in client.get(f"{P}/challenges").json()]

    assert titles == ["榜1"]


def test_challenge_list_queries_do_not_grow(client: Client, officer: Any) -> None:
    _challenge(officer, 1)
    one, _ = _count(client, f"{P}/challenges")
    _challenge(officer, 2)
    _challenge(officer, 3)

    three, rows = _count(client, f"{P}/challenges")

    assert len(rows) == 3
    assert one == three


def test_a_team_sees_its_own_reports_only(
    client: Client,
    officer: Any,
    applicant: Any,
    rival_applicant: Any,
    lab: Any,
    rival: Any,
) -> None:
    challenge = _challenge(officer, 1)
    mine = modes.challenge_take_up(
        actor=applicant, challenge=challenge, organisation=lab, leader_name="张三", plan="甲方案"
    )
    theirs = modes.challenge_take_up(
        actor=rival_applicant,
        challenge=challenge,
        organisation=rival,
        leader_name="赵六",
        plan="乙方案",
    )
    for team in (mine, theirs):
        modes.team_select(actor=officer, team=team, selected=True)
    gate = challenge.gates.get()
    modes.gate_report_submit(actor=rival_applicant, team=theirs, gate=gate, body="对手的秘密进展")
    sign_in(client, applicant)

    own = client.get(f"{P}/challenge-teams/{mine.pk}").json()
    other = client.get(f"{P}/challenge-teams/{theirs.pk}")

    assert own["reports"] == []
    assert other.status_code == 404
    assert "对手的秘密进展" not in other.content.decode()


# --- registrations --------------------------------------------------------------------


def _pdf() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.pdf", b"%PDF-1.4\n% x\n", content_type="application/pdf")


def test_national_list_queries_do_not_grow_and_hide_others(
    client: Client, applicant: Any, rival_applicant: Any, lab: Any, rival: Any
) -> None:
    def register(actor: Any, org: Any, n: int) -> None:
        mr.national_register(
            actor=actor,
            organisation=org,
            programme="国家重点研发计划",
            number=f"N{n}",
            title="项目",
            national_funding=Decimal("100"),
            period_start=timezone.localdate(),
            period_end=_later().date(),
            landed_in_shenzhen=True,
            proof=_pdf(),
        )

    register(rival_applicant, rival, 0)
    register(applicant, lab, 1)
    sign_in(client, applicant)
    one, _ = _count(client, f"{P}/national-projects")
    register(applicant, lab, 2)
    register(applicant, lab, 3)

    three, rows = _count(client, f"{P}/national-projects")

    assert sorted(r["number"] for r in rows) == ["N1", "N2", "N3"]
    assert one == three


def test_national_registration_through_the_api_gives_the_matching_amount(
    client: Client, applicant: Any
) -> None:
    sign_in(client, applicant)

    response = client.post(
        f"{P}/national-projects",
        data={
            "programme": "国家重点研发计划",
            "number": "2026YFC0001",
            "title": "项目",
            "national_funding": "1000万",
            "period_start": "2026-01-01",
            "period_end": "2098-12-31",
            "landed_in_shenzhen": "true",
            "proof": _pdf(),
        },
    )

    assert response.status_code == 201, response.json()
    assert response.json()["matching_amount"] == "10000000.00"


def test_consortium_list_queries_do_not_grow(client: Client, applicant: Any, lab: Any) -> None:
    def register(n: int) -> None:
        mr.consortium_register(
            actor=applicant,
            lead=lab,
            name=f"联合体{n}",
            members=[dm.PartnerIn(shenzhen_uscc(50 + n), "大学", "university")],
            agreement=_pdf(),
        )

    register(1)
    sign_in(client, applicant)
    one, _ = _count(client, f"{P}/consortia")
    register(2)
    register(3)

    three, rows = _count(client, f"{P}/consortia")

    assert len(rows) == 3
    assert one == three
