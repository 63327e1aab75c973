"""The calculators answer bad requests with {"code", "message", "fields"} and write nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.enterprises.models import Enterprise, TierHolding

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
HNTE = "/api/v1/enterprises/hnte-check"
RD = "/api/v1/enterprises/rd-deduction"

GOOD_HNTE: dict[str, Any] = {
    "registered_on": "2020-05-20",
    "assessed_on": "2025-06-30",
    "owns_core_ip": True,
    "tech_in_key_fields": True,
    "staff_total": 100,
    "staff_rd": 20,
    "sales_last_year": "40000000",
    "sales_3y_total": "100000000",
    "rd_3y_total": "6000000",
    "rd_3y_domestic": "6000000",
    "high_tech_revenue_last_year": "30000000",
    "revenue_last_year": "40000000",
    "innovation_score": 80,
    "major_violation_last_year": False,
}
GOOD_RD: dict[str, Any] = {
    "tax_year": 2024,
    "industry": "manufacturing",
    "special_sector": "none",
    "expensed_rd": "1000000",
    "capitalised_rd_cost": 500000,
}


@dataclass(frozen=True)
class Bad:
    path: str
    label: str
    body: Any  # a str is sent as it is
    status: int
    code: str
    fields: frozenset[str]

    def id(self) -> str:
        return f"{self.path} {self.label}"


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def F(*names: str) -> frozenset[str]:
    return frozenset(names)


H, R = GOOD_HNTE, GOOD_RD

# fmt: off
BAD: list[Bad] = [
    Bad(HNTE, "malformed json", '{"staff_total": ', 400, "bad_request", F()),
    *[Bad(HNTE, f"{key} missing", _without(H, key), 422, "invalid", F(key)) for key in H],
    *[Bad(HNTE, f"{key} null", {**H, key: None}, 422, "invalid" if key not in (
        "sales_last_year", "sales_3y_total", "rd_3y_total", "rd_3y_domestic",
        "high_tech_revenue_last_year", "revenue_last_year") else "amount_invalid", F(key))
      for key in H],
    Bad(HNTE, "date as a number", {**H, "registered_on": 20200520}, 422, "invalid", F("registered_on")),
    Bad(HNTE, "date not a date", {**H, "assessed_on": "2025-02-30"}, 422, "invalid", F("assessed_on")),
    Bad(HNTE, "dates in the wrong order", {**H, "assessed_on": "2020-05-19"}, 422, "dates_out_of_order", F("assessed_on")),
    Bad(HNTE, "bool as text", {**H, "owns_core_ip": "yes"}, 422, "invalid", F("owns_core_ip")),
    Bad(HNTE, "bool as a number", {**H, "major_violation_last_year": 0}, 422, "invalid", F("major_violation_last_year")),
    Bad(HNTE, "staff as text", {**H, "staff_total": "100"}, 422, "invalid", F("staff_total")),
    Bad(HNTE, "staff a float", {**H, "staff_rd": 10.5}, 422, "invalid", F("staff_rd")),
    Bad(HNTE, "staff a bool", {**H, "staff_total": True}, 422, "invalid", F("staff_total")),
    Bad(HNTE, "staff zero", {**H, "staff_total": 0, "staff_rd": 0}, 422, "out_of_range", F("staff_total")),
    Bad(HNTE, "staff huge", {**H, "staff_total": 10**30}, 422, "out_of_range", F("staff_total")),
    Bad(HNTE, "staff negative", {**H, "staff_rd": -1}, 422, "negative", F("staff_rd")),
    Bad(HNTE, "staff_rd above staff_total", {**H, "staff_rd": 101}, 422, "part_exceeds_whole", F("staff_rd")),
    Bad(HNTE, "float amount", {**H, "sales_last_year": 40000000.5}, 422, "amount_invalid", F("sales_last_year")),
    Bad(HNTE, "negative amount", {**H, "rd_3y_total": "-1"}, 422, "amount_invalid", F("rd_3y_total")),
    Bad(HNTE, "negative integer amount", {**H, "revenue_last_year": -5}, 422, "amount_invalid", F("revenue_last_year")),
    Bad(HNTE, "huge amount", {**H, "sales_3y_total": "1" + "0" * 16}, 422, "amount_invalid", F("sales_3y_total")),
    Bad(HNTE, "amount not a number", {**H, "rd_3y_domestic": "lots"}, 422, "amount_invalid", F("rd_3y_domestic")),
    Bad(HNTE, "amount a fraction of a fen", {**H, "high_tech_revenue_last_year": "1.001"}, 422, "amount_invalid", F("high_tech_revenue_last_year")),
    Bad(HNTE, "amount a bool", {**H, "sales_last_year": True}, 422, "amount_invalid", F("sales_last_year")),
    Bad(HNTE, "domestic above total", {**H, "rd_3y_domestic": "6000000.01"}, 422, "part_exceeds_whole", F("rd_3y_domestic")),
    Bad(HNTE, "last year above three years", {**H, "sales_last_year": "100000000.01"}, 422, "part_exceeds_whole", F("sales_last_year")),
    Bad(HNTE, "high-tech above revenue", {**H, "high_tech_revenue_last_year": "40000000.01"}, 422, "part_exceeds_whole", F("high_tech_revenue_last_year")),
    Bad(HNTE, "score above 100", {**H, "innovation_score": 101}, 422, "out_of_range", F("innovation_score")),
    Bad(HNTE, "score negative", {**H, "innovation_score": -1}, 422, "out_of_range", F("innovation_score")),
    Bad(HNTE, "score a float", {**H, "innovation_score": 71.5}, 422, "invalid", F("innovation_score")),
    Bad(RD, "malformed json", "{", 400, "bad_request", F()),
    *[Bad(RD, f"{key} missing", _without(R, key), 422, "invalid", F(key)) for key in R],
    Bad(RD, "unknown industry", {**R, "industry": "mining"}, 422, "invalid", F("industry")),
    Bad(RD, "industry in Chinese", {**R, "industry": "制造业"}, 422, "invalid", F("industry")),
    Bad(RD, "unknown special sector", {**R, "special_sector": "biotech"}, 422, "invalid", F("special_sector")),
    Bad(RD, "special sector null", {**R, "special_sector": None}, 422, "invalid", F("special_sector")),
    Bad(RD, "tax year 2022", {**R, "tax_year": 2022}, 422, "tax_year_unsupported", F("tax_year")),
    Bad(RD, "tax year huge", {**R, "tax_year": 10**30}, 422, "tax_year_unsupported", F("tax_year")),
    Bad(RD, "tax year as text", {**R, "tax_year": "2024"}, 422, "invalid", F("tax_year")),
    Bad(RD, "tax year a float", {**R, "tax_year": 2024.0}, 422, "invalid", F("tax_year")),
    Bad(RD, "float amount", {**R, "expensed_rd": 1000.25}, 422, "amount_invalid", F("expensed_rd")),
    Bad(RD, "negative amount", {**R, "capitalised_rd_cost": "-0.01"}, 422, "amount_invalid", F("capitalised_rd_cost")),
    Bad(RD, "huge amount", {**R, "expensed_rd": 10**16}, 422, "amount_invalid", F("expensed_rd")),
    Bad(RD, "amount null", {**R, "capitalised_rd_cost": None}, 422, "amount_invalid", F("capitalised_rd_cost")),
    Bad(RD, "amount a list", {**R, "expensed_rd": [1]}, 422, "amount_invalid", F("expensed_rd")),
]
# fmt: on

# tests/api/test_openapi_coverage.py: every endpoint of the module has bad-input tests.
TESTED_ENDPOINTS = {("POST", b.path) for b in BAD}


def _counts() -> tuple[int, int, int]:
    return Enterprise.objects.count(), TierHolding.objects.count(), AuditRecord.objects.count()


@pytest.mark.parametrize("bad", BAD, ids=Bad.id)
def test_bad_request_gets_envelope_naming_the_field_and_writes_nothing(
    client: Client, bad: Bad
) -> None:
    body = bad.body if isinstance(bad.body, str) else json.dumps(bad.body)
    before = _counts()

    response = client.post(bad.path, body, content_type="application/json")

    payload = response.json()
    assert (response.status_code, payload["code"]) == (bad.status, bad.code)
    assert set(payload) == ENVELOPE_KEYS
    assert set(payload["fields"]) == bad.fields
    assert all(isinstance(text, str) and text for text in payload["fields"].values())
    assert _counts() == before


@pytest.mark.parametrize(
    ("path", "body", "field", "message"),
    [
        (
            HNTE,
            {**GOOD_HNTE, "staff_rd": 101},
            "staff_rd",
            "The science and technology staff (101) cannot be more than the total staff (100), "
            "of which it is a part; please check both.",
        ),
        (
            RD,
            {**GOOD_RD, "tax_year": 2022},
            "tax_year",
            "This calculator applies 财政部 税务总局公告2023年第7号, which covers tax years from "
            "2023; for 2022 earlier rules apply, so please ask the tax office.",
        ),
    ],
)
def test_bad_request_in_english_with_accept_language(
    client: Client, path: str, body: dict[str, Any], field: str, message: str
) -> None:
    response = client.post(
        path, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.json() == {
        "code": response.json()["code"],
        "message": message,
        "fields": {field: message},
    }
