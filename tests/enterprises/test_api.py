"""enterprises/api.py: the public calculators' answers, in both languages, without login."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.enterprises.test_api_envelope import GOOD_HNTE, GOOD_RD, HNTE, RD

pytestmark = pytest.mark.django_db


def _post(client: Client, path: str, body: dict[str, Any], language: str = "zh-hans") -> Any:
    return client.post(
        path, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )


def test_hnte_check_all_met_answers_every_criterion(client: Client) -> None:
    response = _post(client, HNTE, GOOD_HNTE)

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"eligible", "criteria", "reasons", "citations", "parameters_version"}
    assert body["eligible"] is True
    assert [(c["code"], c["passed"]) for c in body["criteria"]] == [
        ("registered_one_year", True),
        ("core_ip", True),
        ("key_field", True),
        ("tech_staff_ratio", True),
        ("rd_intensity", True),
        ("rd_domestic_share", True),
        ("high_tech_revenue_share", True),
        ("innovation_score", True),
        ("no_major_violation", True),
    ]
    assert body["parameters_version"] == "enterprises.hnte 2016.1"
    assert body["citations"][0] == "国科发火〔2016〕32号《高新技术企业认定管理办法》 第十一条（一）"


def test_hnte_check_failing_criterion_explained_in_english(client: Client) -> None:
    body = {**GOOD_HNTE, "staff_total": 10000, "staff_rd": 999}

    response = _post(client, HNTE, body, "en")

    payload = response.json()
    failed = [c for c in payload["criteria"] if not c["passed"]]
    assert payload["eligible"] is False
    assert failed == [
        {
            "code": "tech_staff_ratio",
            "passed": False,
            "detail": "999 science and technology staff out of 10000 staff in all is 9.99%, "
            "below the required 10%.",
        }
    ]
    assert payload["reasons"] == [
        "1 of 9 criteria not met (Share of science and technology staff); the enterprise does "
        "not yet qualify as a national high and new technology enterprise.",
        failed[0]["detail"],
    ]


@pytest.mark.parametrize(
    ("sales", "passed"),
    [("50,000,000.00", False), ("50000000.01", True), ("5000万", False), (50000001, True)],
)
def test_hnte_check_amounts_as_strings_or_integers(
    client: Client, sales: Any, passed: bool
) -> None:
    # 4.5% of sales: short of 5% at 50,000,000 and below, enough for 4% above it.
    body = {
        **GOOD_HNTE,
        "sales_last_year": sales,
        "sales_3y_total": "100000000",
        "rd_3y_total": "4500000",
        "rd_3y_domestic": "4500000",
    }

    response = _post(client, HNTE, body)

    rd = next(c for c in response.json()["criteria"] if c["code"] == "rd_intensity")
    assert rd["passed"] is passed


def test_rd_deduction_special_sector_answer_in_full(client: Client) -> None:
    body = {**GOOD_RD, "tax_year": 2027, "special_sector": "integrated_circuit"}

    response = _post(client, RD, body)

    assert response.status_code == 200
    assert response.json() == {
        "eligible": True,
        "rate": "1.20",
        "amortisation_rate": "2.20",
        "additional_deduction": "1200000.00",
        "amortisation_base": "1100000.00",
        "special_rate_applied": True,
        "tax_year": 2027,
        "industry": "manufacturing",
        "special_sector": "integrated_circuit",
        "expensed_rd": "1000000.00",
        "capitalised_rd_cost": "500000.00",
        "reasons": [
            "集成电路企业在 2027 年度适用 120% 加计扣除和 220% 摊销。",
            "未形成无形资产的研发费用 1,000,000.00元，在据实扣除的基础上再按 120% 加计扣除 1,200,000.00元。",
            "形成无形资产的研发成本 500,000.00元，按 220% 在税前摊销，摊销基数 1,100,000.00元。",
        ],
        "citations": ["财政部 税务总局 国家发展改革委 工业和信息化部公告2023年第44号 第一条"],
        "parameters_version": "enterprises.rd_deduction 2023.1",
    }


def test_rd_deduction_excluded_industry_zeros_in_english(client: Client) -> None:
    response = _post(client, RD, {**GOOD_RD, "industry": "entertainment"}, "en")

    body = response.json()
    assert (
        body["eligible"],
        body["rate"],
        body["additional_deduction"],
        body["amortisation_base"],
        body["reasons"],
    ) == (
        False,
        "0.00",
        "0.00",
        "0.00",
        [
            "The R&D super-deduction does not apply to entertainment, so the additional "
            "deduction and the amortisation base are both zero."
        ],
    )


@pytest.mark.parametrize(("year", "rate"), [(2023, "1.20"), (2027, "1.20"), (2028, "1.00")])
def test_rd_deduction_machine_tool_by_tax_year(client: Client, year: int, rate: str) -> None:
    body = {**GOOD_RD, "tax_year": year, "special_sector": "machine_tool"}

    assert _post(client, RD, body).json()["rate"] == rate


@pytest.mark.parametrize(("path", "body"), [(HNTE, GOOD_HNTE), (RD, GOOD_RD)])
def test_calculators_need_no_login_and_touch_no_database(
    client: Client, path: str, body: dict[str, Any]
) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = _post(client, path, body)

    assert (response.status_code, len(queries)) == (200, 0)
