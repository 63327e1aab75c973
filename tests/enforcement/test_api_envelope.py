"""Every enforcement endpoint answers bad input with {"code", "message", "fields"} and
writes nothing; outsiders get 404 whatever they send."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Attachment, Case, TimelineEntry
from rainforest.core.ids import make_uscc
from rainforest.enforcement import services
from rainforest.enforcement.models import EnforcementPerson, EnforcementRequest
from tests.conftest import sign_in
from tests.enforcement.conftest import complete_controls, resident_id

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
MISSING_ID = 999999

LEVEL = "/api/v1/enforcement/approval-level"
REQUESTS = "/api/v1/enforcement/requests"
REQUEST = "/api/v1/enforcement/requests/{request_id}"
DOCUMENTS = "/api/v1/enforcement/requests/{request_id}/documents"
CONTROLS = "/api/v1/enforcement/requests/{request_id}/controls"
ROUTE = "/api/v1/enforcement/requests/{request_id}/route"
APPROVE = "/api/v1/enforcement/requests/{request_id}/approve"
REFUSE = "/api/v1/enforcement/requests/{request_id}/refuse"
EXECUTE = "/api/v1/enforcement/requests/{request_id}/execute"
STOP = "/api/v1/enforcement/requests/{request_id}/stop"
REPORT = "/api/v1/enforcement/requests/{request_id}/report"
MONTHLY = "/api/v1/enforcement/reports/monthly"


def _counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        EnforcementRequest.objects.count(),
        EnforcementPerson.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
        Attachment.objects.count(),
    )


@dataclass(frozen=True)
class World:
    review: Any  # department level, in review
    approved: Any  # routine, approved, controls missing
    executed: Any  # routine, executed
    users: dict[str, Any]

    def ids(self) -> dict[str, object]:
        return {
            "review": self.review.pk,
            "approved": self.approved.pk,
            "executed": self.executed.pk,
            "missing": MISSING_ID,
        }


@pytest.fixture
def world(police: Any, officer: Any, make_request: Any) -> World:
    review = make_request(persons=10)
    approved = make_request(persons=3)
    services.request_route(request=approved, actor=police)
    executed = make_request(persons=3)
    services.request_route(request=executed, actor=police)
    complete_controls(executed, police)
    services.request_execute(request=executed, actor=police)
    return World(review, approved, executed, {"police": police, "officer": officer})


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    label: str
    status: int
    code: str
    fields: frozenset[str] = field(default_factory=frozenset)
    who: str = "police"
    url: str = ""
    query: str = ""
    body: Any = None
    multipart: bool = False

    def id(self) -> str:
        return f"{self.method} {self.path} {self.label}"


def F(*names: str) -> frozenset[str]:  # reads as a set literal in the table
    return frozenset(names)


GOOD_LEVEL = {"persons": 1, "property_value": "0", "bank_accounts": 0}


def _level(**change: Any) -> dict[str, Any]:
    return {**GOOD_LEVEL, **change}


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


GOOD_REQUEST = {
    "agency_name": "长沙市公安局经济犯罪侦查支队",
    "agency_region": "湖南省长沙市",
    "enterprise_name": "深圳雨林科技有限公司",
    "enterprise_uscc": make_uscc("91440300MA5FRM001"),
    "persons": [{"name": "张三", "id_number": resident_id(1), "measure": "summon"}],
    "persons_count": 1,
    "property_value": "0",
    "bank_accounts": 0,
}


def _req(**change: Any) -> dict[str, Any]:
    return {**GOOD_REQUEST, **change}


def _r(path: str, key: str) -> str:
    return path.format(request_id="{" + key + "}")


BAD_ID = resident_id(1)[:17] + ("1" if resident_id(1)[17] != "1" else "2")

# fmt: off
BAD_REQUESTS: list[Bad] = [
    # --- the public calculator ------------------------------------------------------------
    Bad("POST", LEVEL, "malformed json", 400, "bad_request", who="anon", body='{"persons": '),
    Bad("POST", LEVEL, "array body", 422, "invalid", F("persons", "property_value", "bank_accounts"), who="anon", body="[]"),
    Bad("POST", LEVEL, "persons missing", 422, "invalid", F("persons"), who="anon", body=_without(GOOD_LEVEL, "persons")),
    Bad("POST", LEVEL, "property_value missing", 422, "invalid", F("property_value"), who="anon", body=_without(GOOD_LEVEL, "property_value")),
    Bad("POST", LEVEL, "bank_accounts missing", 422, "invalid", F("bank_accounts"), who="anon", body=_without(GOOD_LEVEL, "bank_accounts")),
    Bad("POST", LEVEL, "persons negative", 422, "invalid", F("persons"), who="anon", body=_level(persons=-1)),
    Bad("POST", LEVEL, "persons fraction", 422, "invalid", F("persons"), who="anon", body=_level(persons=10.5)),
    Bad("POST", LEVEL, "persons float 10.0", 422, "invalid", F("persons"), who="anon", body=_level(persons=10.0)),
    Bad("POST", LEVEL, "persons string", 422, "invalid", F("persons"), who="anon", body=_level(persons="10")),
    Bad("POST", LEVEL, "persons true", 422, "invalid", F("persons"), who="anon", body=_level(persons=True)),
    Bad("POST", LEVEL, "persons null", 422, "invalid", F("persons"), who="anon", body=_level(persons=None)),
    Bad("POST", LEVEL, "persons 10**20", 422, "invalid", F("persons"), who="anon", body=_level(persons=10**20)),
    Bad("POST", LEVEL, "bank_accounts negative", 422, "invalid", F("bank_accounts"), who="anon", body=_level(bank_accounts=-5)),
    Bad("POST", LEVEL, "bank_accounts fraction", 422, "invalid", F("bank_accounts"), who="anon", body=_level(bank_accounts=49.9)),
    Bad("POST", LEVEL, "property_value float", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value=1.5)),
    Bad("POST", LEVEL, "property_value float whole", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value=10000000.0)),
    Bad("POST", LEVEL, "property_value negative", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value="-1")),
    Bad("POST", LEVEL, "property_value negative int", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value=-1)),
    Bad("POST", LEVEL, "property_value 10**30", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value=10**30)),
    Bad("POST", LEVEL, "property_value word", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value="a lot")),
    Bad("POST", LEVEL, "property_value NaN", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value="NaN")),
    Bad("POST", LEVEL, "property_value null", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value=None)),
    Bad("POST", LEVEL, "property_value true", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value=True)),
    Bad("POST", LEVEL, "property_value fraction of fen", 422, "amount_invalid", F("property_value"), who="anon", body=_level(property_value="0.001")),
    # --- recording a request --------------------------------------------------------------
    Bad("POST", REQUESTS, "malformed json", 400, "bad_request", body="{"),
    Bad("POST", REQUESTS, "agency_name missing", 422, "invalid", F("agency_name"), body=_without(GOOD_REQUEST, "agency_name")),
    Bad("POST", REQUESTS, "agency_name blank", 422, "required", F("agency_name"), body=_req(agency_name="  ")),
    Bad("POST", REQUESTS, "agency_region blank", 422, "required", F("agency_region"), body=_req(agency_region="")),
    Bad("POST", REQUESTS, "bad uscc", 422, "uscc_invalid", F("enterprise_uscc"), body=_req(enterprise_uscc="91440300MA5XXXXXXX")),
    Bad("POST", REQUESTS, "bad id number", 422, "id_number_invalid", F("persons.0.id_number"), body=_req(persons=[{"name": "张三", "id_number": BAD_ID, "measure": "summon"}])),
    Bad("POST", REQUESTS, "unknown measure", 422, "invalid", F("persons.0.measure"), body=_req(persons=[{"name": "张三", "id_number": resident_id(1), "measure": "shoot"}])),
    Bad("POST", REQUESTS, "persons_count negative", 422, "invalid", F("persons_count"), body=_req(persons_count=-1)),
    Bad("POST", REQUESTS, "persons_count fraction", 422, "invalid", F("persons_count"), body=_req(persons_count=1.5)),
    Bad("POST", REQUESTS, "bank_accounts huge", 422, "invalid", F("bank_accounts"), body=_req(bank_accounts=10**20)),
    Bad("POST", REQUESTS, "property_value float", 422, "amount_invalid", F("property_value"), body=_req(property_value=2.5)),
    Bad("POST", REQUESTS, "property_value negative", 422, "amount_invalid", F("property_value"), body=_req(property_value="-100")),
    Bad("POST", REQUESTS, "outsider", 404, "not_found", who="officer", body=_req()),
    # --- listing --------------------------------------------------------------------------
    Bad("GET", REQUESTS, "limit 0", 422, "invalid", F("limit"), query="limit=0"),
    Bad("GET", REQUESTS, "limit a word", 422, "invalid", F("limit"), query="limit=all"),
    Bad("GET", REQUESTS, "outsider", 404, "not_found", who="officer"),
    # --- one request ----------------------------------------------------------------------
    Bad("GET", REQUEST, "unknown id", 404, "not_found", url=_r(REQUEST, "missing")),
    Bad("GET", REQUEST, "id not a number", 422, "invalid", F("request_id"), url=REQUEST.format(request_id="abc")),
    Bad("GET", REQUEST, "id huge", 404, "not_found", url=REQUEST.format(request_id=10**20)),
    Bad("GET", REQUEST, "outsider", 404, "not_found", who="officer", url=_r(REQUEST, "review")),
    # --- documents ------------------------------------------------------------------------
    Bad("POST", DOCUMENTS, "file missing", 422, "invalid", F("file"), url=_r(DOCUMENTS, "review"), body={"purpose": "x"}, multipart=True),
    Bad("POST", DOCUMENTS, "not a document", 422, "file_type", F("file"), url=_r(DOCUMENTS, "review"), body={"file": ("a.pdf", b"<html>hi</html>")}, multipart=True),
    Bad("POST", DOCUMENTS, "empty file", 422, "file_empty", F("file"), url=_r(DOCUMENTS, "review"), body={"file": ("a.pdf", b"")}, multipart=True),
    Bad("POST", DOCUMENTS, "outsider", 404, "not_found", who="officer", url=_r(DOCUMENTS, "review"), body={"file": ("a.pdf", b"%PDF-1.4\n")}, multipart=True),
    # --- controls -------------------------------------------------------------------------
    Bad("POST", CONTROLS, "malformed json", 400, "bad_request", url=_r(CONTROLS, "review"), body="{"),
    Bad("POST", CONTROLS, "notice not a bool", 422, "invalid", F("two_way_notice"), url=_r(CONTROLS, "review"), body={"two_way_notice": "yes"}),
    Bad("POST", CONTROLS, "centre a number", 422, "invalid", F("case_centre"), url=_r(CONTROLS, "review"), body={"case_centre": 1}),
    Bad("POST", CONTROLS, "sheet a number", 422, "invalid", F("instruction_sheet_no"), url=_r(CONTROLS, "review"), body={"instruction_sheet_no": 5}),
    Bad("POST", CONTROLS, "sheet too long", 422, "too_long", F("instruction_sheet_no"), url=_r(CONTROLS, "review"), body={"instruction_sheet_no": "x" * 61}),
    Bad("POST", CONTROLS, "after execution", 409, "case_closed", url=_r(CONTROLS, "executed"), body={"two_way_notice": False}),
    Bad("POST", CONTROLS, "outsider", 404, "not_found", who="officer", url=_r(CONTROLS, "review"), body={"two_way_notice": True}),
    # --- route ----------------------------------------------------------------------------
    Bad("POST", ROUTE, "already routed", 409, "unknown_action", url=_r(ROUTE, "approved")),
    Bad("POST", ROUTE, "unknown id", 404, "not_found", url=_r(ROUTE, "missing")),
    Bad("POST", ROUTE, "outsider", 404, "not_found", who="officer", url=_r(ROUTE, "review")),
    # --- approve --------------------------------------------------------------------------
    Bad("POST", APPROVE, "not routed yet", 409, "unknown_action", url=_r(APPROVE, "review"), body={}),
    Bad("POST", APPROVE, "reference a number", 422, "invalid", F("reference"), url=_r(APPROVE, "review"), body={"reference": 5}),
    Bad("POST", APPROVE, "reference too long", 422, "too_long", F("reference"), url=_r(APPROVE, "review"), body={"reference": "x" * 101}),
    Bad("POST", APPROVE, "outsider", 404, "not_found", who="officer", url=_r(APPROVE, "review"), body={}),
    # --- refuse ---------------------------------------------------------------------------
    Bad("POST", REFUSE, "reason missing", 422, "invalid", F("reason"), url=_r(REFUSE, "review"), body={}),
    Bad("POST", REFUSE, "reason blank", 422, "reason_required", F("reason"), url=_r(REFUSE, "review"), body={"reason": " "}),
    Bad("POST", REFUSE, "reason too long", 422, "invalid", F("reason"), url=_r(REFUSE, "review"), body={"reason": "x" * 2001}),
    Bad("POST", REFUSE, "after approval", 409, "unknown_action", url=_r(REFUSE, "approved"), body={"reason": "x"}),
    Bad("POST", REFUSE, "outsider", 404, "not_found", who="officer", url=_r(REFUSE, "review"), body={"reason": "x"}),
    # --- execute --------------------------------------------------------------------------
    Bad("POST", EXECUTE, "controls incomplete", 409, "controls_incomplete", F("controls"), url=_r(EXECUTE, "approved"), body={}),
    Bad("POST", EXECUTE, "not approved", 409, "unknown_action", url=_r(EXECUTE, "review"), body={}),
    Bad("POST", EXECUTE, "note a number", 422, "invalid", F("note"), url=_r(EXECUTE, "approved"), body={"note": 1}),
    Bad("POST", EXECUTE, "outsider", 404, "not_found", who="officer", url=_r(EXECUTE, "approved"), body={}),
    # --- stop -----------------------------------------------------------------------------
    Bad("POST", STOP, "reason missing", 422, "invalid", F("reason"), url=_r(STOP, "review"), body={}),
    Bad("POST", STOP, "reason blank", 422, "reason_required", F("reason"), url=_r(STOP, "review"), body={"reason": ""}),
    Bad("POST", STOP, "after execution", 409, "unknown_action", url=_r(STOP, "executed"), body={"reason": "x"}),
    Bad("POST", STOP, "outsider", 404, "not_found", who="officer", url=_r(STOP, "review"), body={"reason": "x"}),
    # --- report ---------------------------------------------------------------------------
    Bad("POST", REPORT, "report missing", 422, "invalid", F("report"), url=_r(REPORT, "executed"), body={}),
    Bad("POST", REPORT, "report blank", 422, "required", F("report"), url=_r(REPORT, "executed"), body={"report": "  "}),
    Bad("POST", REPORT, "not executed", 409, "unknown_action", url=_r(REPORT, "approved"), body={"report": "x"}),
    Bad("POST", REPORT, "outsider", 404, "not_found", who="officer", url=_r(REPORT, "executed"), body={"report": "x"}),
    # --- monthly report -------------------------------------------------------------------
    Bad("GET", MONTHLY, "year 1999", 422, "invalid", F("year"), query="year=1999"),
    Bad("GET", MONTHLY, "year a word", 422, "invalid", F("year"), query="year=last"),
    Bad("GET", MONTHLY, "outsider", 404, "not_found", who="officer"),
]
# fmt: on

PUBLIC = {("POST", LEVEL)}

# The endpoints this file covers; tests/api/test_openapi_coverage.py checks them against
# the OpenAPI document.
TESTED_ENDPOINTS = {(b.method, b.path) for b in BAD_REQUESTS}


def _url(bad: Bad, world: World) -> str:
    url = (bad.url or bad.path).format(**world.ids())
    return f"{url}?{bad.query}" if bad.query else url


def _send(client: Client, bad: Bad, url: str) -> Any:
    if bad.method == "GET":
        return client.get(url)
    if bad.multipart:
        data = {
            k: SimpleUploadedFile(v[0], v[1]) if isinstance(v, tuple) else v
            for k, v in (bad.body or {}).items()
        }
        return client.post(url, data=data)
    body = (
        bad.body
        if isinstance(bad.body, str)
        else json.dumps(bad.body if bad.body is not None else {})
    )
    return client.post(url, data=body, content_type="application/json")


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=Bad.id)
def test_bad_request_gets_envelope_and_writes_nothing(
    client: Client, world: World, bad: Bad
) -> None:
    if bad.who != "anon":
        sign_in(client, world.users[bad.who])
    before = _counts()

    response = _send(client, bad, _url(bad, world))

    payload = response.json()
    assert (response.status_code, payload["code"]) == (bad.status, bad.code)
    assert set(payload) == ENVELOPE_KEYS
    assert set(payload["fields"]) == bad.fields
    assert isinstance(payload["message"], str)
    assert payload["message"] != ""
    assert _counts() == before


AUTHENTICATED = sorted(TESTED_ENDPOINTS - PUBLIC)


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_endpoint_without_auth_is_401_envelope(
    client: Client, world: World, method: str, path: str
) -> None:
    before = _counts()
    url = path.format(request_id=world.review.pk)

    response = (
        client.get(url)
        if method == "GET"
        else client.post(url, data="{}", content_type="application/json")
    )

    assert (response.status_code, response.json()) == (
        401,
        {"code": "unauthenticated", "message": "请先登录或提供有效的令牌", "fields": {}},
    )
    assert _counts() == before


def test_missing_field_message_in_english(client: Client) -> None:
    response = client.post(
        LEVEL,
        data=json.dumps(_without(GOOD_LEVEL, "persons")),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (response.status_code, response.json()) == (
        422,
        {
            "code": "invalid",
            "message": "Some of the input cannot be accepted; see the fields",
            "fields": {"persons": "is required"},
        },
    )


def test_negative_amount_message_names_field_in_chinese(client: Client) -> None:
    response = client.post(
        LEVEL, data=json.dumps(_level(property_value="-1")), content_type="application/json"
    )

    assert response.json() == {
        "code": "amount_invalid",
        "message": "金额「-1」是负数，这里只接受零或正数金额，请去掉负号。",
        "fields": {"property_value": "金额「-1」是负数，这里只接受零或正数金额，请去掉负号。"},
    }
