"""insights/api.py: GET /api/v1/insights/cycle-times answers the dashboard's numbers."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.accounts.models import ApiToken
from rainforest.accounts.roles import Role
from rainforest.cases.services import case_transition
from tests.conftest import at, sign_in
from tests.factories import person
from tests.insights.conftest import NOW, Pledges

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/cycle-times"


@pytest.fixture
def frozen_now() -> Any:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


def _process(body: dict[str, Any], code: str = "ip_pledge") -> dict[str, Any]:
    (found,) = [p for p in body["processes"] if p["process"] == code]
    return found


def test_cycle_times_api_returns_dashboard_numbers(
    client: Client, pledges: Pledges, leader: Any, frozen_now: Any
) -> None:
    sign_in(client, leader)

    response = client.get(URL, {"process": "ip_pledge", "year": 2026})

    body = response.json()
    assert response.status_code == 200
    assert body["filters"] == {
        "year": 2026,
        "process": "ip_pledge",
        "dimension": None,
        "value": None,
        "value_label": None,
    }
    assert body["as_of"] == "2026-11-16T10:00:00+08:00"
    office = {
        "roles": ["programme_officer"],
        "name_zh": "项目处工作人员",
        "name_en": "Programme officer",
    }
    assert body["processes"] == [
        {
            "process": "ip_pledge",
            "name_zh": "知识产权质押登记",
            "name_en": "IP-pledge registration",
            "cases": 4,
            "open_cases": 1,
            "overdue": 1,
            "versions": [
                {
                    "version": 1,
                    "stages": [
                        {
                            "stage": "review", "name_zh": "登记审查", "name_en": "Review",
                            "kind": "task", "time_limit_workdays": 2, "office": office,
                            "completed": 4, "median_workdays": 2.5, "p90_workdays": 3.7,
                            "in_progress": 1, "current": 1, "overdue": 1,
                        },
                        {
                            "stage": "correction", "name_zh": "待补正",
                            "name_en": "Awaiting correction", "kind": "wait_applicant",
                            "time_limit_workdays": None,
                            "office": {"roles": ["bank_officer"], "name_zh": "银行经办人", "name_en": "Bank officer"},
                            "completed": 1, "median_workdays": 3.0, "p90_workdays": 3.0,
                            "in_progress": 0, "current": 0, "overdue": 0,
                        },
                    ],
                    "outcomes": [
                        {"stage": "registered", "name_zh": "已登记", "name_en": "Registered", "cases": 3},
                        {"stage": "rejected", "name_zh": "不予登记", "name_en": "Rejected", "cases": 0},
                        {"stage": "withdrawn", "name_zh": "已撤回", "name_en": "Withdrawn", "cases": 0},
                    ],
                }
            ],
            "spans": [
                {
                    "code": "open_to_close", "name_zh": "受理至办结",
                    "name_en": "From filing to closing", "completed": 3,
                    "median_workdays": 3.0, "p90_workdays": 7.8, "in_progress": 1,
                }
            ],
            "overdue_by_office": [{"office": office, "overdue": 1}],
            "shares": [],
        }
    ]  # fmt: skip
    assert body["overdue_by_office"] == [{"office": office, "overdue": 1}]
    assert body["method"] == "百分位数按最近两个秩次线性插值计算（与 Excel PERCENTILE.INC 相同）"


def test_cycle_times_api_with_bearer_token(pledges: Pledges, officer: Any, client: Client) -> None:
    raw = "rf_test_insights_token"
    ApiToken.objects.create(user=officer, name="t", key_hash=ApiToken.hash_key(raw))

    response = client.get(URL, {"process": "ip_pledge"}, HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 200
    assert _process(response.json())["cases"] == 4


def test_cycle_times_api_dimension_filter(
    client: Client, pledges: Pledges, leader: Any, bank_dimension: Any, bank_a: Any, bank_b: Any
) -> None:
    sign_in(client, leader)

    mine = client.get(URL, {"process": "ip_pledge", "dimension": "bank", "value": bank_a.pk})
    other = client.get(URL, {"process": "ip_pledge", "dimension": "bank", "value": bank_b.pk})

    assert mine.json()["filters"]["value_label"] == "甲银行"
    assert _process(mine.json())["cases"] == 4
    # Bank B filed nothing, so it is not among the values.
    assert (other.status_code, other.json()["fields"]) == (
        422,
        {"value": "这个维度没有这个取值，请从列表中选择"},
    )


def test_cycle_times_api_method_in_english(client: Client, leader: Any) -> None:
    sign_in(client, leader)

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["method"] == (
        "Percentiles by linear interpolation between closest ranks (as Excel PERCENTILE.INC)"
    )


@pytest.mark.parametrize("role", [Role.BANK_OFFICER, Role.APPLICANT, Role.POLICE_LEGAL_OFFICER])
def test_cycle_times_api_is_not_found_outside_leadership(
    client: Client, pledges: Pledges, bank_a: Any, role: str
) -> None:
    sign_in(client, person(role, bank_a))

    response = client.get(URL)

    assert (response.status_code, response.json()) == (
        404,
        {"code": "not_found", "message": "未找到", "fields": {}},
    )


def test_cycle_times_api_query_count_does_not_grow_with_cases(
    client: Client, file_pledge: Any, banker_a: Any, bank_a: Any, officer: Any, leader: Any
) -> None:
    sign_in(client, leader)
    first = file_pledge(banker_a, bank_a, now=at("2026-11-02 09:00")).case
    case_transition(case=first, action="register", actor=officer, now=at("2026-11-03 09:00"))
    client.get(URL)

    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for day in ("03", "04"):
        file_pledge(banker_a, bank_a, now=at(f"2026-11-{day} 09:00"))
    with CaptureQueriesContext(connection) as three:
        response = client.get(URL)

    assert _process(response.json())["cases"] == 3
    assert len(three) == len(one)
