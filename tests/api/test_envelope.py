"""api/errors.py: every endpoint answers bad requests with {"code", "message", "fields"}.

The endpoints tested here are checked against the OpenAPI document, so a new endpoint
without an entry in ``BAD_REQUESTS`` (or ``NO_INPUT``) fails
``test_openapi_endpoints_are_the_tested_endpoints``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from rainforest.accounts.models import ApiToken
from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case, TimelineEntry
from rainforest.cases.services import case_transition
from rainforest.finance.domain import patent_check_char
from rainforest.finance.models import PledgeRegistration
from rainforest.finance.services import pledge_register
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
MISSING_ID = 999999


def _counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        PledgeRegistration.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
    )


@dataclass(frozen=True)
class World:
    """Bank A's pledges in review, in correction and registered, and the people."""

    review: Any
    correction: Any
    registered: Any
    users: dict[str, Any]
    firm_uscc: str
    bank_b_uscc: str

    def ids(self) -> dict[str, object]:
        return {
            "pledge": self.review.pk,
            "case": self.review.case_id,
            "correction": self.correction.pk,
            "registered": self.registered.pk,
            "registered_case": self.registered.case_id,
            "missing": MISSING_ID,
        }


@pytest.fixture
def world(
    officer: Any,
    banker_a: Any,
    banker_b: Any,
    bank_a: Any,
    bank_b: Any,
    firm: Any,
    file_pledge: Any,
) -> World:
    review = file_pledge(banker_a, bank_a)
    correction = file_pledge(banker_a, bank_a)
    case_transition(case=correction.case, action="return", actor=officer, reason="请补充证书")
    registered = file_pledge(banker_a, bank_a)
    pledge_register(pledge=registered, actor=officer)
    return World(
        review=review,
        correction=correction,
        registered=registered,
        users={"officer": officer, "banker_a": banker_a, "banker_b": banker_b},
        firm_uscc=firm.uscc,
        bank_b_uscc=bank_b.uscc,
    )


def _good_pledge(world: World, **change: Any) -> dict[str, Any]:
    return {
        "pledgor_uscc": world.firm_uscc,
        "pledgor_name": "雨林科技有限公司",
        "ip_items": [{"kind": "trademark", "number": "12345678"}],
        "loan_amount": "5000000",
        "term_months": 12,
        **change,
    }


_MISSING: Any = object()


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


@dataclass(frozen=True)
class Bad:
    """One bad request: who sends what to which endpoint, and the envelope expected back."""

    method: str
    path: str  # as in the OpenAPI document
    label: str
    status: int
    code: str
    fields: frozenset[str] = field(default_factory=frozenset)
    who: str = "banker_a"
    url: str = ""  # str.format()ted with World.ids(); defaults to ``path``
    query: str = ""
    body: Any = None  # a str is sent as it is, anything else as JSON; a callable gets World

    def id(self) -> str:
        return f"{self.method} {self.path} {self.label}"


def F(*names: str) -> frozenset[str]:  # a short name: it reads as a set literal in the table
    return frozenset(names)


CASES = "/api/v1/cases"
CASE = "/api/v1/cases/{case_id}"
TRANSITIONS = "/api/v1/cases/{case_id}/transitions"
PLEDGES = "/api/v1/finance/pledges"
SUMMARY = "/api/v1/finance/pledges/summary"
PLEDGE = "/api/v1/finance/pledges/{pledge_id}"
REGISTER = "/api/v1/finance/pledges/{pledge_id}/register"
RETURN = "/api/v1/finance/pledges/{pledge_id}/return"
REJECT = "/api/v1/finance/pledges/{pledge_id}/reject"
RESUBMIT = "/api/v1/finance/pledges/{pledge_id}/resubmit"
CERTIFICATE = "/api/v1/finance/pledges/{pledge_id}/certificate.pdf"
HEALTH = "/api/v1/health"

BAD_PATENT = f"ZL202310123456.{(int(patent_check_char('202310123456')) + 1) % 10}"

# One request per row reads as a table; the formatter would spread each row over 8 lines.
# fmt: off
BAD_REQUESTS: list[Bad] = [
    # --- the case list -------------------------------------------------------------
    Bad("GET", CASES, "unknown sla", 422, "invalid", F("sla"), query="sla=bogus"),
    Bad("GET", CASES, "page 0", 422, "invalid", F("page"), query="page=0"),
    Bad("GET", CASES, "page not a number", 422, "invalid", F("page"), query="page=x"),
    Bad("GET", CASES, "page huge", 422, "invalid", F("page"), query=f"page={10**20}"),
    Bad("GET", CASES, "page_size 201", 422, "invalid", F("page_size"), query="page_size=201"),
    Bad("GET", CASES, "q too long", 422, "invalid", F("q"), query="q=" + "x" * 101),
    # --- one case ------------------------------------------------------------------
    Bad("GET", CASE, "unknown id", 404, "not_found", url=CASE.format(case_id="{missing}")),
    Bad("GET", CASE, "id not a number", 404, "not_found", url=CASE.format(case_id="abc")),
    Bad("GET", CASE, "unknown number", 404, "not_found", url=CASE.format(case_id="IPR-1-1")),
    Bad(
        "GET", CASE, "other bank", 404, "not_found", who="banker_b",
        url=CASE.format(case_id="{case}"),
    ),
    # --- acting on a case ----------------------------------------------------------
    Bad(
        "POST", TRANSITIONS, "malformed json", 400, "bad_request",
        url=TRANSITIONS.format(case_id="{case}"), body='{"action": ',
    ),
    Bad(
        "POST", TRANSITIONS, "action missing", 422, "invalid", F("action"),
        url=TRANSITIONS.format(case_id="{case}"), body={},
    ),
    Bad(
        "POST", TRANSITIONS, "action a number", 422, "invalid", F("action"),
        url=TRANSITIONS.format(case_id="{case}"), body={"action": 5},
    ),
    Bad(
        "POST", TRANSITIONS, "action empty", 422, "invalid", F("action"),
        url=TRANSITIONS.format(case_id="{case}"), body={"action": ""},
    ),
    Bad(
        "POST", TRANSITIONS, "unknown action", 409, "unknown_action",
        url=TRANSITIONS.format(case_id="{case}"), body={"action": "fly"}, who="officer",
    ),
    Bad(
        "POST", TRANSITIONS, "return without reason", 422, "reason_required", F("reason"),
        url=TRANSITIONS.format(case_id="{case}"), body={"action": "return"}, who="officer",
    ),
    Bad(
        "POST", TRANSITIONS, "banker registers", 403, "role_not_allowed",
        url=TRANSITIONS.format(case_id="{case}"), body={"action": "register"},
    ),
    Bad(
        "POST", TRANSITIONS, "other bank", 404, "not_found", who="banker_b",
        url=TRANSITIONS.format(case_id="{case}"), body={"action": "withdraw"},
    ),
    Bad(
        "POST", TRANSITIONS, "unknown case", 404, "not_found", who="officer",
        url=TRANSITIONS.format(case_id="{missing}"), body={"action": "register"},
    ),
    Bad(
        "POST", TRANSITIONS, "register twice", 409, "case_closed", who="officer",
        url=TRANSITIONS.format(case_id="{registered_case}"), body={"action": "register"},
    ),
    # --- filing a pledge -----------------------------------------------------------
    Bad("POST", PLEDGES, "malformed json", 400, "bad_request", body='{"pledgor_uscc": '),
    Bad("POST", PLEDGES, "body not json", 400, "bad_request", body="pledgor_uscc=1"),
    Bad(
        "POST", PLEDGES, "array body", 422, "invalid",
        F("pledgor_uscc", "pledgor_name", "ip_items", "loan_amount", "term_months"), body="[]",
    ),
    Bad(
        "POST", PLEDGES, "loan_amount missing", 422, "invalid", F("loan_amount"),
        body=lambda w: _without(_good_pledge(w), "loan_amount"),
    ),
    Bad(
        "POST", PLEDGES, "ip_items missing", 422, "invalid", F("ip_items"),
        body=lambda w: _without(_good_pledge(w), "ip_items"),
    ),
    Bad(
        "POST", PLEDGES, "term_months a word", 422, "invalid", F("term_months"),
        body=lambda w: _good_pledge(w, term_months="twelve"),
    ),
    Bad(
        "POST", PLEDGES, "term_months fraction", 422, "invalid", F("term_months"),
        body=lambda w: _good_pledge(w, term_months=12.5),
    ),
    Bad(
        "POST", PLEDGES, "term_months true", 422, "invalid", F("term_months"),
        body=lambda w: _good_pledge(w, term_months=True),
    ),
    Bad(
        "POST", PLEDGES, "term_months 10**20", 422, "invalid", F("term_months"),
        body=lambda w: _good_pledge(w, term_months=10**20),
    ),
    Bad(
        "POST", PLEDGES, "term_months 0", 422, "term_invalid", F("term_months"),
        body=lambda w: _good_pledge(w, term_months=0),
    ),
    Bad(
        "POST", PLEDGES, "term_months 361", 422, "term_invalid", F("term_months"),
        body=lambda w: _good_pledge(w, term_months=361),
    ),
    Bad(
        "POST", PLEDGES, "loan_amount float", 422, "amount_invalid", F("loan_amount"),
        body=lambda w: _good_pledge(w, loan_amount=1.5),
    ),
    Bad(
        "POST", PLEDGES, "loan_amount 1e400", 422, "amount_invalid", F("loan_amount"),
        body=lambda w: _good_pledge(w, loan_amount="1e400"),
    ),
    Bad(
        "POST", PLEDGES, "loan_amount 10**30", 422, "amount_invalid", F("loan_amount"),
        body=lambda w: _good_pledge(w, loan_amount=10**30),
    ),
    Bad(
        "POST", PLEDGES, "loan_amount negative", 422, "amount_invalid", F("loan_amount"),
        body=lambda w: _good_pledge(w, loan_amount="-5"),
    ),
    Bad(
        "POST", PLEDGES, "loan_amount zero", 422, "amount_invalid", F("loan_amount"),
        body=lambda w: _good_pledge(w, loan_amount="0"),
    ),
    Bad(
        "POST", PLEDGES, "loan_amount true", 422, "amount_invalid", F("loan_amount"),
        body=lambda w: _good_pledge(w, loan_amount=True),
    ),
    Bad(
        "POST", PLEDGES, "loan_amount null", 422, "amount_invalid", F("loan_amount"),
        body=lambda w: _good_pledge(w, loan_amount=None),
    ),
    Bad(
        "POST", PLEDGES, "loan_amount NaN", 422, "amount_invalid", F("loan_amount"),
        body=lambda w: _good_pledge(w, loan_amount="NaN"),
    ),
    Bad(
        "POST", PLEDGES, "no ip items", 422, "ip_required", F("ip_items"),
        body=lambda w: _good_pledge(w, ip_items=[]),
    ),
    Bad(
        "POST", PLEDGES, "ip_items not a list", 422, "invalid", F("ip_items"),
        body=lambda w: _good_pledge(w, ip_items="12345678"),
    ),
    Bad(
        "POST", PLEDGES, "unknown ip kind", 422, "invalid", F("ip_items.0.kind"),
        body=lambda w: _good_pledge(w, ip_items=[{"kind": "copyright", "number": "1"}]),
    ),
    Bad(
        "POST", PLEDGES, "wrong patent check", 422, "patent_number_invalid", F("ip_items"),
        body=lambda w: _good_pledge(w, ip_items=[{"kind": "patent", "number": BAD_PATENT}]),
    ),
    Bad(
        "POST", PLEDGES, "bad uscc", 422, "uscc_invalid", F("pledgor_uscc"),
        body=lambda w: _good_pledge(w, pledgor_uscc="91440300MA5XXXXXXX"),
    ),
    Bad(
        "POST", PLEDGES, "empty name", 422, "required", F("pledgor_name"),
        body=lambda w: _good_pledge(w, pledgor_name=""),
    ),
    Bad(
        "POST", PLEDGES, "other bank's uscc", 422, "not_bank_officer", F("bank_uscc"),
        body=lambda w: _good_pledge(w, bank_uscc=w.bank_b_uscc),
    ),
    Bad(
        "POST", PLEDGES, "not a bank officer", 422, "bank_required", F("bank_uscc"), who="officer",
        body=lambda w: _good_pledge(w),
    ),
    # --- listing pledges -----------------------------------------------------------
    Bad("GET", PLEDGES, "limit 0", 422, "invalid", F("limit"), query="limit=0"),
    Bad("GET", PLEDGES, "limit 201", 422, "invalid", F("limit"), query="limit=201"),
    Bad("GET", PLEDGES, "limit a word", 422, "invalid", F("limit"), query="limit=all"),
    # --- one pledge ----------------------------------------------------------------
    Bad("GET", PLEDGE, "unknown id", 404, "not_found", url=PLEDGE.format(pledge_id="{missing}")),
    Bad(
        "GET", PLEDGE, "id not a number", 422, "invalid", F("pledge_id"),
        url=PLEDGE.format(pledge_id="abc"),
    ),
    Bad(
        "GET", PLEDGE, "other bank", 404, "not_found", who="banker_b",
        url=PLEDGE.format(pledge_id="{pledge}"),
    ),
    # --- register ------------------------------------------------------------------
    Bad(
        "POST", REGISTER, "banker registers", 403, "role_not_allowed",
        url=REGISTER.format(pledge_id="{pledge}"),
    ),
    Bad(
        "POST", REGISTER, "other bank", 404, "not_found", who="banker_b",
        url=REGISTER.format(pledge_id="{pledge}"),
    ),
    Bad(
        "POST", REGISTER, "unknown id", 404, "not_found", who="officer",
        url=REGISTER.format(pledge_id="{missing}"),
    ),
    Bad(
        "POST", REGISTER, "register twice", 409, "case_closed", who="officer",
        url=REGISTER.format(pledge_id="{registered}"),
    ),
    Bad(
        "POST", REGISTER, "in correction", 409, "unknown_action", who="officer",
        url=REGISTER.format(pledge_id="{correction}"),
    ),
    # --- return --------------------------------------------------------------------
    Bad(
        "POST", RETURN, "malformed json", 400, "bad_request", who="officer",
        url=RETURN.format(pledge_id="{pledge}"), body="{",
    ),
    Bad(
        "POST", RETURN, "reason missing", 422, "invalid", F("reason"), who="officer",
        url=RETURN.format(pledge_id="{pledge}"), body={},
    ),
    Bad(
        "POST", RETURN, "reason blank", 422, "reason_required", F("reason"), who="officer",
        url=RETURN.format(pledge_id="{pledge}"), body={"reason": "  "},
    ),
    Bad(
        "POST", RETURN, "reason a number", 422, "invalid", F("reason"), who="officer",
        url=RETURN.format(pledge_id="{pledge}"), body={"reason": 5},
    ),
    Bad(
        "POST", RETURN, "reason too long", 422, "invalid", F("reason"), who="officer",
        url=RETURN.format(pledge_id="{pledge}"), body={"reason": "x" * 2001},
    ),
    Bad(
        "POST", RETURN, "banker returns", 403, "role_not_allowed",
        url=RETURN.format(pledge_id="{pledge}"), body={"reason": "x"},
    ),
    Bad(
        "POST", RETURN, "registered", 409, "case_closed", who="officer",
        url=RETURN.format(pledge_id="{registered}"), body={"reason": "x"},
    ),
    # --- reject --------------------------------------------------------------------
    Bad(
        "POST", REJECT, "reason blank", 422, "reason_required", F("reason"), who="officer",
        url=REJECT.format(pledge_id="{pledge}"), body={"reason": ""},
    ),
    Bad(
        "POST", REJECT, "reason missing", 422, "invalid", F("reason"), who="officer",
        url=REJECT.format(pledge_id="{pledge}"), body={},
    ),
    Bad(
        "POST", REJECT, "banker rejects", 403, "role_not_allowed",
        url=REJECT.format(pledge_id="{pledge}"), body={"reason": "x"},
    ),
    Bad(
        "POST", REJECT, "other bank", 404, "not_found", who="banker_b",
        url=REJECT.format(pledge_id="{pledge}"), body={"reason": "x"},
    ),
    # --- resubmit ------------------------------------------------------------------
    Bad(
        "POST", RESUBMIT, "not in correction", 409, "unknown_action",
        url=RESUBMIT.format(pledge_id="{pledge}"), body={},
    ),
    Bad(
        "POST", RESUBMIT, "malformed json", 400, "bad_request",
        url=RESUBMIT.format(pledge_id="{correction}"), body="{]",
    ),
    Bad(
        "POST", RESUBMIT, "term 361", 422, "term_invalid", F("term_months"),
        url=RESUBMIT.format(pledge_id="{correction}"), body={"term_months": 361},
    ),
    Bad(
        "POST", RESUBMIT, "term a word", 422, "invalid", F("term_months"),
        url=RESUBMIT.format(pledge_id="{correction}"), body={"term_months": "long"},
    ),
    Bad(
        "POST", RESUBMIT, "loan_amount float", 422, "amount_invalid", F("loan_amount"),
        url=RESUBMIT.format(pledge_id="{correction}"), body={"loan_amount": 1.5},
    ),
    Bad(
        "POST", RESUBMIT, "no ip items", 422, "ip_required", F("ip_items"),
        url=RESUBMIT.format(pledge_id="{correction}"), body={"ip_items": []},
    ),
    Bad(
        "POST", RESUBMIT, "officer resubmits", 403, "role_not_allowed", who="officer",
        url=RESUBMIT.format(pledge_id="{correction}"), body={},
    ),
    Bad(
        "POST", RESUBMIT, "other bank", 404, "not_found", who="banker_b",
        url=RESUBMIT.format(pledge_id="{correction}"), body={},
    ),
    # --- the certificate -----------------------------------------------------------
    Bad(
        "GET", CERTIFICATE, "not registered", 404, "not_found",
        url=CERTIFICATE.format(pledge_id="{pledge}"),
    ),
    Bad(
        "GET", CERTIFICATE, "other bank", 404, "not_found", who="banker_b",
        url=CERTIFICATE.format(pledge_id="{registered}"),
    ),
    Bad(
        "GET", CERTIFICATE, "unknown id", 404, "not_found", who="officer",
        url=CERTIFICATE.format(pledge_id="{missing}"),
    ),
]
# fmt: on

# Endpoints that take no input at all: nothing a client sends can be wrong but the auth.
NO_INPUT = {("GET", HEALTH), ("GET", SUMMARY)}
PUBLIC = {("GET", HEALTH)}


def _send(client: Client, method: str, url: str, body: Any = None, **extra: Any) -> Any:
    if method == "GET":
        return client.get(url, **extra)
    data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    return client.post(url, data=data, content_type="application/json", **extra)


def _url(bad: Bad, world: World) -> str:
    url = (bad.url or bad.path).format(**world.ids())
    return f"{url}?{bad.query}" if bad.query else url


# The endpoints this file covers; tests/api/test_openapi_coverage.py checks that every
# endpoint in the OpenAPI document is covered by some module's TESTED_ENDPOINTS.
TESTED_ENDPOINTS = {(b.method, b.path) for b in BAD_REQUESTS} | NO_INPUT


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=Bad.id)
def test_bad_request_gets_envelope_and_writes_nothing(
    client: Client, world: World, bad: Bad
) -> None:
    sign_in(client, world.users[bad.who])
    body = bad.body(world) if callable(bad.body) else bad.body
    before = _counts()

    response = _send(client, bad.method, _url(bad, world), body)

    payload = response.json()
    assert (response.status_code, payload["code"]) == (bad.status, bad.code)
    assert set(payload) == ENVELOPE_KEYS
    assert set(payload["fields"]) == bad.fields
    assert isinstance(payload["message"], str)
    assert payload["message"] != ""
    assert _counts() == before


AUTHENTICATED = sorted({(b.method, b.path) for b in BAD_REQUESTS} | (NO_INPUT - PUBLIC))


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_endpoint_without_auth_is_401_envelope(
    client: Client, world: World, method: str, path: str
) -> None:
    ids = {"case_id": world.review.case_id, "pledge_id": world.review.pk}
    before = _counts()

    response = _send(client, method, path.format(**ids), {"action": "register", "reason": "x"})

    assert (response.status_code, response.json()) == (
        401,
        {"code": "unauthenticated", "message": "请先登录或提供有效的令牌", "fields": {}},
    )
    assert _counts() == before


def test_health_needs_no_auth(client: Client) -> None:
    response = client.get(HEALTH)

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_unauthenticated_message_in_english(client: Client) -> None:
    response = client.get(CASES, HTTP_ACCEPT_LANGUAGE="en")

    assert (response.status_code, response.json()) == (
        401,
        {"code": "unauthenticated", "message": "Sign in or send a valid token", "fields": {}},
    )


def test_missing_field_message_in_chinese_by_default(client: Client, world: World) -> None:
    sign_in(client, world.users["banker_a"])

    response = _send(client, "POST", PLEDGES, _without(_good_pledge(world), "loan_amount"))

    assert (response.status_code, response.json()) == (
        422,
        {
            "code": "invalid",
            "message": "提交的内容有误，请按字段说明修改",
            "fields": {"loan_amount": "必须填写"},
        },
    )


def test_missing_field_message_in_english(client: Client, world: World) -> None:
    sign_in(client, world.users["banker_a"])

    response = _send(
        client,
        "POST",
        PLEDGES,
        _without(_good_pledge(world), "loan_amount"),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (response.status_code, response.json()) == (
        422,
        {
            "code": "invalid",
            "message": "Some of the input cannot be accepted; see the fields",
            "fields": {"loan_amount": "is required"},
        },
    )


def test_domain_error_message_follows_language(client: Client, world: World) -> None:
    sign_in(client, world.users["banker_a"])
    body = _good_pledge(world, term_months=361)

    zh = _send(client, "POST", PLEDGES, body).json()
    en = _send(client, "POST", PLEDGES, body, HTTP_ACCEPT_LANGUAGE="en").json()

    assert zh == {
        "code": "term_invalid",
        "message": "贷款期限应为 1 至 360 个月",
        "fields": {"term_months": "贷款期限应为 1 至 360 个月"},
    }
    assert en == {
        "code": "term_invalid",
        "message": "The loan term must be 1 to 360 months",
        "fields": {"term_months": "The loan term must be 1 to 360 months"},
    }


def test_malformed_json_message_in_chinese(client: Client, world: World) -> None:
    sign_in(client, world.users["banker_a"])

    response = _send(client, "POST", PLEDGES, "{")

    assert (response.status_code, response.json()) == (
        400,
        {"code": "bad_request", "message": "请求格式不正确：正文须为有效的 JSON", "fields": {}},
    )


def test_not_found_message_in_english(client: Client, world: World) -> None:
    sign_in(client, world.users["banker_b"])

    response = client.get(f"{CASES}/{world.review.case_id}", HTTP_ACCEPT_LANGUAGE="en")

    assert (response.status_code, response.json()) == (
        404,
        {"code": "not_found", "message": "Not found", "fields": {}},
    )


@pytest.mark.parametrize(
    ("loan_amount", "stored"),
    [
        ("5000000", "5000000.00"),
        ("5,000,000", "5000000.00"),
        ("500万", "5000000.00"),
        (5000000, "5000000.00"),
        ("0.01", "0.01"),
    ],
)
def test_file_pledge_amount_as_string_or_integer_accepted(
    client: Client, world: World, loan_amount: Any, stored: str
) -> None:
    sign_in(client, world.users["banker_a"])

    response = _send(client, "POST", PLEDGES, _good_pledge(world, loan_amount=loan_amount))

    assert (response.status_code, response.json()["loan_amount"]) == (201, stored)


@pytest.mark.parametrize("term", [1, 360])
def test_file_pledge_term_at_bounds_accepted(client: Client, world: World, term: int) -> None:
    sign_in(client, world.users["banker_a"])

    response = _send(client, "POST", PLEDGES, _good_pledge(world, term_months=term))

    assert (response.status_code, response.json()["term_months"]) == (201, term)


def test_session_post_without_csrf_token_is_403_envelope(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.users["banker_a"])
    before = _counts()

    response = _send(client, "POST", PLEDGES, _good_pledge(world))

    assert (response.status_code, response.json()) == (
        403,
        {"code": "csrf_failed", "message": "请求未通过 CSRF 校验：请刷新页面后重试", "fields": {}},
    )
    assert _counts() == before


def test_token_post_needs_no_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    ApiToken.objects.create(
        user=world.users["banker_a"], name="bank system", key_hash=ApiToken.hash_key("raw-a")
    )

    response = _send(
        client, "POST", PLEDGES, _good_pledge(world), HTTP_AUTHORIZATION="Bearer raw-a"
    )

    assert response.status_code == 201
