"""Every procurement endpoint answers bad input with {"code", "message", "fields"}, names
the field, and writes nothing. tests/api/test_openapi_coverage.py reads TESTED_ENDPOINTS."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.procurement.models import Bid, Lot, Project
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
SET_ASIDE = "/api/v1/procurement/set-aside"
DEDUCTION = "/api/v1/procurement/price-deduction"
SIZE = "/api/v1/procurement/enterprise-size"
PROJECTS = "/api/v1/procurement/projects"
PROJECT = "/api/v1/procurement/projects/{project_id}"
OCDS = "/api/v1/procurement/projects/{project_id}/ocds"
REPORT = "/api/v1/procurement/reports/{year}"


def F(*names: str) -> frozenset[str]:  # reads as a set literal in the table
    return frozenset(names)


GOOD_SET_ASIDE = {"category": "goods", "budget": "100万", "suitable_for_sme": True}
GOOD_DEDUCTION = {"category": "goods", "bidder_scale": "small", "bid_price": "100", "rate": "0.1"}
GOOD_SIZE = {"industry": "industry", "employees": 10, "revenue": "100", "assets": "100"}


def _with(good: dict[str, Any], **change: Any) -> dict[str, Any]:
    return {**good, **change}


def _without(good: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in good.items() if k != key}


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    label: str
    status: int
    code: str
    fields: frozenset[str] = field(default_factory=frozenset)
    who: str | None = None  # None: anonymous
    url: str = ""
    body: Any = None

    def id(self) -> str:
        return f"{self.method} {self.path} {self.label}"


# fmt: off
BAD_REQUESTS = [
    # --- set-aside ----------------------------------------------------------------------
    Bad("POST", SET_ASIDE, "malformed json", 400, "bad_request", body='{"category": '),
    Bad("POST", SET_ASIDE, "budget missing", 422, "invalid", F("budget"), body=_without(GOOD_SET_ASIDE, "budget")),
    Bad("POST", SET_ASIDE, "category missing", 422, "invalid", F("category"), body=_without(GOOD_SET_ASIDE, "category")),
    Bad("POST", SET_ASIDE, "suitable missing", 422, "invalid", F("suitable_for_sme"), body=_without(GOOD_SET_ASIDE, "suitable_for_sme")),
    Bad("POST", SET_ASIDE, "unknown category", 422, "invalid", F("category"), body=_with(GOOD_SET_ASIDE, category="food")),
    Bad("POST", SET_ASIDE, "unknown exception", 422, "invalid", F("exception"), body=_with(GOOD_SET_ASIDE, exception="because")),
    Bad("POST", SET_ASIDE, "suitable a string", 422, "invalid", F("suitable_for_sme"), body=_with(GOOD_SET_ASIDE, suitable_for_sme="yes")),
    Bad("POST", SET_ASIDE, "budget float", 422, "amount_invalid", F("budget"), body=_with(GOOD_SET_ASIDE, budget=1.5)),
    Bad("POST", SET_ASIDE, "budget negative", 422, "amount_invalid", F("budget"), body=_with(GOOD_SET_ASIDE, budget="-1")),
    Bad("POST", SET_ASIDE, "budget zero", 422, "amount_invalid", F("budget"), body=_with(GOOD_SET_ASIDE, budget=0)),
    Bad("POST", SET_ASIDE, "budget a word", 422, "amount_invalid", F("budget"), body=_with(GOOD_SET_ASIDE, budget="lots")),
    Bad("POST", SET_ASIDE, "budget huge", 422, "amount_invalid", F("budget"), body=_with(GOOD_SET_ASIDE, budget=10**30)),
    Bad("POST", SET_ASIDE, "budget null", 422, "required", F("budget"), body=_with(GOOD_SET_ASIDE, budget=None)),
    Bad("POST", SET_ASIDE, "on not a date", 422, "date_invalid", F("on"), body=_with(GOOD_SET_ASIDE, on="yesterday")),
    Bad("POST", SET_ASIDE, "on a number", 422, "date_invalid", F("on"), body=_with(GOOD_SET_ASIDE, on=20260101)),
    Bad("POST", SET_ASIDE, "on before any parameters", 422, "no_parameters", F("on"), body=_with(GOOD_SET_ASIDE, on="2020-12-31")),
    # --- price deduction ----------------------------------------------------------------
    Bad("POST", DEDUCTION, "malformed json", 400, "bad_request", body="{"),
    Bad("POST", DEDUCTION, "rate missing", 422, "invalid", F("rate"), body=_without(GOOD_DEDUCTION, "rate")),
    Bad("POST", DEDUCTION, "bid_price missing", 422, "invalid", F("bid_price"), body=_without(GOOD_DEDUCTION, "bid_price")),
    Bad("POST", DEDUCTION, "unknown scale", 422, "invalid", F("bidder_scale"), body=_with(GOOD_DEDUCTION, bidder_scale="tiny")),
    Bad("POST", DEDUCTION, "bid_price float", 422, "amount_invalid", F("bid_price"), body=_with(GOOD_DEDUCTION, bid_price=99.5)),
    Bad("POST", DEDUCTION, "bid_price negative", 422, "amount_invalid", F("bid_price"), body=_with(GOOD_DEDUCTION, bid_price="-100")),
    Bad("POST", DEDUCTION, "bid_price huge", 422, "amount_invalid", F("bid_price"), body=_with(GOOD_DEDUCTION, bid_price="1e400")),
    Bad("POST", DEDUCTION, "rate above 1", 422, "fraction_invalid", F("rate"), body=_with(GOOD_DEDUCTION, rate="1.5")),
    Bad("POST", DEDUCTION, "rate negative", 422, "fraction_invalid", F("rate"), body=_with(GOOD_DEDUCTION, rate=-0.1)),
    Bad("POST", DEDUCTION, "rate a word", 422, "fraction_invalid", F("rate"), body=_with(GOOD_DEDUCTION, rate="ten")),
    Bad("POST", DEDUCTION, "rate true", 422, "fraction_invalid", F("rate"), body=_with(GOOD_DEDUCTION, rate=True)),
    Bad("POST", DEDUCTION, "rate outside range", 422, "rate_out_of_range", F("rate"), body=_with(GOOD_DEDUCTION, rate="0.21")),
    Bad("POST", DEDUCTION, "share above 1", 422, "fraction_invalid", F("small_micro_share"), body=_with(GOOD_DEDUCTION, small_micro_share="2")),
    Bad("POST", DEDUCTION, "lot_reserved a string", 422, "invalid", F("lot_reserved"), body=_with(GOOD_DEDUCTION, lot_reserved="no")),
    # --- enterprise size ----------------------------------------------------------------
    Bad("POST", SIZE, "malformed json", 400, "bad_request", body="[}"),
    Bad("POST", SIZE, "industry missing", 422, "invalid", F("industry"), body=_without(GOOD_SIZE, "industry")),
    Bad("POST", SIZE, "unknown industry", 422, "invalid", F("industry"), body=_with(GOOD_SIZE, industry="mining")),
    Bad("POST", SIZE, "revenue needed", 422, "required", F("revenue"), body=_without(GOOD_SIZE, "revenue")),
    Bad("POST", SIZE, "employees needed", 422, "required", F("employees"), body=_without(GOOD_SIZE, "employees")),
    Bad("POST", SIZE, "employees negative", 422, "invalid", F("employees"), body=_with(GOOD_SIZE, employees=-1)),
    Bad("POST", SIZE, "employees fraction", 422, "invalid", F("employees"), body=_with(GOOD_SIZE, employees=10.5)),
    Bad("POST", SIZE, "employees a string", 422, "invalid", F("employees"), body=_with(GOOD_SIZE, employees="10")),
    Bad("POST", SIZE, "employees huge", 422, "invalid", F("employees"), body=_with(GOOD_SIZE, employees=10**20)),
    Bad("POST", SIZE, "revenue float", 422, "amount_invalid", F("revenue"), body=_with(GOOD_SIZE, revenue=1.5)),
    Bad("POST", SIZE, "revenue negative", 422, "amount_invalid", F("revenue"), body=_with(GOOD_SIZE, revenue="-1")),
    Bad("POST", SIZE, "assets a word", 422, "amount_invalid", F("assets"), body=_with(GOOD_SIZE, industry="construction", assets="much")),
    # --- projects -----------------------------------------------------------------------
    Bad("GET", PROJECTS, "limit 0", 422, "invalid", F("limit"), who="buyer_a", url=f"{PROJECTS}?limit=0"),
    Bad("GET", PROJECTS, "limit a word", 422, "invalid", F("limit"), who="buyer_a", url=f"{PROJECTS}?limit=all"),
    Bad("GET", PROJECTS, "limit 201", 422, "invalid", F("limit"), who="buyer_a", url=f"{PROJECTS}?limit=201"),
    Bad("GET", PROJECT, "other agency", 404, "not_found", who="buyer_b", url=PROJECT.format(project_id="{project}")),
    Bad("GET", PROJECT, "unknown id", 404, "not_found", who="buyer_a", url=PROJECT.format(project_id="999999")),
    Bad("GET", PROJECT, "id not a number", 422, "invalid", F("project_id"), who="buyer_a", url=PROJECT.format(project_id="abc")),
    Bad("GET", OCDS, "other agency", 404, "not_found", who="buyer_b", url=OCDS.format(project_id="{project}")),
    Bad("GET", OCDS, "unknown id", 404, "not_found", who="buyer_a", url=OCDS.format(project_id="999999")),
    Bad("GET", OCDS, "id not a number", 422, "invalid", F("project_id"), who="buyer_a", url=OCDS.format(project_id="x")),
    Bad("GET", REPORT, "year a word", 422, "invalid", F("year"), who="buyer_a", url=REPORT.format(year="this")),
    Bad("GET", REPORT, "year 1999", 422, "invalid", F("year"), who="buyer_a", url=REPORT.format(year="1999")),
    Bad("GET", REPORT, "year huge", 422, "invalid", F("year"), who="buyer_a", url=REPORT.format(year=10**20)),
]
# fmt: on

# The endpoints this file covers (tests/api/test_openapi_coverage.py).
TESTED_ENDPOINTS = {(b.method, b.path) for b in BAD_REQUESTS}
AUTHENTICATED = sorted({(b.method, b.path) for b in BAD_REQUESTS if b.who is not None})


def _counts() -> tuple[int, int, int, int]:
    return (
        Project.objects.count(),
        Lot.objects.count(),
        Bid.objects.count(),
        AuditRecord.objects.count(),
    )


@pytest.fixture
def world(make_project: Any, make_bid: Any, buyer_a: Any, buyer_b: Any) -> dict[str, Any]:
    project = make_project(reference="SECRET-ENV")
    make_bid(project.lots.get(), 1)
    return {"project": project, "users": {"buyer_a": buyer_a, "buyer_b": buyer_b}}


def _send(client: Client, bad: Bad, url: str) -> Any:
    if bad.method == "GET":
        return client.get(url)
    data = bad.body if isinstance(bad.body, str) else json.dumps(bad.body)
    return client.post(url, data=data, content_type="application/json")


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=Bad.id)
def test_bad_request_gets_envelope_and_writes_nothing(
    client: Client, world: dict[str, Any], bad: Bad
) -> None:
    if bad.who is not None:
        sign_in(client, world["users"][bad.who])
    url = (bad.url or bad.path).format(project=world["project"].pk)
    before = _counts()

    response = _send(client, bad, url)

    payload = response.json()
    assert (response.status_code, payload["code"]) == (bad.status, bad.code)
    assert set(payload) == ENVELOPE_KEYS
    assert set(payload["fields"]) == bad.fields
    assert isinstance(payload["message"], str)
    assert payload["message"] != ""
    assert "SECRET-ENV" not in response.content.decode()
    assert _counts() == before


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_project_endpoints_without_auth_are_401(
    client: Client, world: dict[str, Any], method: str, path: str
) -> None:
    url = path.format(project_id=world["project"].pk, year=2026)

    response = client.get(url)

    assert (response.status_code, response.json()) == (
        401,
        {"code": "unauthenticated", "message": "请先登录或提供有效的令牌", "fields": {}},
    )


def test_calculator_error_in_english(client: Client) -> None:
    response = client.post(
        DEDUCTION,
        data=json.dumps(_with(GOOD_DEDUCTION, rate="0.25")),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    message = (
        "The rate 25% is outside the range 10%–20% that applies (goods, small enterprise); "
        "fix a rate within it in the tender documents"
    )
    assert (response.status_code, response.json()) == (
        422,
        {"code": "rate_out_of_range", "message": message, "fields": {"rate": message}},
    )
