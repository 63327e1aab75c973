"""Stages 6-9 pages: the public notice and objection form without login, staff pages for
scores, ranking and the notice, the project's contract page; who sees what."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.cases.models import Case
from rainforest.programs.models import Objection, Signature
from rainforest.programs.services import contract, decision, notice, ranking
from tests.conftest import at, sign_in
from tests.programs.decision_world import (
    AFTER_NOTICE,
    EXPERTS,
    passed,
    published,
    ranked,
    submit,
)

pytestmark = pytest.mark.django_db

GROUNDS = "该项目负责人同期承担的项目与申报内容高度重复，请核查是否重复申报。"


def _title(response: Any) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match is not None
    return match.group(1).strip()


def _summary_links(response: Any) -> list[str]:
    html = response.content.decode()
    match = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert match is not None, "no error summary"
    return re.findall(r'<a href="#([^"]+)">', match.group(0))


@pytest.fixture
def world(call: Any, officer: Any, applicant: Any, lab: Any, rival_applicant: Any, rival: Any):
    return ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])


@pytest.fixture
def live_notice(world: Any, officer: Any) -> Any:
    """A notice published now by the real clock, so the public form accepts objections."""
    return notice.notice_publish(actor=officer, call=world.call, now=timezone.now())


# --- public pages ---------------------------------------------------------------------


def test_public_notice_readable_without_login(client: Client, live_notice: Any, world: Any) -> None:
    listing = client.get("/programs/public/notices/")
    detail = client.get(f"/programs/public/notices/{live_notice.pk}/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    html = detail.content.decode()
    assert [a.case.number in html for a in world.apps] == [True, True, True]
    # The public page never shows scores or experts.
    assert [name in html for name in EXPERTS] == [False, False, False]
    assert "90.00" not in html


def test_objection_form_shows_every_problem_at_its_field(client: Client, live_notice: Any) -> None:
    response = client.post(
        f"/programs/public/notices/{live_notice.pk}/object/",
        {"application_number": "", "objector_name": "", "contact": "明天", "grounds": "太短"},
    )

    assert response.status_code == 422
    assert _title(response).startswith("错误：")
    assert _summary_links(response) == [
        "id_application_number",
        "id_objector_name",
        "id_contact",
        "id_grounds",
    ]
    assert Objection.objects.count() == 0


def test_objection_lodged_without_login_gets_a_number(
    client: Client, live_notice: Any, world: Any
) -> None:
    number = world.apps[0].case.number

    response = client.post(
        f"/programs/public/notices/{live_notice.pk}/object/",
        {
            "application_number": number,
            "objector_name": "王某",
            "contact": "0755-88888888",
            "grounds": GROUNDS,
        },
    )

    objection = Objection.objects.get()
    assert response.status_code == 200
    assert objection.case.number in response.content.decode()
    assert (objection.name, objection.contact, objection.submitted_by) == (
        "王某",
        "0755-88888888",
        None,
    )
    # The contact is not on the public page.
    assert (
        "0755-88888888"
        not in client.get(f"/programs/public/notices/{live_notice.pk}/").content.decode()
    )


@pytest.mark.parametrize("n", [1, 3])
def test_public_notice_list_query_count(
    client: Client, make_call: Any, officer: Any, applicant: Any, lab: Any, n: int
) -> None:
    for i in range(n):
        call = make_call()
        app = passed(officer, submit(call, applicant, lab, pi_number=20 + i, title=f"课题{i}"))
        decision.expert_assign(
            actor=officer, application=app, experts=[decision.ExpertIn("专家甲")]
        )
        decision.expert_scores_record(
            actor=officer,
            application=app,
            expert_name="专家甲",
            scores={c.pk: 80 for c in call.criteria.all()},
        )
        decision.expert_review_finish(actor=officer, application=app)
        ranking.ranking_draw(actor=officer, call=call)
        notice.notice_publish(actor=officer, call=call)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/programs/public/notices/")

    assert (response.status_code, len(ctx.captured_queries)) == (200, 1)


@pytest.mark.parametrize("n", [1, 3])
def test_public_notice_detail_query_count(
    client: Client, live_notice: Any, world: Any, n: int
) -> None:
    for i in range(n):
        notice.objection_lodge(
            notice=live_notice,
            application_number=world.apps[i % 3].case.number,
            name=f"异议人{i}",
            contact="13800138000",
            grounds=GROUNDS,
        )

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/programs/public/notices/{live_notice.pk}/")

    assert (response.status_code, len(ctx.captured_queries)) == (200, 5)


# --- staff pages and who sees them ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/programs/decision/calls/{call}/",
        "/programs/decision/applications/{app}/scores/",
        "/programs/decision/notices/{notice}/",
    ],
)
def test_applicant_never_sees_scores_or_ranking_pages(
    client: Client, live_notice: Any, world: Any, applicant: Any, url: str
) -> None:
    # The applicant's own application has scores from three named experts.
    sign_in(client, applicant)

    response = client.get(
        url.format(call=world.call.pk, app=world.apps[0].pk, notice=live_notice.pk)
    )

    assert response.status_code == 404
    assert [name in response.content.decode() for name in EXPERTS] == [False, False, False]


def test_applicant_case_page_shows_no_scores(
    client: Client, live_notice: Any, world: Any, applicant: Any
) -> None:
    sign_in(client, applicant)

    response = client.get(f"/cases/{world.apps[0].case_id}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert [name in html for name in EXPERTS] == [False, False, False]
    assert "90.00" not in html


def test_officer_scores_page_records_a_sheet(
    client: Client, call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    sign_in(client, officer)
    client.post(
        f"/programs/decision/applications/{app.pk}/scores/",
        {"action": "assign", "experts": "专家甲\n专家乙"},
    )
    criteria = list(call.criteria.all())

    bad = client.post(
        f"/programs/decision/applications/{app.pk}/scores/",
        {"action": "score", "expert_name": "专家甲", **{f"score-{c.pk}": "101" for c in criteria}},
    )
    good = client.post(
        f"/programs/decision/applications/{app.pk}/scores/",
        {"action": "score", "expert_name": "专家甲", **{f"score-{c.pk}": "88" for c in criteria}},
    )

    assert (bad.status_code, _summary_links(bad)) == (422, [f"score-{criteria[0].pk}"])
    assert good.status_code == 302
    page = client.get(f"/programs/decision/applications/{app.pk}/scores/").content.decode()
    assert "尚未评分的专家：专家乙" in page


def test_officer_ranks_adjusts_and_publishes_on_pages(
    client: Client,
    make_call: Any,
    officer: Any,
    applicant: Any,
    lab: Any,
    rival_applicant: Any,
    rival: Any,
) -> None:
    call = make_call(projects_planned=2)
    world = ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])
    sign_in(client, officer)

    refused = client.post(
        f"/programs/decision/calls/{call.pk}/adjust/",
        {"application_id": world.apps[2].pk, "action": "include", "reason": ""},
    )
    client.post(
        f"/programs/decision/calls/{call.pk}/adjust/",
        {"application_id": world.apps[1].pk, "action": "exclude", "reason": "经核查存在重复资助"},
    )
    published_page = client.post(f"/programs/decision/calls/{call.pk}/publish/", {})

    assert (refused.status_code, _summary_links(refused)) == (422, ["adjust-reason"])
    assert published_page.status_code == 302
    stages = [Case.objects.get(pk=a.case_id).stage for a in world.apps]
    assert stages == ["public_notice", "not_funded", "not_funded"]


def test_officer_cannot_close_notice_early_on_page(
    client: Client, live_notice: Any, officer: Any
) -> None:
    sign_in(client, officer)

    response = client.post(f"/programs/decision/notices/{live_notice.pk}/close/")

    assert response.status_code == 409
    assert _summary_links(response) == ["close"]
    assert "公示期未满" in response.content.decode()


# --- the contract page ----------------------------------------------------------------


@pytest.fixture
def project(call: Any, officer: Any, applicant: Any, lab: Any, rival_applicant: Any, rival: Any):
    world = ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])
    published(world, officer)
    made = contract.project_approve(actor=officer, application=world.apps[0], now=at(AFTER_NOTICE))
    contract.contract_generate(actor=officer, project=made)
    return made


def test_undertaker_signs_on_contract_page(client: Client, project: Any, applicant: Any) -> None:
    sign_in(client, applicant)

    page = client.get(f"/programs/contracts/{project.pk}/")
    signed = client.post(f"/programs/contracts/{project.pk}/sign/", {"side": "undertaker"})
    pdf = client.get(f"/programs/contracts/{project.pk}/contract.pdf")

    assert page.status_code == 200
    assert "以乙方（项目承担单位）身份签署" in page.content.decode()
    assert "以甲方" not in page.content.decode()
    assert signed.status_code == 302
    assert list(Signature.objects.values_list("side", "person_id")) == [
        ("undertaker", applicant.pk)
    ]
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (
        200,
        "application/pdf",
        b"%PDF-",
    )


def test_applicant_cannot_sign_for_the_bureau(client: Client, project: Any, applicant: Any) -> None:
    sign_in(client, applicant)

    response = client.post(f"/programs/contracts/{project.pk}/sign/", {"side": "bureau"})

    assert response.status_code == 403
    assert Signature.objects.count() == 0


def test_rival_never_sees_another_applicants_contract(
    client: Client, project: Any, rival_applicant: Any
) -> None:
    sign_in(client, rival_applicant)

    page = client.get(f"/programs/contracts/{project.pk}/")
    pdf = client.get(f"/programs/contracts/{project.pk}/contract.pdf")

    assert (page.status_code, pdf.status_code) == (404, 404)
