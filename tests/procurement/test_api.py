"""procurement/api.py: the public calculators, and an agency's projects over the API."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.procurement import domain, services
from tests.conftest import sign_in
from tests.procurement.conftest import item

pytestmark = pytest.mark.django_db

API = "/api/v1/procurement"


def _post(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.post(
        f"{API}{path}", data=json.dumps(body), content_type="application/json", **extra
    )


# --- set-aside ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "budget", "outcome", "sme_min", "small_min"),
    [
        ("goods", "1,999,999.99", "sme_only", "1999999.99", "0.00"),
        ("goods", 2000000, "sme_only", "2000000.00", "0.00"),
        ("goods", "2000000.01", "reserved_share", "800000.01", "560000.01"),
        ("services", "200万", "sme_only", "2000000.00", "0.00"),
        ("services", "2000000.01", "reserved_share", "800000.01", "560000.01"),
        ("works", "3999999.99", "sme_only", "3999999.99", "0.00"),
        ("works", "400万", "sme_only", "4000000.00", "0.00"),
        ("works", "4000000.01", "reserved_share", "1600000.01", "1120000.01"),
    ],
)
def test_set_aside_endpoint_thresholds(
    client: Client, category: str, budget: Any, outcome: str, sme_min: str, small_min: str
) -> None:
    response = _post(
        client,
        "/set-aside",
        {"category": category, "budget": budget, "suitable_for_sme": True, "on": "2026-03-01"},
    )

    body = response.json()
    assert (response.status_code, body["outcome"], body["sme_reserved_min"], body["small_micro_reserved_min"]) == (200, outcome, sme_min, small_min)  # fmt: skip
    assert body["parameters_version"] == "procurement.set_aside shenzhen-2022"


@pytest.mark.parametrize("exception", domain.EXCEPTIONS)
def test_set_aside_endpoint_exception_not_reserved(client: Client, exception: str) -> None:
    response = _post(
        client,
        "/set-aside",
        {"category": "goods", "budget": "100万", "suitable_for_sme": True, "exception": exception},
    )

    body = response.json()
    assert (response.status_code, body["outcome"], body["sme_reserved_min"], body["small_micro_reserved_min"]) == (200, "not_reserved", "0.00", "0.00")  # fmt: skip


def test_set_aside_endpoint_in_english_with_citations(client: Client) -> None:
    response = _post(
        client,
        "/set-aside",
        {"category": "works", "budget": "4000000", "suitable_for_sme": True, "on": "2021-06-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (response.status_code, response.json()) == (
        200,
        {
            "outcome": "sme_only",
            "sme_reserved_min": "4000000.00",
            "small_micro_reserved_min": "0.00",
            "reasons": [
                "The works budget of 4,000,000.00元 is at or below 4,000,000.00元 and the "
                "project is suitable for SMEs, so it is procured only from SMEs: the whole "
                "4,000,000.00元 is reserved for them"
            ],
            "citations": [f"{domain.MEASURES_2020} 第七条"],
            "parameters_version": "procurement.set_aside national-2021",
        },
    )


def test_set_aside_on_selects_national_set(client: Client) -> None:
    body = {"category": "goods", "budget": "10000000", "suitable_for_sme": True}

    old = _post(client, "/set-aside", {**body, "on": "2022-06-30"}).json()
    new = _post(client, "/set-aside", {**body, "on": "2022-07-01"}).json()

    assert (old["sme_reserved_min"], old["small_micro_reserved_min"]) == (
        "3000000.00",
        "1800000.00",
    )
    assert (new["sme_reserved_min"], new["small_micro_reserved_min"]) == (
        "4000000.00",
        "2800000.00",
    )
    assert old["citations"] == [f"{domain.MEASURES_2020} 第八条"]


# --- price deduction ----------------------------------------------------------------------


def test_price_deduction_endpoint_small_bidder(client: Client) -> None:
    response = _post(
        client,
        "/price-deduction",
        {"category": "goods", "bidder_scale": "small", "bid_price": "1,000,000", "rate": "0.20"},
    )

    assert (response.status_code, response.json()) == (
        200,
        {
            "eligible": True,
            "rate_range": ["0.10", "0.20"],
            "applied_rate": "0.20",
            "evaluation_price": "800000.00",
            "contract_price": "1000000.00",
            "reasons": [
                "投标人为小型企业，货物采购项目（非预留）对小微企业报价给予 10%–20% 的扣除",
                "按采购文件确定的 20% 扣除，评审价 = 1,000,000.00元 ×（1 − 20%）= 800,000.00元；合同价仍为报价 1,000,000.00元",
            ],
            "citations": [domain.MEASURES_2022],
            "parameters_version": "procurement.price_deduction national-2022",
        },
    )


@pytest.mark.parametrize(
    ("body", "eligible", "rate_range", "evaluation"),
    [
        ({"bidder_scale": "large", "small_micro_share": "0.30", "rate": 0.05}, True, ["0.04", "0.06"], "950000.00"),
        ({"bidder_scale": "large", "small_micro_share": "0.2999", "rate": "0.05"}, False, None, "1000000.00"),
        ({"bidder_scale": "micro", "lot_reserved": True, "rate": "0.99"}, False, None, "1000000.00"),
        ({"bidder_scale": "micro", "rate": "15%"}, True, ["0.10", "0.20"], "850000.00"),
        ({"bidder_scale": "small", "category": "works", "rate": "0.05"}, True, ["0.03", "0.05"], "950000.00"),
        ({"bidder_scale": "small", "rate": "0.06", "on": "2022-06-30"}, True, ["0.06", "0.10"], "940000.00"),
    ],
)  # fmt: skip
def test_price_deduction_endpoint_cases(
    client: Client, body: dict[str, Any], eligible: bool, rate_range: Any, evaluation: str
) -> None:
    request = {"category": "goods", "bid_price": 1000000, **body}

    response = _post(client, "/price-deduction", request)

    got = response.json()
    assert (response.status_code, got["eligible"], got["rate_range"], got["evaluation_price"], got["contract_price"]) == (200, eligible, rate_range, evaluation, "1000000.00")  # fmt: skip


# --- enterprise size ----------------------------------------------------------------------


def test_enterprise_size_endpoint_medium(client: Client) -> None:
    response = _post(
        client,
        "/enterprise-size",
        {"industry": "industry", "employees": 300, "revenue": "2000万", "assets": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    body = response.json()
    assert (response.status_code, body["size"], body["is_sme"], body["ocds_scale"], body["measures_used"]) == (200, "medium", True, "sme", ["employees", "revenue"])  # fmt: skip
    assert body["citations"] == [f"{domain.SIZE_STANDARD} 第四条第（二）项"]
    assert body["reasons"][0].startswith(
        "In industry a medium enterprise has at least 300 employees"
    )


def test_enterprise_size_endpoint_large_at_ceiling(client: Client) -> None:
    response = _post(client, "/enterprise-size", {"industry": "other", "employees": 300})

    assert (response.status_code, response.json()["size"], response.json()["ocds_scale"]) == (
        200,
        "large",
        "large",
    )


# --- projects -----------------------------------------------------------------------------


def _project_with_bids(make_project: Any, make_bid: Any, reference: str, bids: int = 1) -> Any:
    project = make_project(reference=reference)
    lot = project.lots.get()
    for n in range(bids):
        make_bid(lot, n + 1, items=[item("small", name="机密服务器")])
    return project


def test_project_detail_for_own_agency(
    client: Client, make_project: Any, make_bid: Any, buyer_a: Any
) -> None:
    project = _project_with_bids(make_project, make_bid, "P-9", bids=2)
    sign_in(client, buyer_a)

    response = client.get(f"{API}/projects/{project.pk}")

    body = response.json()
    assert (response.status_code, body["reference"], body["outcome"], body["budget"]) == (
        200,
        "P-9",
        "sme_only",
        "1500000.00",
    )
    assert [(lot["number"], lot["reserved"], len(lot["bids"])) for lot in body["lots"]] == [
        (1, True, 2)
    ]


def test_project_of_other_agency_is_404_and_leaks_nothing(
    client: Client, make_project: Any, make_bid: Any, buyer_b: Any
) -> None:
    project = _project_with_bids(make_project, make_bid, "SECRET-1")
    sign_in(client, buyer_b)

    detail = client.get(f"{API}/projects/{project.pk}")
    ocds = client.get(f"{API}/projects/{project.pk}/ocds")
    listing = client.get(f"{API}/projects")
    missing = client.get(f"{API}/projects/999999")

    assert (detail.status_code, detail.json()) == (missing.status_code, missing.json())
    assert (detail.status_code, ocds.status_code) == (404, 404)
    assert (listing.status_code, listing.json()) == (200, [])
    for response in (detail, ocds, listing):
        assert "SECRET-1" not in response.content.decode()
        assert "机密服务器" not in response.content.decode()


def test_project_of_bank_officer_is_404(
    client: Client, make_project: Any, make_bid: Any, banker_a: Any
) -> None:
    project = _project_with_bids(make_project, make_bid, "SECRET-2")
    sign_in(client, banker_a)

    response = client.get(f"{API}/projects/{project.pk}")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("path", ["/projects", "/projects/{id}"])
def test_project_list_and_detail_query_count_same_for_1_and_3(
    client: Client, make_project: Any, make_bid: Any, buyer_a: Any, path: str
) -> None:
    first = _project_with_bids(make_project, make_bid, "Q-1", bids=1)
    sign_in(client, buyer_a)
    url = f"{API}{path}".format(id=first.pk)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in (2, 3):
        project = _project_with_bids(make_project, make_bid, f"Q-{n}", bids=1)
        lot = first.lots.get()
        services.bid_record(
            actor=buyer_a,
            lot=lot,
            supplier_name=f"加投{n}",
            supplier_uscc=project.agency.uscc,
            price=Decimal("1"),
            small_micro_share=None,
            items=[item("small"), item("micro", employees=5)],
        )

    with CaptureQueriesContext(connection) as three:
        response = client.get(url)

    assert response.status_code == 200
    assert len(three) == len(one)


def test_report_endpoint_formats_money_and_shares(
    client: Client, make_project: Any, make_bid: Any, buyer_a: Any
) -> None:
    project = _project_with_bids(make_project, make_bid, "R-1")
    sign_in(client, buyer_a)

    response = client.get(f"{API}/reports/{project.decided_on.year}")

    assert (response.status_code, response.json()) == (
        200,
        [
            {
                "agency": "甲区机关事务管理局",
                "year": project.decided_on.year,
                "projects": 1,
                "budget": "1500000.00",
                "sme_reserved_min": "1500000.00",
                "small_micro_reserved_min": "0.00",
                "reserved_budget": "1500000.00",
                "reverted_budget": "0.00",
                "reserved_share": "100.00",
                "awarded": "0.00",
                "awarded_to_sme": "0.00",
                "awarded_to_small_micro": "0.00",
                "sme_share": None,
                "small_micro_share": None,
                "reserved_contracts": 0,
            }
        ],
    )
