"""Every portrait endpoint answers bad input with {"code", "message", "fields"} and writes
nothing; a bank without consent gets the same 404 as for a code with no portrait."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rainforest.audit.models import AuditRecord
from rainforest.portrait.models import Consent, CreditDecision, PortraitRead
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
PORTRAITS = "/api/v1/portrait/portraits"
PORTRAIT = "/api/v1/portrait/portraits/{uscc}"
CONSENTS = "/api/v1/portrait/consents"
REVOKE = "/api/v1/portrait/consents/{consent_id}/revoke"
READS = "/api/v1/portrait/reads"
DECISIONS = "/api/v1/portrait/decisions"
DASHBOARD = "/api/v1/portrait/dashboard"

TESTED_ENDPOINTS = {
    ("GET", PORTRAITS),
    ("GET", PORTRAIT),
    ("GET", CONSENTS),
    ("POST", CONSENTS),
    ("POST", REVOKE),
    ("GET", READS),
    ("POST", DECISIONS),
    ("GET", DASHBOARD),
}

TODAY = timezone.localdate()


def _counts() -> tuple[int, ...]:
    return (
        Consent.objects.count(),
        Consent.objects.filter(revoked_at__isnull=False).count(),
        CreditDecision.objects.count(),
        PortraitRead.objects.count(),
        AuditRecord.objects.count(),
    )


@dataclass(frozen=True)
class Bad:
    label: str
    who: str  # enterprise | bank | other_bank
    method: str
    path: str
    body: Any
    status: int
    code: str
    fields: frozenset[str]

    def id(self) -> str:
        return f"{self.method} {self.path} {self.label}"


def F(*names: str) -> frozenset[str]:
    return frozenset(names)


def _consent_body(**kw: Any) -> dict[str, Any]:
    return {
        "bank_uscc": "{bank}",
        "purpose": "credit",
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + timedelta(days=30)).isoformat(),
        **kw,
    }


def _decision(**kw: Any) -> dict[str, Any]:
    return {"enterprise_uscc": "{firm}", "outcome": "approved", "amount": "1000000", **kw}


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


# fmt: off
BAD: list[Bad] = [
    Bad("unknown code", "bank", "GET", PORTRAIT, None, 404, "not_found", F()),
    Bad("malformed code", "bank", "GET", PORTRAIT.replace("{uscc}", "12345"), None, 404, "not_found", F()),
    Bad("no consent", "other_bank", "GET", PORTRAIT.replace("{uscc}", "{firm}"), None, 404, "not_found", F()),
    Bad("not an enterprise", "bank", "GET", CONSENTS, None, 404, "not_found", F()),
    Bad("not an enterprise", "bank", "GET", READS, None, 404, "not_found", F()),
    Bad("malformed json", "enterprise", "POST", CONSENTS, '{"bank_uscc": ', 400, "bad_request", F()),
    *[Bad(f"{k} missing", "enterprise", "POST", CONSENTS, _without(_consent_body(), k), 422, "invalid", F(k))
      for k in ("bank_uscc", "purpose", "valid_from", "valid_until")],
    Bad("unknown purpose", "enterprise", "POST", CONSENTS, _consent_body(purpose="marketing"), 422, "invalid", F("purpose")),
    Bad("date as a number", "enterprise", "POST", CONSENTS, _consent_body(valid_from=20260701), 422, "invalid", F("valid_from")),
    Bad("date not a date", "enterprise", "POST", CONSENTS, _consent_body(valid_until="2026-02-30"), 422, "invalid", F("valid_until")),
    Bad("bank code as a number", "enterprise", "POST", CONSENTS, _consent_body(bank_uscc=12), 422, "invalid", F("bank_uscc")),
    Bad("unknown bank", "enterprise", "POST", CONSENTS, _consent_body(bank_uscc="91440300MA5XXXXXX0"), 422, "bank_unknown", F("bank_uscc")),
    Bad("start in the past", "enterprise", "POST", CONSENTS, _consent_body(valid_from=(TODAY - timedelta(days=1)).isoformat()), 422, "date_in_past", F("valid_from")),
    Bad("end before start", "enterprise", "POST", CONSENTS, _consent_body(valid_until=(TODAY - timedelta(days=1)).isoformat()), 422, "dates_out_of_order", F("valid_until")),
    Bad("longer than a year", "enterprise", "POST", CONSENTS, _consent_body(valid_until=(TODAY + timedelta(days=366)).isoformat()), 422, "period_too_long", F("valid_until")),
    Bad("huge year", "enterprise", "POST", CONSENTS, _consent_body(valid_until="99999-01-01"), 422, "invalid", F("valid_until")),
    Bad("not a bank", "bank", "POST", CONSENTS, _consent_body(), 404, "not_found", F()),
    Bad("unknown id", "enterprise", "POST", REVOKE.replace("{consent_id}", "999999"), None, 404, "not_found", F()),
    Bad("id not a number", "enterprise", "POST", REVOKE.replace("{consent_id}", "abc"), None, 422, "invalid", F("consent_id")),
    Bad("by the bank", "bank", "POST", REVOKE, None, 404, "not_found", F()),
    Bad("malformed json", "bank", "POST", DECISIONS, "{", 400, "bad_request", F()),
    *[Bad(f"{k} missing", "bank", "POST", DECISIONS, _without(_decision(), k), 422, "invalid", F(k))
      for k in ("enterprise_uscc", "outcome", "amount")],
    Bad("float amount", "bank", "POST", DECISIONS, _decision(amount=1000000.5), 422, "amount_invalid", F("amount")),
    Bad("negative amount", "bank", "POST", DECISIONS, _decision(amount="-1"), 422, "amount_invalid", F("amount")),
    Bad("huge amount", "bank", "POST", DECISIONS, _decision(amount="1" + "0" * 16), 422, "amount_invalid", F("amount")),
    Bad("amount a bool", "bank", "POST", DECISIONS, _decision(amount=True), 422, "amount_invalid", F("amount")),
    Bad("zero approved", "bank", "POST", DECISIONS, _decision(amount="0"), 422, "amount_invalid", F("amount")),
    Bad("unknown outcome", "bank", "POST", DECISIONS, _decision(outcome="maybe"), 422, "invalid", F("outcome")),
    Bad("no consent", "other_bank", "POST", DECISIONS, _decision(), 404, "not_found", F()),
    Bad("not a bank", "enterprise", "POST", DECISIONS, _decision(), 403, "forbidden", F()),
    Bad("unknown enterprise", "bank", "POST", DECISIONS, _decision(enterprise_uscc="91440300MA5XXXXXX0"), 404, "not_found", F()),
]
# fmt: on


@pytest.fixture
def world(
    firm: Any,
    bank_a: Any,
    bank_b: Any,
    banker_a: Any,
    banker_b: Any,
    enterprise_user: Any,
    portrait_of: Any,
) -> dict[str, Any]:
    portrait_of(firm)
    consent = Consent.objects.create(
        enterprise=firm,
        bank=bank_a,
        purpose="credit",
        valid_from=TODAY,
        valid_until=TODAY + timedelta(days=30),
        granted_by=enterprise_user,
        granted_at=timezone.now(),
    )
    return {
        "users": {"enterprise": enterprise_user, "bank": banker_a, "other_bank": banker_b},
        "fill": {
            "{firm}": firm.uscc,
            "{bank}": bank_a.uscc,
            "{uscc}": "91440300MA5XXXXXX0",
            "{consent_id}": str(consent.pk),
        },
    }


def _fill(text: str, fill: dict[str, str]) -> str:
    for key, value in fill.items():
        text = text.replace(key, value)
    return text


@pytest.mark.parametrize("bad", BAD, ids=Bad.id)
def test_bad_request_gets_envelope_naming_the_field_and_writes_nothing(
    client: Client, world: dict[str, Any], bad: Bad
) -> None:
    sign_in(client, world["users"][bad.who])
    path = _fill(bad.path, world["fill"])
    before = _counts()

    if bad.method == "GET":
        response = client.get(path)
    else:
        body = bad.body if isinstance(bad.body, str) or bad.body is None else json.dumps(bad.body)
        response = client.post(
            path, _fill(body or "", world["fill"]), content_type="application/json"
        )

    payload = response.json()
    assert (response.status_code, payload["code"]) == (bad.status, bad.code)
    assert set(payload) == ENVELOPE_KEYS
    assert set(payload["fields"]) == bad.fields
    assert _counts() == before


def test_anonymous_requests_are_refused_with_the_envelope(client: Client) -> None:
    for method, path in sorted(TESTED_ENDPOINTS):
        url = path.replace("{uscc}", "x").replace("{consent_id}", "1")
        response = (
            client.get(url)
            if method == "GET"
            else client.post(url, "{}", content_type="application/json")
        )
        assert response.status_code == 401
        assert set(response.json()) == ENVELOPE_KEYS


def test_no_consent_reads_like_no_portrait_in_english(
    client: Client, world: dict[str, Any]
) -> None:
    sign_in(client, world["users"]["other_bank"])

    with_portrait = client.get(
        f"/api/v1/portrait/portraits/{world['fill']['{firm}']}", HTTP_ACCEPT_LANGUAGE="en"
    )
    without = client.get("/api/v1/portrait/portraits/91440300MA5XXXXXX0", HTTP_ACCEPT_LANGUAGE="en")

    assert (
        with_portrait.json()
        == without.json()
        == {
            "code": "not_found",
            "message": "No portrait found for this enterprise",
            "fields": {},
        }
    )
