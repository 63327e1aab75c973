"""enforcement/views.py: the pages police legal officers use; 404 to everyone else."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.audit.models import AuditRecord
from rainforest.core.ids import make_uscc
from rainforest.enforcement import services
from rainforest.enforcement.models import EnforcementRequest
from tests.conftest import sign_in
from tests.enforcement.conftest import complete_controls, pdf, resident_id

pytestmark = pytest.mark.django_db


def _form(**change: Any) -> dict[str, Any]:
    return {
        "agency_name": "长沙市公安局经济犯罪侦查支队",
        "agency_region": "湖南省长沙市",
        "agency_letter_no": "",
        "enterprise_name": "深圳雨林科技有限公司",
        "enterprise_uscc": make_uscc("91440300MA5FRM001"),
        "persons_count": "2",
        "property_value": "1,200万",
        "bank_accounts": "0",
        "persons": f"张三，{resident_id(1)}，传唤\n李四, {resident_id(2)}, 拘留",
        "measures_note": "",
        **change,
    }


def _viewed() -> int:
    return AuditRecord.objects.filter(action="enforcement.viewed").count()


def test_new_request_page_records_request_and_shows_level(client: Client, police: Any) -> None:
    sign_in(client, police)

    response = client.post(
        "/enforcement/requests/new/", {**_form(), "document": pdf()}, follow=True
    )

    r = EnforcementRequest.objects.get()
    page = response.content.decode()
    assert (response.status_code, r.level, r.property_value) == (200, "bureau_department", 12000000)
    assert list(r.persons.values_list("name", "measure")) == [
        ("张三", "summon"),
        ("李四", "detain"),
    ]
    assert r.case.attachments.count() == 1
    assert "报市局相关内设机构批准" in page
    assert "查阅本页已记录在审计日志中" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"agency_name": ""}, "请填写协作请求机关"),
        ({"persons_count": "2.5"}, "人数应为零或正整数，例如 12"),
        ({"bank_accounts": "-1"}, "冻结银行账户数应为零或正整数，例如 12"),
        ({"property_value": "-5"}, "金额「-5」是负数，这里只接受零或正数金额，请去掉负号。"),
        (
            {"persons": "张三，440304198506150011，传唤"},
            "身份证号码的校验位（第18位）与前17位不符，请核对是否有数字抄错。",
        ),
        (
            {"persons": f"张三，{resident_id(1)}，罚款"},
            "第 1 行的措施应为传唤、拘传、拘留、逮捕或讯问",
        ),
    ],
)
def test_new_request_errors_shown_with_summary_and_title(
    client: Client, police: Any, change: dict[str, str], message: str
) -> None:
    sign_in(client, police)

    response = client.post("/enforcement/requests/new/", _form(**change))

    page = response.content.decode()
    assert response.status_code == 422
    assert "<title>错误：" in page
    assert "存在以下问题" in page
    assert message in page
    assert EnforcementRequest.objects.count() == 0


def test_detail_page_writes_viewed_audit_each_time(
    client: Client, police: Any, make_request: Any
) -> None:
    r = make_request()
    sign_in(client, police)
    before = _viewed()

    client.get(f"/enforcement/requests/{r.pk}/")
    client.get(f"/enforcement/requests/{r.pk}/")

    assert _viewed() == before + 2
    last = AuditRecord.objects.filter(action="enforcement.viewed").order_by("-seq").first()
    assert last is not None
    assert (last.subject_id, last.actor_id, last.data) == (
        r.case.number,
        police.pk,
        {"via": "page"},
    )


def test_execute_on_page_refused_naming_missing_controls(
    client: Client, police: Any, make_request: Any
) -> None:
    r = make_request(persons=3)
    services.request_route(request=r, actor=police)
    sign_in(client, police)

    response = client.post(f"/enforcement/requests/{r.pk}/act/", {"action": "execute", "text": ""})

    page = response.content.decode()
    assert response.status_code == 409
    assert (
        "执法管控措施尚未落实：双向告知、指令单、民警协作、全程执法记录仪、进执法办案管理中心。"
        in page
    )
    r.case.refresh_from_db()
    assert r.case.stage == "approved"


def test_checklist_then_execute_on_page(client: Client, police: Any, make_request: Any) -> None:
    r = make_request(persons=3)
    services.request_route(request=r, actor=police)
    sign_in(client, police)

    client.post(
        f"/enforcement/requests/{r.pk}/controls/",
        {
            "two_way_notice": "on",
            "instruction_sheet_no": "ZLD-9",
            "accompanying_officers": "李警官",
            "body_camera_ref": "JLY-9",
            "case_centre": "on",
        },
    )
    response = client.post(f"/enforcement/requests/{r.pk}/act/", {"action": "execute"})

    r.case.refresh_from_db()
    assert (response.status_code, r.case.stage) == (302, "executed")


def test_stop_on_page_without_reason_shows_error(
    client: Client, police: Any, make_request: Any
) -> None:
    r = make_request()
    sign_in(client, police)

    response = client.post(f"/enforcement/requests/{r.pk}/act/", {"action": "stop", "text": ""})

    assert response.status_code == 422
    assert "<title>错误：" in response.content.decode()


def test_document_download_for_police_and_audited(
    client: Client, police: Any, make_request: Any
) -> None:
    r = make_request(documents=[pdf()])
    attachment = r.case.attachments.get()
    sign_in(client, police)
    before = _viewed()

    response = client.get(f"/enforcement/requests/{r.pk}/documents/{attachment.pk}/")

    assert (response.status_code, b"".join(response.streaming_content)[:5]) == (200, b"%PDF-")
    assert _viewed() == before + 1


def test_monthly_report_page(client: Client, police: Any, make_request: Any) -> None:
    from tests.conftest import at

    r = make_request(persons=3, now=at("2026-09-10 10:00"))
    services.request_route(request=r, actor=police)
    complete_controls(r, police)
    services.request_execute(request=r, actor=police)
    sign_in(client, police)

    response = client.get("/enforcement/reports/monthly/", {"year": "2026"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "2026-09（共 1 件）" in page


@pytest.mark.parametrize(
    "url",
    [
        "/enforcement/requests/",
        "/enforcement/requests/new/",
        "/enforcement/requests/{id}/",
        "/enforcement/requests/{id}/documents/{doc}/",
        "/enforcement/reports/monthly/",
    ],
)
def test_pages_are_404_to_other_roles(
    client: Client, officer: Any, make_request: Any, url: str
) -> None:
    r = make_request(documents=[pdf()])
    sign_in(client, officer)
    before = AuditRecord.objects.count()

    response = client.get(url.format(id=r.pk, doc=r.case.attachments.get().pk))

    assert response.status_code == 404
    assert "长沙" not in response.content.decode()
    assert AuditRecord.objects.count() == before


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        ("act/", {"action": "route"}),
        ("act/", {"action": "stop", "text": "x"}),
        ("controls/", {"two_way_notice": "on"}),
        ("documents/", {"purpose": "x"}),
    ],
)
def test_posts_are_404_to_other_roles(
    client: Client, officer: Any, make_request: Any, suffix: str, data: dict[str, str]
) -> None:
    r = make_request()
    sign_in(client, officer)
    before = (AuditRecord.objects.count(), r.case.stage)

    response = client.post(f"/enforcement/requests/{r.pk}/{suffix}", data)

    r.case.refresh_from_db()
    assert response.status_code == 404
    assert (AuditRecord.objects.count(), r.case.stage) == before


def test_anonymous_is_sent_to_sign_in(client: Client, make_request: Any) -> None:
    r = make_request()

    response = client.get(f"/enforcement/requests/{r.pk}/")

    assert (response.status_code, response["Location"].startswith("/accounts/login/")) == (
        302,
        True,
    )


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/enforcement/requests/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_page_query_count_same_for_1_and_3(
    client: Client, police: Any, make_request: Any
) -> None:
    make_request()
    sign_in(client, police)
    one = _list_queries(client)
    make_request()
    make_request()

    three = _list_queries(client)

    assert one == three
