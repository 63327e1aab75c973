"""Stages 6-9 over the API: scores to the notice, objections from the public, approval
refused while the notice runs, the contract signed by both sides; list query counts."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.cases.models import Case
from rainforest.programs.services import contract, notice
from rainforest.programs.services import ranking as ranking_services
from tests.conftest import at, sign_in
from tests.programs.decision_world import AFTER_NOTICE, passed, published, ranked, submit

pytestmark = pytest.mark.django_db

P = "/api/v1/programs"
GROUNDS = "该项目负责人同期承担的项目与申报内容高度重复，请核查是否重复申报。"


def _post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, data=body or {}, content_type="application/json")


def test_scores_ranking_notice_and_objection_through_the_api(
    client: Client, call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    criteria = list(call.criteria.all())
    sign_in(client, officer)

    assigned = _post(
        client, f"{P}/applications/{app.pk}/experts", {"experts": [{"name": "专家甲"}]}
    )
    scored = _post(
        client,
        f"{P}/applications/{app.pk}/scores",
        {"expert_name": "专家甲", "scores": {str(c.pk): "88.5" for c in criteria}},
    )
    finished = _post(client, f"{P}/applications/{app.pk}/finish-review")
    ranking = _post(client, f"{P}/calls/{call.pk}/ranking")
    posted = _post(client, f"{P}/calls/{call.pk}/notice", {"title": "拟立项公示"})
    client.logout()
    lodged = _post(
        client,
        f"{P}/public/notices/{posted.json()['id']}/objections",
        {
            "application_number": app.case.number,
            "name": "王某",
            "contact": "wang@example.cn",
            "grounds": GROUNDS,
        },
    )
    sign_in(client, officer)
    refused = _post(client, f"{P}/applications/{app.pk}/approve")

    assert (assigned.status_code, assigned.json()["missing"]) == (200, ["专家甲"])
    assert (scored.status_code, scored.json()["complete"]) == (200, True)
    assert finished.json()["stage"] == "ranking"
    assert (ranking.status_code, ranking.json()["lines"][0]["score"]) == (201, "88.50")
    assert posted.status_code == 201
    assert posted.json()["listed"] == [
        {
            "case_number": app.case.number,
            "title": "芯片课题",
            "organisation": lab.name,
            "amount": "3000000.00",
        }
    ]
    assert lodged.status_code == 201
    assert (refused.status_code, refused.json()["code"]) == (409, "notice_open")


def test_public_notice_hides_objector_and_scores(
    client: Client, call: Any, officer: Any, applicant: Any, lab: Any
) -> None:
    app = passed(officer, submit(call, applicant, lab, pi_number=1, title="芯片课题"))
    from rainforest.programs.services import decision

    decision.expert_assign(actor=officer, application=app, experts=[decision.ExpertIn("专家甲")])
    decision.expert_scores_record(
        actor=officer,
        application=app,
        expert_name="专家甲",
        scores={c.pk: 77 for c in call.criteria.all()},
    )
    decision.expert_review_finish(actor=officer, application=app)
    ranking_services.ranking_draw(actor=officer, call=call)
    posted = notice.notice_publish(actor=officer, call=call)
    notice.objection_lodge(
        notice=posted,
        application_number=app.case.number,
        name="王某",
        contact="wang@example.cn",
        grounds=GROUNDS,
    )

    body = client.get(f"{P}/public/notices/{posted.pk}").content.decode()

    assert ["王某" in body, "wang@example.cn" in body, "专家甲" in body, "77" in body] == [
        False,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize("n", [1, 3])
def test_public_notice_list_query_count(
    client: Client, make_call: Any, officer: Any, applicant: Any, lab: Any, n: int
) -> None:
    from rainforest.programs.services import decision

    for i in range(n):
        call = make_call()
        app = passed(officer, submit(call, applicant, lab, pi_number=20 + i, title=f"课题{i}"))
        decision.expert_assign(actor=officer, application=app, experts=[decision.ExpertIn("甲")])
        decision.expert_scores_record(
            actor=officer,
            application=app,
            expert_name="甲",
            scores={c.pk: 80 for c in call.criteria.all()},
        )
        decision.expert_review_finish(actor=officer, application=app)
        ranking_services.ranking_draw(actor=officer, call=call)
        notice.notice_publish(actor=officer, call=call)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{P}/public/notices")

    assert (response.status_code, len(response.json()), len(ctx.captured_queries)) == (200, n, 1)


@pytest.fixture
def world(call: Any, officer: Any, applicant: Any, lab: Any, rival_applicant: Any, rival: Any):
    done = ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])
    return done, notice.notice_publish(actor=officer, call=call, now=timezone.now())


@pytest.mark.parametrize("n", [1, 3])
def test_objection_list_query_count(client: Client, world: Any, officer: Any, n: int) -> None:
    done, posted = world
    for i in range(n):
        notice.objection_lodge(
            notice=posted,
            application_number=done.apps[i].case.number,
            name=f"异议人{i}",
            contact="13800138000",
            grounds=GROUNDS,
        )
    sign_in(client, officer)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{P}/notices/{posted.pk}/objections")

    # session, user, memberships (roles), notice, objections
    assert (response.status_code, len(response.json()), len(ctx.captured_queries)) == (
        200,
        n,
        5,
    )


def test_contract_signed_by_both_sides_through_the_api(
    client: Client,
    call: Any,
    officer: Any,
    applicant: Any,
    lab: Any,
    rival_applicant: Any,
    rival: Any,
) -> None:
    done = ranked(call, officer, [(applicant, lab), (rival_applicant, rival), (applicant, lab)])
    published(done, officer)
    project = contract.project_approve(
        actor=officer, application=done.apps[0], now=at(AFTER_NOTICE)
    )
    sign_in(client, officer)
    generated = _post(client, f"{P}/projects/{project.pk}/contract")
    bureau = _post(client, f"{P}/projects/{project.pk}/contract/sign", {"side": "bureau"})
    client.logout()
    sign_in(client, applicant)

    undertaker = _post(client, f"{P}/projects/{project.pk}/contract/sign", {"side": "undertaker"})

    assert (generated.status_code, bureau.status_code, undertaker.status_code) == (201, 200, 200)
    body = undertaker.json()
    assert [s["side"] for s in body["signatures"]] == ["bureau", "undertaker"]
    assert base64.b64decode(body["pdf_base64"])[:5] == b"%PDF-"
    assert body["signed_at"] is not None
    assert Case.objects.get(pk=done.apps[0].case_id).stage == "executing"
