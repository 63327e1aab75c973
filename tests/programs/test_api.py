"""programs/api.py: the public guidelines, drafts through submission, formal review, and
who sees which application or proposal."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.accounts.models import ApiToken
from rainforest.audit.models import AuditRecord
from rainforest.programs import services
from rainforest.programs.models import Application, Call
from tests.conftest import at, sign_in
from tests.programs.conftest import fill, resident_id

pytestmark = pytest.mark.django_db

API = "/api/v1/programs"


def _json(client: Client, method: str, url: str, body: Any = None, **extra: Any) -> Any:
    sender = getattr(client, method.lower())
    return sender(url, data=json.dumps(body or {}), content_type="application/json", **extra)


# --- public guidelines ----------------------------------------------------------------


def test_public_calls_readable_without_login(client: Client, call: Any, make_call: Any) -> None:
    make_call(publish=False, title="尚未发布的指南")

    response = client.get(f"{API}/calls")

    assert response.status_code == 200
    assert [c["number"] for c in response.json()] == [call.number]


def test_public_call_detail(client: Client, call: Any) -> None:
    body = client.get(f"{API}/calls/{call.pk}").json()

    assert {k: body[k] for k in ("number", "funding_per_project", "funding_total", "status")} == {
        "number": call.number,
        "funding_per_project": "5000000.00",
        "funding_total": "20000000.00",
        "status": "published",
    }
    assert body["criteria"] == [
        {"id": c.pk, "name": c.name, "weight": c.weight} for c in call.criteria.all()
    ]


def test_draft_call_not_visible_even_to_applicant(
    client: Client, make_call: Any, applicant: Any
) -> None:
    draft = make_call(publish=False)
    sign_in(client, applicant)

    response = client.get(f"{API}/calls/{draft.pk}")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("n", [1, 3])
def test_public_call_list_query_count(
    client: Client, make_call: Any, n: int, django_assert_max_num_queries: Any
) -> None:
    for _ in range(n):
        make_call()

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{API}/calls")

    assert (len(response.json()), len(ctx.captured_queries)) == (n, 3)


# --- drafting and submitting ------------------------------------------------------------


def _fill_over_api(client: Client, app_id: int, call: Any, lab: Any) -> None:
    url = f"{API}/applications/{app_id}"
    direction = call.directions.first().pk
    steps = [
        (
            "basic",
            {
                "title": "边缘推理芯片",
                "summary": "研制低功耗芯片",
                "start_date": "2027-01-01",
                "end_date": "2029-12-31",
                "direction_id": direction,
            },
        ),
        (
            "team",
            {
                "members": [
                    {
                        "name": "张三",
                        "id_number": resident_id(1),
                        "organisation_name": "实验室",
                        "role": "负责",
                        "is_pi": True,
                    }
                ]
            },
        ),
        ("consortium", {"partners": [{"uscc": lab.uscc, "name": lab.name, "role": "lead"}]}),
        (
            "budget",
            {
                "lines": [{"category": "equipment", "fiscal": "300万", "self_raised": 3000000}],
                "fiscal_total": "3,000,000",
                "self_total": "300万",
            },
        ),
        (
            "milestones",
            {
                "milestones": [
                    {"title": "架构", "due_date": "2027-06-30", "deliverables": "设计报告"}
                ]
            },
        ),
    ]
    for section, body in steps:
        response = _json(client, "PUT", f"{url}/{section}", body)
        assert response.status_code == 200, response.content
    upload = client.post(
        f"{url}/attachments",
        {"kind": "feasibility_report", "file": _pdf()},
    )
    assert upload.status_code == 201, upload.content


def _pdf() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("可研报告.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def test_application_through_api_from_draft_to_formal_review(
    client: Client, open_call: Any, applicant: Any, lab: Any, officer: Any
) -> None:
    call = open_call
    sign_in(client, applicant)
    created = _json(client, "POST", f"{API}/applications", {"call_id": call.pk})
    assert created.status_code == 201, created.content
    app_id = created.json()["id"]
    _fill_over_api(client, app_id, call, lab)

    response = _json(client, "POST", f"{API}/applications/{app_id}/submit")

    body = response.json()
    assert (response.status_code, body["status"], body["stage"]) == (
        200,
        "submitted",
        "formal_review",
    )
    assert body["sections_done"] == [
        "basic",
        "team",
        "consortium",
        "budget",
        "milestones",
        "attachments",
    ]
    assert (
        body["team"][0]["id_number_masked"] == resident_id(1)[:6] + "********" + resident_id(1)[14:]
    )
    assert body["checklist"]["outcome"] == "pass"
    officer_client = sign_in(Client(), officer)
    returned = _json(
        officer_client,
        "POST",
        f"{API}/applications/{app_id}/formal-review/return",
        {"reason": "请补充财务报表", "correction_due": "2099-01-05"},
    )
    assert (returned.status_code, returned.json()["stage"]) == (200, "correction")
    resubmitted = _json(client, "POST", f"{API}/applications/{app_id}/resubmit")
    assert (resubmitted.status_code, resubmitted.json()["stage"]) == (200, "formal_review")
    passed = _json(officer_client, "POST", f"{API}/applications/{app_id}/formal-review/pass")
    assert (passed.status_code, passed.json()["stage"]) == (200, "expert_review")


def test_application_by_token(client: Client, open_call: Any, applicant: Any) -> None:
    call = open_call
    ApiToken.objects.create(user=applicant, name="oa", key_hash=ApiToken.hash_key("tok-p"))

    response = _json(
        client,
        "POST",
        f"{API}/applications",
        {"call_id": call.pk},
        HTTP_AUTHORIZATION="Bearer tok-p",
    )

    assert (response.status_code, Application.objects.get().created_by_id) == (201, applicant.pk)


def test_incomplete_submit_refused_with_reason(
    client: Client, open_draft: Any, applicant: Any
) -> None:
    draft = open_draft
    sign_in(client, applicant)
    before = AuditRecord.objects.count()

    response = _json(client, "POST", f"{API}/applications/{draft.pk}/submit")

    assert (response.status_code, response.json()["code"]) == (422, "incomplete")
    assert AuditRecord.objects.count() == before


# --- who sees what ---------------------------------------------------------------------


@pytest.fixture
def rivals_app(call: Any, rival_applicant: Any, rival: Any) -> Any:
    app = services.application_create(
        actor=rival_applicant, call=call, organisation=rival, now=at("2026-09-10 10:00")
    )
    fill(app, rival_applicant, title="竞争者的秘密方案", pi_number=9)
    return services.application_submit(
        actor=rival_applicant, application=app, now=at("2026-09-30 10:00")
    )


def test_applicant_never_sees_another_applicants_application(
    client: Client, submitted: Any, rivals_app: Any, applicant: Any
) -> None:
    sign_in(client, applicant)

    listed = client.get(f"{API}/applications").json()
    detail = client.get(f"{API}/applications/{rivals_app.pk}")
    edit = _json(
        client,
        "PUT",
        f"{API}/applications/{rivals_app.pk}/basic",
        {"title": "x", "summary": "y", "start_date": "2027-01-01", "end_date": "2027-02-01"},
    )

    assert [a["id"] for a in listed] == [submitted.pk]
    assert (detail.status_code, detail.json()) == (
        404,
        {"code": "not_found", "message": "未找到", "fields": {}},
    )
    assert edit.status_code == 404
    assert "竞争者的秘密方案" not in json.dumps(listed, ensure_ascii=False)


def test_staff_see_every_application(
    client: Client, submitted: Any, rivals_app: Any, officer: Any
) -> None:
    sign_in(client, officer)

    listed = client.get(f"{API}/applications").json()

    assert sorted(a["id"] for a in listed) == sorted([submitted.pk, rivals_app.pk])


@pytest.mark.parametrize("n", [1, 3])
def test_application_list_query_count(
    client: Client, call: Any, applicant: Any, lab: Any, n: int
) -> None:
    for _ in range(n):
        services.application_create(
            actor=applicant, call=call, organisation=lab, now=at("2026-09-10 10:00")
        )
    sign_in(client, applicant)
    client.get(f"{API}/applications")  # the session and the user's roles are read once

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{API}/applications")

    assert (len(response.json()), len(ctx.captured_queries)) == (n, 5)


# --- proposals ------------------------------------------------------------------------


@pytest.fixture
def window(officer: Any, field_ai: Any) -> Any:
    return services.window_open(
        actor=officer,
        field=field_ai,
        title="征集",
        opens_at=at("2026-01-01 00:00"),
        closes_at=at("2099-12-31 23:59:59"),
    )


def _proposal_body(window: Any, **change: Any) -> dict[str, Any]:
    return {
        "window_id": window.pk,
        "title": "边缘推理芯片",
        "problem": "研发面向大模型推理的低功耗专用芯片",
        "target_indicators": "能效比提升十倍",
        "why_now": "算力成本高企",
        "suggested_budget": "500万",
        **change,
    }


def test_similarity_flags_only_for_staff(
    client: Client, window: Any, applicant: Any, rival_applicant: Any, officer: Any
) -> None:
    first = _json(sign_in(Client(), applicant), "POST", f"{API}/proposals", _proposal_body(window))
    assert first.status_code == 201, first.content
    rival_client = sign_in(client, rival_applicant)
    copy = _json(rival_client, "POST", f"{API}/proposals", _proposal_body(window))
    copy_id = copy.json()["id"]

    staff_view = sign_in(Client(), officer).get(f"{API}/proposals/{copy_id}").json()
    rival_view = rival_client.get(f"{API}/proposals/{copy_id}").json()

    assert [s["proposal_id"] for s in staff_view["similar"]] == [first.json()["id"]]
    assert rival_view["similar"] == []


def test_proposal_of_another_organisation_is_404(
    client: Client, window: Any, applicant: Any, rival_applicant: Any
) -> None:
    mine = _json(sign_in(Client(), applicant), "POST", f"{API}/proposals", _proposal_body(window))
    sign_in(client, rival_applicant)

    response = client.get(f"{API}/proposals/{mine.json()['id']}")
    listed = client.get(f"{API}/proposals").json()

    assert (response.status_code, listed) == (404, [])


def test_proposal_decision_by_officer(
    client: Client, window: Any, applicant: Any, officer: Any
) -> None:
    made = _json(sign_in(Client(), applicant), "POST", f"{API}/proposals", _proposal_body(window))
    sign_in(client, officer)

    response = _json(
        client,
        "POST",
        f"{API}/proposals/{made.json()['id']}/decision",
        {"accept": False, "reason": "已有同类项目"},
    )

    assert (
        response.status_code,
        response.json()["stage"],
        response.json()["decision"]["reasons"],
    ) == (200, "declined", ["已有同类项目"])


@pytest.mark.parametrize("n", [1, 3])
def test_proposal_list_query_count(
    client: Client, window: Any, applicant: Any, officer: Any, n: int
) -> None:
    for i in range(n):
        services.proposal_submit(
            actor=applicant,
            organisation=applicant.memberships.get().organisation,
            window=window,
            title=f"建议{i}",
            problem="问题" * (i + 1),
            target_indicators="指标",
            why_now="原因",
            suggested_budget=__import__("decimal").Decimal("1000"),
        )
    sign_in(client, officer)
    client.get(f"{API}/proposals")

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{API}/proposals")

    assert (len(response.json()), len(ctx.captured_queries)) == (n, 5)


# --- calls by officers ---------------------------------------------------------------------


def test_officer_drafts_and_publishes_call(client: Client, officer: Any, field_ai: Any) -> None:
    sign_in(client, officer)
    body = {
        "title": "指南",
        "field_code": "ai",
        "funding_per_project": "500万",
        "funding_total": "2000万",
        "projects_planned": 4,
        "min_self_funding_percent": "50%",
        "opens_at": "2026-01-01T09:00:00+08:00",
        "closes_at": "2099-01-01T23:59:59+08:00",
        "directions": [{"title": "方向", "target_indicators": "指标"}],
        "criteria": [{"name": "创新性", "weight": 60}, {"name": "可行性", "weight": 40}],
        "required_attachments": ["feasibility_report"],
        "stage_limits": {"formal_review": 3},
    }

    created = _json(client, "POST", f"{API}/calls", body)
    assert created.status_code == 201, created.content
    assert Client().get(f"{API}/calls/{created.json()['id']}").status_code == 404
    published = _json(client, "POST", f"{API}/calls/{created.json()['id']}/publish")

    assert (published.status_code, published.json()["status"]) == (200, "published")
    assert published.json()["stage_limits"]["formal_review"] == 3
    assert Client().get(f"{API}/calls/{created.json()['id']}").status_code == 200
    assert Call.objects.get().min_self_funding_percent == __import__("decimal").Decimal("50.00")
