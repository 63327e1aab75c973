"""enforcement/api.py: the public calculator, and requests only police legal officers reach."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.audit.models import AuditRecord
from rainforest.enforcement import services
from rainforest.enforcement.domain import SEED_LETTER
from rainforest.enforcement.models import EnforcementRequest
from tests.conftest import sign_in
from tests.enforcement.conftest import complete_controls, resident_id

pytestmark = pytest.mark.django_db

LEVEL = "/api/v1/enforcement/approval-level"
REQUESTS = "/api/v1/enforcement/requests"
MONTHLY = "/api/v1/enforcement/reports/monthly"


def _post(client: Client, url: str, body: Any = None, **extra: Any) -> Any:
    return client.post(
        url, data=body if body is not None else {}, content_type="application/json", **extra
    )


# --- the public calculator ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "level", "triggered"),
    [
        ({"persons": 9, "property_value": "0", "bank_accounts": 0}, "routine", []),
        (
            {"persons": 10, "property_value": "0", "bank_accounts": 0},
            "bureau_department",
            ["persons"],
        ),
        (
            {"persons": 29, "property_value": 0, "bank_accounts": 0},
            "bureau_department",
            ["persons"],
        ),
        ({"persons": 30, "property_value": 0, "bank_accounts": 0}, "bureau", ["persons"]),
        ({"persons": 0, "property_value": "9,999,999.99", "bank_accounts": 0}, "routine", []),
        (
            {"persons": 0, "property_value": "10000000.00", "bank_accounts": 0},
            "bureau_department",
            ["property_value"],
        ),
        (
            {"persons": 0, "property_value": "1000万", "bank_accounts": 0},
            "bureau_department",
            ["property_value"],
        ),
        (
            {"persons": 0, "property_value": "99999999.99", "bank_accounts": 0},
            "bureau_department",
            ["property_value"],
        ),
        ({"persons": 0, "property_value": "1亿", "bank_accounts": 0}, "bureau", ["property_value"]),
        (
            {"persons": 0, "property_value": 100000000, "bank_accounts": 0},
            "bureau",
            ["property_value"],
        ),
        ({"persons": 0, "property_value": "0", "bank_accounts": 49}, "routine", []),
        (
            {"persons": 0, "property_value": "0", "bank_accounts": 50},
            "bureau_department",
            ["bank_accounts"],
        ),
        (
            {"persons": 0, "property_value": "0", "bank_accounts": 199},
            "bureau_department",
            ["bank_accounts"],
        ),
        ({"persons": 0, "property_value": "0", "bank_accounts": 200}, "bureau", ["bank_accounts"]),
        ({"persons": 2, "property_value": "0", "bank_accounts": 200}, "bureau", ["bank_accounts"]),
    ],
)
def test_approval_level_public_table(
    client: Client, body: dict[str, Any], level: str, triggered: list[str]
) -> None:
    response = _post(client, LEVEL, body)

    payload = response.json()
    assert (response.status_code, payload["level"], payload["triggered_by"]) == (
        200,
        level,
        triggered,
    )


def test_approval_level_answer_has_reasons_citations_version(client: Client) -> None:
    response = _post(client, LEVEL, {"persons": 2, "property_value": "0", "bank_accounts": 200})

    assert response.json() == {
        "level": "bureau",
        "triggered_by": ["bank_accounts"],
        "reasons": ["冻结银行账户数为 200 个，达到 200 个以上的标准，需报市局批准后协助执行"],
        "citations": [
            f"{SEED_LETTER} 一（三）二是（协外工作审批流程）",
            "《深圳市公安局刑事办案协作规范（试行）》",
            "《关于进一步明确开展办案协作有关事项的通知》",
            "《关于规范异地公安机关在深涉企业办案协作工作的通知》",
            "《关于进一步规范接受异地公安机关办案协作申请的通知》",
        ],
        "parameters_version": "enforcement.approval_level 2025.1",
    }


def test_approval_level_reasons_in_english(client: Client) -> None:
    response = _post(
        client,
        LEVEL,
        {"persons": 30, "property_value": "0", "bank_accounts": 0},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.json()["reasons"] == [
        "The persons summoned, detained or questioned is 30 persons, which reaches the "
        "threshold of 30 persons or more, so the request needs approval by the city bureau"
    ]


def test_approval_level_writes_nothing(client: Client) -> None:
    before = AuditRecord.objects.count()

    _post(client, LEVEL, {"persons": 30, "property_value": "0", "bank_accounts": 0})

    assert AuditRecord.objects.count() == before


# --- requests ----------------------------------------------------------------------------


def _body(**change: Any) -> dict[str, Any]:
    return {
        "agency_name": "长沙市公安局经济犯罪侦查支队",
        "agency_region": "湖南省长沙市",
        "agency_letter_no": "长公经协〔2026〕8号",
        "enterprise_name": "深圳雨林科技有限公司",
        "enterprise_uscc": "91440300MA5FRM0011",
        "persons": [{"name": "张三", "id_number": resident_id(1), "measure": "summon"}],
        "persons_count": 2,
        "property_value": "0",
        "bank_accounts": 200,
        **change,
    }


@pytest.fixture
def uscc() -> str:
    from rainforest.core.ids import make_uscc

    return make_uscc("91440300MA5FRM001")


def test_file_request_answers_detail_with_level(client: Client, police: Any, uscc: str) -> None:
    sign_in(client, police)

    response = _post(client, REQUESTS, _body(enterprise_uscc=uscc))

    payload = response.json()
    assert response.status_code == 201
    assert (payload["level"], payload["stage"], payload["approval"]["triggered_by"]) == (
        "bureau",
        "review",
        ["bank_accounts"],
    )
    assert payload["missing_controls"] == [
        "two_way_notice",
        "instruction_sheet",
        "accompanying_officers",
        "body_camera",
        "case_centre",
    ]
    assert payload["persons"] == [
        {"name": "张三", "id_number": resident_id(1), "measure": "summon"}
    ]


def test_get_request_writes_viewed_audit_record(
    client: Client, police: Any, make_request: Any
) -> None:
    r = make_request()
    sign_in(client, police)
    before = AuditRecord.objects.filter(action="enforcement.viewed").count()

    response = client.get(f"{REQUESTS}/{r.pk}")

    assert response.status_code == 200
    records = AuditRecord.objects.filter(action="enforcement.viewed")
    assert records.count() == before + 1
    last = records.order_by("-seq").first()
    assert last is not None
    assert (last.subject_id, last.actor_id, last.data) == (r.case.number, police.pk, {"via": "api"})


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("POST", "/route", {}),
        ("POST", "/approve", {}),
        ("POST", "/refuse", {"reason": "x"}),
        ("POST", "/execute", {}),
        ("POST", "/stop", {"reason": "x"}),
        ("POST", "/report", {"report": "x"}),
        ("POST", "/controls", {"two_way_notice": True}),
    ],
)
def test_other_roles_get_404_for_existing_request(
    client: Client, make_request: Any, officer: Any, method: str, suffix: str, body: Any
) -> None:
    r = make_request(persons=3)
    sign_in(client, officer)
    before = (AuditRecord.objects.count(), EnforcementRequest.objects.get().case.stage)

    url = f"{REQUESTS}/{r.pk}{suffix}"
    response = client.get(url) if method == "GET" else _post(client, url, body)

    assert (response.status_code, response.json()["code"], response.json()["fields"]) == (
        404,
        "not_found",
        {},
    )
    assert "长沙" not in response.content.decode()
    assert (AuditRecord.objects.count(), EnforcementRequest.objects.get().case.stage) == before


def test_other_roles_get_404_for_list_create_and_report(
    client: Client, make_request: Any, officer: Any, uscc: str
) -> None:
    make_request()
    sign_in(client, officer)

    answers = [
        client.get(REQUESTS).status_code,
        _post(client, REQUESTS, _body(enterprise_uscc=uscc)).status_code,
        client.get(MONTHLY).status_code,
    ]

    assert answers == [404, 404, 404]
    assert EnforcementRequest.objects.count() == 1


def test_unknown_request_and_existing_one_look_the_same_to_outsiders(
    client: Client, make_request: Any, officer: Any
) -> None:
    r = make_request()
    sign_in(client, officer)

    existing = client.get(f"{REQUESTS}/{r.pk}")
    missing = client.get(f"{REQUESTS}/{r.pk + 1000}")

    assert (existing.status_code, existing.json()) == (missing.status_code, missing.json())


def test_execute_over_api_refused_naming_missing(
    client: Client, police: Any, make_request: Any
) -> None:
    r = make_request(persons=3)
    services.request_route(request=r, actor=police)
    sign_in(client, police)

    response = _post(client, f"{REQUESTS}/{r.pk}/execute", {})

    assert (response.status_code, response.json()["code"], list(response.json()["fields"])) == (
        409,
        "controls_incomplete",
        ["controls"],
    )
    assert "双向告知" in response.json()["message"]


def test_full_journey_over_api(client: Client, police: Any, make_request: Any) -> None:
    r = make_request(persons=12)
    sign_in(client, police)
    base = f"{REQUESTS}/{r.pk}"

    stages = [_post(client, f"{base}/route").json()["stage"]]
    stages.append(
        _post(client, f"{base}/approve", {"reference": "深公法〔2026〕3号"}).json()["stage"]
    )
    _post(
        client,
        f"{base}/controls",
        {
            "two_way_notice": True,
            "instruction_sheet_no": "ZLD-7",
            "accompanying_officers": "李警官",
            "body_camera_ref": "JLY-7",
            "case_centre": True,
        },
    )
    stages.append(_post(client, f"{base}/execute", {"note": "已执行"}).json()["stage"])
    final = _post(client, f"{base}/report", {"report": "已协助传唤 12 人"}).json()
    stages.append(final["stage"])

    assert stages == ["department_approval", "approved", "executed", "reported"]
    assert (final["outcome"], final["approval_reference"], final["info_report"]) == (
        "executed",
        "深公法〔2026〕3号",
        "已协助传唤 12 人",
    )


def test_add_document_over_api(client: Client, police: Any, make_request: Any) -> None:
    from tests.enforcement.conftest import pdf

    r = make_request()
    sign_in(client, police)

    response = client.post(
        f"{REQUESTS}/{r.pk}/documents", {"file": pdf("拘留证.pdf"), "purpose": "拘留证"}
    )

    assert (response.status_code, response.json()["name"], response.json()["purpose"]) == (
        201,
        "拘留证.pdf",
        "拘留证",
    )


def test_monthly_report_counts_by_level_and_outcome(
    client: Client, police: Any, make_request: Any
) -> None:
    from tests.conftest import at

    routine = make_request(persons=3, now=at("2026-09-10 10:00"))
    make_request(persons=10, now=at("2026-09-11 10:00"))
    stopped = make_request(persons=30, now=at("2026-09-12 10:00"))
    make_request(persons=3, now=at("2026-10-02 10:00"))
    services.request_route(request=routine, actor=police)
    complete_controls(routine, police)
    services.request_execute(request=routine, actor=police)
    services.request_stop(request=stopped, actor=police, reason="违规要求异地羁押")
    sign_in(client, police)

    response = client.get(MONTHLY, {"year": 2026})

    zero = {"pending": 0, "executed": 0, "refused": 0, "stopped": 0}
    assert response.json() == [
        {
            "month": "2026-10",
            "total": 1,
            "by_level": {
                "bureau": zero,
                "bureau_department": zero,
                "routine": {**zero, "pending": 1},
            },
        },
        {
            "month": "2026-09",
            "total": 3,
            "by_level": {
                "bureau": {**zero, "stopped": 1},
                "bureau_department": {**zero, "pending": 1},
                "routine": {**zero, "executed": 1},
            },
        },
    ]


def _queries_for_list(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(REQUESTS)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_requests_query_count_same_for_1_and_3(
    client: Client, police: Any, make_request: Any
) -> None:
    make_request()
    sign_in(client, police)
    one = _queries_for_list(client)
    make_request()
    make_request()

    three = _queries_for_list(client)

    assert len(client.get(REQUESTS).json()) == 3
    assert one == three
