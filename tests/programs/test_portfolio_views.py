"""项目经理人制 pages: the manager's portfolio and its stage gates. Only the named
manager decides a gate; other officers see it; applicants see no portfolio at all."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.accounts.roles import Role
from rainforest.programs.models import Portfolio, StageGate
from rainforest.programs.services import modes_portfolio as mp
from tests.conftest import sign_in
from tests.factories import person
from tests.programs.execution_support import quick_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(bureau: Any) -> Any:
    return person(Role.PROGRAMME_OFFICER, bureau, username="manager")


@pytest.fixture
def held(officer: Any, manager: Any, lab: Any, field_ai: Any) -> Any:
    """A portfolio managed by ``manager`` holding one executing project of ``lab``."""
    project = quick_project(officer=officer, org=lab, field=field_ai, number="PF-1")
    portfolio = mp.portfolio_create(
        actor=officer, title="智能制造项目群", manager=manager, budget_total=Decimal("30000000")
    )
    mp.portfolio_add_project(actor=officer, portfolio=portfolio, project=project)
    return portfolio, project


@pytest.fixture
def pending(held: Any, applicant: Any) -> Any:
    portfolio, project = held
    gate = mp.stage_gate_request(actor=applicant, project=project, report="中期目标全部完成")
    return portfolio, gate


def test_manager_sees_the_portfolio_as_theirs_and_passes_a_gate_with_reasons(
    client: Client, manager: Any, pending: Any
) -> None:
    portfolio, gate = pending
    sign_in(client, manager)
    listing = client.get("/programs/portfolios/").content.decode()
    page = client.get(f"/programs/portfolios/{portfolio.pk}/").content.decode()

    done = client.post(
        f"/programs/portfolios/{portfolio.pk}/gates/{gate.pk}/decide/",
        {"decision": "pass", "reason": "指标达到任务书要求"},
        follow=True,
    )

    gate.refresh_from_db()
    mine_table = listing.split('id="my-portfolios"')[1].split("</table>")[0]
    assert "智能制造项目群" in mine_table
    assert "中期目标全部完成" in page
    assert 'value="pass"' in page
    assert (gate.passed, gate.case.stage) == (True, "gate_passed")
    name = manager.display_name or manager.username
    assert (
        gate.decision["reasons"][0]["zh"] == f"项目经理人（{name}）决定阶段通过：指标达到任务书要求"
    )
    assert "指标达到任务书要求" in done.content.decode()


def test_another_officer_sees_the_gate_but_cannot_decide_it(
    client: Client, officer: Any, pending: Any
) -> None:
    portfolio, gate = pending
    sign_in(client, officer)
    listing = client.get("/programs/portfolios/").content.decode()
    page = client.get(f"/programs/portfolios/{portfolio.pk}/").content.decode()

    refused = client.post(
        f"/programs/portfolios/{portfolio.pk}/gates/{gate.pk}/decide/",
        {"decision": "pass", "reason": "越权"},
    )

    gate.refresh_from_db()
    gate.case.refresh_from_db()
    others_table = listing.split('id="other-portfolios"')[1].split("</table>")[0]
    assert "智能制造项目群" in others_table
    assert "中期目标全部完成" in page
    assert 'id="not-manager"' in page
    assert 'value="pass"' not in page
    assert refused.status_code == 403
    assert "只有该项目群的项目经理人可以作出阶段决策" in refused.content.decode()
    assert (gate.passed, gate.case.stage) == (None, "gate_review")


def test_failing_a_gate_needs_reasons(client: Client, manager: Any, pending: Any) -> None:
    portfolio, gate = pending
    sign_in(client, manager)

    response = client.post(
        f"/programs/portfolios/{portfolio.pk}/gates/{gate.pk}/decide/", {"decision": "fail"}
    )

    gate.refresh_from_db()
    assert response.status_code == 422
    assert f'href="#reason-{gate.pk}"' in response.content.decode()
    assert gate.passed is None


def test_a_gate_of_another_portfolio_is_not_found_here(
    client: Client, officer: Any, manager: Any, pending: Any
) -> None:
    _portfolio, gate = pending
    other = mp.portfolio_create(
        actor=officer, title="另一个项目群", manager=manager, budget_total=Decimal("1")
    )
    sign_in(client, manager)

    response = client.post(
        f"/programs/portfolios/{other.pk}/gates/{gate.pk}/decide/", {"decision": "pass"}
    )

    gate.refresh_from_db()
    assert response.status_code == 404
    assert gate.passed is None


def test_applicants_see_no_portfolio(client: Client, applicant: Any, pending: Any) -> None:
    portfolio, gate = pending
    sign_in(client, applicant)

    statuses = [
        client.get("/programs/portfolios/").status_code,
        client.get(f"/programs/portfolios/{portfolio.pk}/").status_code,
        client.post(
            f"/programs/portfolios/{portfolio.pk}/gates/{gate.pk}/decide/", {"decision": "pass"}
        ).status_code,
    ]

    gate.refresh_from_db()
    assert statuses == [404, 404, 404]
    assert gate.passed is None


def test_undertaker_asks_for_the_gate_from_the_project_page(
    client: Client, applicant: Any, rival_applicant: Any, held: Any
) -> None:
    _portfolio, project = held
    sign_in(client, rival_applicant)
    stranger = client.post(
        f"/programs/projects/{project.pk}/stage-gate/", {"gate_report": "冒名"}
    ).status_code
    sign_in(client, applicant)
    blank = client.post(f"/programs/projects/{project.pk}/stage-gate/", {"gate_report": " "})

    asked = client.post(
        f"/programs/projects/{project.pk}/stage-gate/",
        {"gate_report": "样机完成"},
        follow=True,
    )

    assert stranger == 404
    assert blank.status_code == 422
    assert 'href="#gate_report"' in blank.content.decode()
    assert list(StageGate.objects.values_list("report", "passed")) == [("样机完成", None)]
    assert "待项目经理人决定" in asked.content.decode()


def test_officer_sets_up_a_portfolio_and_puts_a_project_in_it(
    client: Client, officer: Any, manager: Any, lab: Any, field_ai: Any
) -> None:
    project = quick_project(officer=officer, org=lab, field=field_ai, number="PF-9")
    sign_in(client, officer)

    client.post(
        "/programs/portfolios/new/",
        {"title": "新能源项目群", "manager": "manager", "budget_total": "3000万"},
    )
    portfolio = Portfolio.objects.get()
    unknown = client.post(
        f"/programs/portfolios/{portfolio.pk}/projects/", {"project_number": "RDX-NOPE"}
    )
    client.post(f"/programs/portfolios/{portfolio.pk}/projects/", {"project_number": " RDX-PF-9 "})

    assert (portfolio.manager, portfolio.budget_total) == (manager, Decimal("30000000.00"))
    assert unknown.status_code == 422
    assert 'href="#project_number"' in unknown.content.decode()
    assert list(portfolio.projects.all()) == [project]


def test_portfolio_form_refuses_a_manager_without_programme_rights(
    client: Client, officer: Any, applicant: Any
) -> None:
    sign_in(client, officer)

    response = client.post(
        "/programs/portfolios/new/",
        {"title": "项目群", "manager": "applicant", "budget_total": "100"},
    )

    assert response.status_code == 422
    assert 'href="#manager"' in response.content.decode()
    assert Portfolio.objects.count() == 0


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_portfolio_list_queries_do_not_grow(
    client: Client, officer: Any, manager: Any, applicant: Any, lab: Any, field_ai: Any
) -> None:
    sign_in(client, officer)

    def portfolio_with_gate(n: int) -> None:
        project = quick_project(officer=officer, org=lab, field=field_ai, number=f"Q-{n}")
        p = mp.portfolio_create(
            actor=officer, title=f"项目群{n}", manager=manager, budget_total=Decimal("1e8")
        )
        mp.portfolio_add_project(actor=officer, portfolio=p, project=project)
        mp.stage_gate_request(actor=applicant, project=project, report="报告")

    portfolio_with_gate(1)
    one = _queries(client, "/programs/portfolios/")
    portfolio_with_gate(2)
    portfolio_with_gate(3)

    assert _queries(client, "/programs/portfolios/") == one
