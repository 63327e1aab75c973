"""programs pages: public guidelines, the application task list section by section,
check-your-answers and submission, formal review, proposals; who sees what."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case
from rainforest.programs import services
from rainforest.programs.models import Application, Proposal
from tests.conftest import at, sign_in
from tests.programs.conftest import fill, pdf_file, resident_id

pytestmark = pytest.mark.django_db


def _title(response: Any) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match is not None
    return match.group(1).strip()


def _summary(response: Any) -> list[tuple[str, str]]:
    html = response.content.decode()
    match = re.search(r'<div class="error-summary".*?<h2[^>]*>(.*?)</h2>(.*?)</div>', html, re.S)
    assert match is not None, "no error summary"
    assert match.group(1) == "存在以下问题"
    return re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(2))


# --- public guidelines ----------------------------------------------------------------


def test_public_call_pages_without_login(client: Client, call: Any) -> None:
    listing = client.get("/programs/public/calls/")
    detail = client.get(f"/programs/public/calls/{call.pk}/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert call.title in listing.content.decode()
    assert "能效比不低于 10 TOPS/W" in detail.content.decode()
    assert "自筹资金占总预算的比例不低于 50.00%" in detail.content.decode()


def test_draft_call_not_public(client: Client, make_call: Any) -> None:
    draft = make_call(publish=False, title="内部草稿指南")

    listing = client.get("/programs/public/calls/")
    detail = client.get(f"/programs/public/calls/{draft.pk}/")

    assert "内部草稿指南" not in listing.content.decode()
    assert detail.status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_public_call_list_query_count(client: Client, make_call: Any, n: int) -> None:
    for _ in range(n):
        make_call()

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/programs/public/calls/")

    assert (response.status_code, len(ctx.captured_queries)) == (200, 3)


# --- the task list --------------------------------------------------------------------


def test_start_application_from_public_page(client: Client, open_call: Any, applicant: Any) -> None:
    sign_in(client, applicant)

    response = client.post(f"/programs/calls/{open_call.pk}/apply/")

    app = Application.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        f"/programs/applications/{app.pk}/",
    )
    page = client.get(response["Location"]).content.decode()
    assert "服务器当前时间" in page
    assert "2099-12-31 23:59:59" in page


def test_basic_section_saves_draft(client: Client, open_draft: Any, applicant: Any) -> None:
    sign_in(client, applicant)
    direction = open_draft.call.directions.first()

    response = client.post(
        f"/programs/applications/{open_draft.pk}/basic/",
        {
            "title": "边缘推理芯片",
            "summary": "摘要",
            "direction": direction.pk,
            "start_date": "2027-01-01",
            "end_date": "2028-12-31",
        },
    )

    assert response.status_code == 302
    assert Application.objects.get(pk=open_draft.pk).sections_done == ["basic"]


def test_basic_section_errors_shown_with_typed_values(
    client: Client, open_draft: Any, applicant: Any
) -> None:
    sign_in(client, applicant)

    response = client.post(
        f"/programs/applications/{open_draft.pk}/basic/",
        {"title": "保留我", "summary": "", "start_date": "2027-01-01", "end_date": "明年"},
    )

    assert response.status_code == 200
    assert _title(response).startswith("错误：")
    assert _summary(response) == [
        ("id_direction", "请选择研究方向"),
        ("id_summary", "请填写项目摘要"),
        ("id_end_date", "请按 2026-10-31 的格式填写日期"),
    ]
    assert 'value="保留我"' in response.content.decode()
    assert Application.objects.get(pk=open_draft.pk).sections_done == []


def test_team_bad_id_number_shown_at_the_row(
    client: Client, open_draft: Any, applicant: Any
) -> None:
    sign_in(client, applicant)
    bad = resident_id(2)[:-1] + ("1" if resident_id(2)[-1] == "0" else "0")

    response = client.post(
        f"/programs/applications/{open_draft.pk}/team/",
        {
            "rows": "4",
            "team-0-name": "张三",
            "team-0-id_number": resident_id(1),
            "team-0-organisation_name": "实验室",
            "team-0-role": "负责",
            "team-1-name": "李四",
            "team-1-id_number": bad,
            "team-1-organisation_name": "实验室",
            "team-1-role": "设计",
        },
    )

    html = response.content.decode()
    assert (response.status_code, _title(response)[:3]) == (422, "错误：")
    assert _summary(response) == [
        ("team-1-id_number", "身份证号码的校验位（第18位）与前17位不符，请核对是否有数字抄错。")
    ]
    assert 'id="team-1-id_number-error"' in html
    assert f'value="{bad}"' in html
    assert open_draft.team.count() == 0


def test_team_saved(client: Client, open_draft: Any, applicant: Any) -> None:
    sign_in(client, applicant)

    response = client.post(
        f"/programs/applications/{open_draft.pk}/team/",
        {
            "rows": "4",
            "team-0-name": "张三",
            "team-0-id_number": resident_id(1),
            "team-0-organisation_name": "实验室",
            "team-0-role": "负责",
        },
    )

    assert response.status_code == 302
    assert list(open_draft.team.values_list("name", "is_pi")) == [("张三", True)]


def test_budget_total_off_by_a_fen_shown(client: Client, open_draft: Any, applicant: Any) -> None:
    sign_in(client, applicant)

    response = client.post(
        f"/programs/applications/{open_draft.pk}/budget/",
        {
            "budget-equipment-fiscal": "100万",
            "budget-equipment-self_raised": "1,000,000",
            "fiscal_total": "1000000.01",
            "self_total": "100万",
        },
    )

    assert response.status_code == 422
    assert _summary(response) == [
        ("fiscal_total", "财政资金合计填写为 1000000.01，各科目之和为 1000000.00，请核对")
    ]
    assert 'value="100万"' in response.content.decode()


def test_budget_saved_with_flexible_amounts(
    client: Client, open_draft: Any, applicant: Any
) -> None:
    sign_in(client, applicant)

    response = client.post(
        f"/programs/applications/{open_draft.pk}/budget/",
        {
            "budget-equipment-fiscal": "100万",
            "budget-equipment-self_raised": "1,000,000",
            "fiscal_total": "1000000",
            "self_total": "100万",
        },
    )

    assert response.status_code == 302
    assert Application.objects.get(pk=open_draft.pk).self_total == Decimal("1000000.00")


def test_attachment_uploaded_and_downloaded(
    client: Client, open_draft: Any, applicant: Any
) -> None:
    sign_in(client, applicant)

    response = client.post(
        f"/programs/applications/{open_draft.pk}/attachments/",
        {"kind": "feasibility_report", "file": pdf_file()},
    )
    attachment = open_draft.attachments.get()
    download = client.get(f"/programs/applications/{open_draft.pk}/attachments/{attachment.pk}/")

    assert (response.status_code, download.status_code) == (302, 200)
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_check_page_submits_and_confirms_case_number(
    client: Client, open_draft: Any, applicant: Any
) -> None:
    fill(open_draft, applicant)
    sign_in(client, applicant)

    page = client.get(f"/programs/applications/{open_draft.pk}/check/")
    response = client.post(f"/programs/applications/{open_draft.pk}/check/")

    app = Application.objects.get(pk=open_draft.pk)
    assert page.status_code == 200
    assert (response.status_code, response["Location"]) == (
        302,
        f"/programs/applications/{app.pk}/done/",
    )
    done = client.get(response["Location"]).content.decode()
    assert app.case.number in done


def test_late_submission_refused_on_page_with_reason(
    client: Client, draft: Any, applicant: Any
) -> None:
    # ``draft``'s call closed on 2026-10-30 23:59:59; the pages read the real clock.
    fill(draft, applicant)
    sign_in(client, applicant)
    before = (Case.objects.count(), AuditRecord.objects.count())

    response = client.post(f"/programs/applications/{draft.pk}/check/")

    assert response.status_code == 422
    assert _summary(response) == [
        ("main", "申报已截止（截止时间 2026-10-30 23:59:59），不能再提交。")
    ]
    assert (Case.objects.count(), AuditRecord.objects.count()) == before


# --- who sees what --------------------------------------------------------------------


@pytest.fixture
def rivals_draft(open_call: Any, rival_applicant: Any, rival: Any) -> Any:
    app = services.application_create(actor=rival_applicant, call=open_call, organisation=rival)
    fill(app, rival_applicant, title="竞争者的秘密方案", pi_number=9)
    return app


@pytest.mark.parametrize(
    "path",
    [
        "",
        "basic/",
        "team/",
        "consortium/",
        "budget/",
        "milestones/",
        "attachments/",
        "check/",
        "review/",
    ],
)
def test_applicant_never_sees_another_applicants_pages(
    client: Client, rivals_draft: Any, applicant: Any, path: str
) -> None:
    sign_in(client, applicant)

    response = client.get(f"/programs/applications/{rivals_draft.pk}/{path}")

    assert response.status_code == 404
    assert "竞争者的秘密方案" not in response.content.decode()


def test_applicant_cannot_download_another_applicants_attachment(
    client: Client, rivals_draft: Any, applicant: Any
) -> None:
    attachment = rivals_draft.attachments.get()
    sign_in(client, applicant)

    response = client.get(f"/programs/applications/{rivals_draft.pk}/attachments/{attachment.pk}/")

    assert response.status_code == 404


def test_application_list_mine_only_staff_all(
    client: Client, open_draft: Any, rivals_draft: Any, applicant: Any, officer: Any
) -> None:
    mine = sign_in(client, applicant).get("/programs/applications/").content.decode()
    staff = sign_in(Client(), officer).get("/programs/applications/").content.decode()

    assert "竞争者的秘密方案" not in mine
    assert "竞争者的秘密方案" in staff


@pytest.mark.parametrize("n", [1, 3])
def test_application_list_query_count(
    client: Client, open_call: Any, applicant: Any, lab: Any, n: int
) -> None:
    for _ in range(n):
        services.application_create(actor=applicant, call=open_call, organisation=lab)
    sign_in(client, applicant)
    client.get("/programs/applications/")

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/programs/applications/")

    assert (response.status_code, len(ctx.captured_queries)) == (200, 6)


# --- formal review --------------------------------------------------------------------


def test_officer_returns_for_correction_with_deadline(
    client: Client, submitted: Any, officer: Any, applicant: Any
) -> None:
    sign_in(client, officer)

    response = client.post(
        f"/programs/applications/{submitted.pk}/review/",
        {"action": "return", "reason": "请补充审计报告", "correction_due": "2099-01-05"},
    )

    app = Application.objects.get(pk=submitted.pk)
    assert (response.status_code, app.case.stage) == (302, "correction")
    case_page = sign_in(Client(), applicant).get(f"/cases/{app.case_id}/").content.decode()
    assert "2099-01-05 23:59:59" in case_page
    assert "暂停计时" in case_page


def test_officer_reject_without_reason_shows_error(
    client: Client, submitted: Any, officer: Any
) -> None:
    sign_in(client, officer)

    response = client.post(
        f"/programs/applications/{submitted.pk}/review/", {"action": "reject", "reject-reason": ""}
    )

    assert response.status_code == 422
    assert _summary(response) == [("id_reject-reason", "请填写理由")]
    assert Case.objects.get(pk=submitted.case_id).stage == "formal_review"


def test_review_page_shows_checklist(client: Client, submitted: Any, officer: Any) -> None:
    sign_in(client, officer)

    html = client.get(f"/programs/applications/{submitted.pk}/review/").content.decode()

    assert "✔ 自筹资金占总预算 50.00%，不低于 50.00%" in html


def test_case_page_renders_programme_extra(client: Client, submitted: Any, officer: Any) -> None:
    sign_in(client, officer)

    html = client.get(f"/cases/{submitted.case_id}/").content.decode()

    assert "查看申请书" in html
    assert "形式审查（核查清单、设定补正期限）" in html


# --- proposals ------------------------------------------------------------------------


@pytest.fixture
def window(officer: Any, field_ai: Any) -> Any:
    return services.window_open(
        actor=officer,
        field=field_ai,
        title="人工智能项目建议征集",
        opens_at=at("2026-01-01 00:00"),
        closes_at=at("2099-12-31 23:59:59"),
    )


def _propose(client: Client, window: Any, **change: str) -> Any:
    return client.post(
        f"/programs/windows/{window.pk}/propose/",
        {
            "title": "边缘推理芯片",
            "problem": "研发面向大模型推理的低功耗专用芯片",
            "target_indicators": "能效比提升十倍",
            "why_now": "算力成本高企",
            "suggested_budget": "500万",
            **change,
        },
    )


def test_proposal_form_submits(client: Client, window: Any, applicant: Any) -> None:
    sign_in(client, applicant)

    response = _propose(client, window)

    proposal = Proposal.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        f"/programs/proposals/{proposal.pk}/",
    )
    assert proposal.suggested_budget == Decimal("5000000.00")


def test_proposal_form_float_budget_error(client: Client, window: Any, applicant: Any) -> None:
    sign_in(client, applicant)

    response = _propose(client, window, suggested_budget="", problem="")

    assert _summary(response) == [
        ("id_problem", "请填写拟解决的问题"),
        ("id_suggested_budget", "请填写建议经费"),
    ]


def test_similar_flag_shown_to_staff_not_to_proposer(
    client: Client, window: Any, applicant: Any, rival_applicant: Any, officer: Any
) -> None:
    _propose(sign_in(Client(), applicant), window)
    _propose(sign_in(client, rival_applicant), window)
    copy = Proposal.objects.order_by("-pk").first()
    assert copy is not None

    staff = sign_in(Client(), officer).get(f"/programs/proposals/{copy.pk}/").content.decode()
    rival = client.get(f"/programs/proposals/{copy.pk}/").content.decode()

    assert "疑似重复（仅工作人员可见）" in staff
    assert "疑似重复" not in rival


def test_officer_decides_proposal_on_page(
    client: Client, window: Any, applicant: Any, officer: Any
) -> None:
    _propose(sign_in(Client(), applicant), window)
    proposal = Proposal.objects.get()
    sign_in(client, officer)

    response = client.post(
        f"/programs/proposals/{proposal.pk}/",
        {"decision": "accept", "reason": "符合方向", "group": "芯片"},
    )

    proposal.refresh_from_db()
    assert (response.status_code, proposal.case.stage, proposal.group) == (302, "accepted", "芯片")


@pytest.mark.parametrize("n", [1, 3])
def test_proposal_list_query_count(
    client: Client, window: Any, applicant: Any, lab: Any, officer: Any, n: int
) -> None:
    for i in range(n):
        services.proposal_submit(
            actor=applicant,
            organisation=lab,
            window=window,
            title=f"建议{i}",
            problem="问" * (i + 1),
            target_indicators="指标",
            why_now="原因",
            suggested_budget=Decimal("1000"),
        )
    sign_in(client, officer)
    client.get("/programs/proposals/")

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/programs/proposals/")

    assert (response.status_code, len(ctx.captured_queries)) == (200, 6)


# --- guidelines by officers -----------------------------------------------------------


def test_officer_drafts_and_publishes_call_on_pages(
    client: Client, officer: Any, field_ai: Any
) -> None:
    sign_in(client, officer)

    response = client.post(
        "/programs/calls/new/",
        {
            "title": "新指南",
            "field": field_ai.pk,
            "directions": "方向一｜指标一",
            "funding_per_project": "500万",
            "funding_total": "2000万",
            "projects_planned": "4",
            "require_city_registration": "on",
            "min_self_funding_percent": "50",
            "max_concurrent_per_pi": "2",
            "criteria": "创新性｜60\n可行性|40",
            "organisation_mode": "challenge",
            "opens_on": "2026-01-01",
            "closes_on": "2099-12-31",
            "required_attachments": ["feasibility_report"],
        },
    )
    assert response.status_code == 302, response.content.decode()
    call_id = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert Client().get(f"/programs/public/calls/{call_id}/").status_code == 404

    published = client.post(f"/programs/calls/{call_id}/publish/")

    assert published.status_code == 302
    assert Client().get(f"/programs/public/calls/{call_id}/").status_code == 200


def test_call_weights_not_100_shown(client: Client, officer: Any, field_ai: Any) -> None:
    sign_in(client, officer)

    response = client.post(
        "/programs/calls/new/",
        {
            "title": "新指南",
            "field": field_ai.pk,
            "directions": "方向一｜指标一",
            "funding_per_project": "500万",
            "funding_total": "2000万",
            "projects_planned": "4",
            "min_self_funding_percent": "50",
            "max_concurrent_per_pi": "2",
            "criteria": "创新性｜60\n可行性｜39",
            "organisation_mode": "standard",
            "opens_on": "2026-01-01",
            "closes_on": "2099-12-31",
        },
    )

    assert _summary(response) == [("id_criteria", "评审标准的权重合计应为 100，现为 99")]


def test_applicant_cannot_open_call_admin(client: Client, applicant: Any) -> None:
    sign_in(client, applicant)

    assert client.get("/programs/calls/").status_code == 404
