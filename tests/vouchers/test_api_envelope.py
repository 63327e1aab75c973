"""Every voucher endpoint answers bad requests with {"code", "message", "fields"} and writes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.audit.models import AuditRecord
from rainforest.ledger.models import LedgerOperation
from rainforest.vouchers import services
from rainforest.vouchers.models import Provider, Redemption, Settlement, Voucher, VoucherApplication
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, person
from tests.vouchers.conftest import uscc_in

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
MISSING = 999999
V = "/api/v1/vouchers"

BUDGETS = f"{V}/budgets"
PROVIDERS = f"{V}/providers"
PROVIDER_APPROVE = f"{V}/providers/{{provider_id}}/approve"
PROVIDER_REJECT = f"{V}/providers/{{provider_id}}/reject"
PROVIDER_SUSPEND = f"{V}/providers/{{provider_id}}/suspend"
APPLICATIONS = f"{V}/applications"
APPLICATION = f"{V}/applications/{{application_id}}"
APP_APPROVE = f"{V}/applications/{{application_id}}/approve"
APP_REJECT = f"{V}/applications/{{application_id}}/reject"
VOUCHERS = f"{V}/vouchers"
VOUCHER = f"{V}/vouchers/{{voucher_id}}"
EXPIRE = f"{V}/vouchers/{{voucher_id}}/expire"
REDEMPTIONS = f"{V}/redemptions"
CONFIRM = f"{V}/redemptions/{{redemption_id}}/confirm"
DISPUTE = f"{V}/redemptions/{{redemption_id}}/dispute"
SETTLEMENTS = f"{V}/settlements"
PAID = f"{V}/settlements/{{settlement_id}}/paid"
XLSX = f"{V}/settlements/{{settlement_id}}/list.xlsx"
FIGURES = f"{V}/public/figures"
PUBLIC_PROVIDERS = f"{V}/public/providers"


@dataclass(frozen=True)
class World:
    ids: dict[str, Any]
    users: dict[str, Any]
    today: str


@pytest.fixture
def world(
    open_budget: Any,
    provider: Any,
    provider_user: Any,
    applicant: Any,
    enterprise: Any,
    apply: Any,
    issue: Any,
    redeem: Any,
    officer: Any,
    make_provider: Any,
) -> World:
    open_budget("compute", "100000")
    voucher = issue(applicant, enterprise, provider, "1000")
    confirmed = redeem(voucher, amount="600")
    services.redemption_confirm(redemption=confirmed, actor=applicant)
    pending = redeem(voucher, amount="200")
    today = timezone.localdate()
    settlement = services.settlement_create(
        provider=provider, period_start=today, period_end=today, actor=officer
    )
    review = apply(applicant, enterprise, provider, "500")
    org = OrganisationFactory(kind=OrganisationKind.PROVIDER, uscc=uscc_in("440300", 904))
    other_user = person(Role.PROVIDER, org, username="provider_y")
    waiting = make_provider(other_user, org, approve=False, legal_rep="赵六")
    stranger = person(
        Role.APPLICANT, OrganisationFactory(uscc=uscc_in("440300", 777)), username="stranger"
    )
    return World(
        ids={
            "voucher": voucher.pk,
            "voucher_number": voucher.number,
            "pending": pending.pk,
            "confirmed": confirmed.pk,
            "settlement": settlement.pk,
            "review": review.pk,
            "issued": voucher.application_id,
            "provider": provider.pk,
            "waiting": waiting.pk,
            "missing": MISSING,
        },
        users={
            "officer": officer,
            "applicant": applicant,
            "provider": provider_user,
            "provider_y": other_user,
            "stranger": stranger,
        },
        today=today.isoformat(),
    )


def _counts() -> tuple[int, ...]:
    return (
        Provider.objects.count(),
        VoucherApplication.objects.count(),
        Voucher.objects.count(),
        Redemption.objects.count(),
        Settlement.objects.count(),
        LedgerOperation.objects.count(),
        AuditRecord.objects.count(),
    )


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    label: str
    status: int
    code: str
    fields: frozenset[str] = field(default_factory=frozenset)
    who: str = "officer"
    url: str = ""  # formatted with World.ids
    query: str = ""
    body: Any = None  # a str is sent as is; a callable gets the World

    def id(self) -> str:
        return f"{self.method} {self.path} {self.label}"


def F(*names: str) -> frozenset[str]:
    return frozenset(names)


def good_provider(w: World, **change: Any) -> dict[str, Any]:
    return {
        "voucher_types": ["compute"],
        "legal_representative": "孙七",
        "shareholders": [{"name": "孙七", "percent": "100"}],
        "services": "推理算力",
        "price_list": "每卡时 6 元",
        "bank_name": "工商银行",
        "bank_account": "6222020200112233",
        **change,
    }


def good_application(w: World, **change: Any) -> dict[str, Any]:
    return {
        "provider_id": w.ids["provider"],
        "voucher_type": "compute",
        "year": int(w.today[:4]),
        "amount": "1000",
        "planned_use": "训练",
        "contract_reference": "HT-9",
        "legal_representative": "张三",
        "shareholders": [{"name": "张三", "percent": "100"}],
        **change,
    }


def good_redemption(w: World, **change: Any) -> dict[str, Any]:
    return {
        "voucher_number": w.ids["voucher_number"],
        "invoice_number": "25442000000000000555",
        "invoice_amount": "100",
        "invoice_date": w.today,
        "period_start": w.today,
        "period_end": w.today,
        "usage_evidence": "推理 5 卡时",
        **change,
    }


def good_settlement(w: World, **change: Any) -> dict[str, Any]:
    return {
        "provider_id": w.ids["provider"],
        "period_start": w.today,
        "period_end": w.today,
        **change,
    }


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def amounts(method: str, path: str, key: str, make: Any, who: str) -> list[Bad]:
    """The amount rules every amount field shares."""
    return [
        Bad(
            method,
            path,
            f"{key} float",
            422,
            "amount_invalid",
            F(key),
            who=who,
            body=lambda w: make(w, **{key: 1.5}),
        ),
        Bad(
            method,
            path,
            f"{key} negative",
            422,
            "amount_invalid",
            F(key),
            who=who,
            body=lambda w: make(w, **{key: "-5"}),
        ),
        Bad(
            method,
            path,
            f"{key} zero",
            422,
            "amount_invalid",
            F(key),
            who=who,
            body=lambda w: make(w, **{key: "0"}),
        ),
        Bad(
            method,
            path,
            f"{key} huge",
            422,
            "amount_invalid",
            F(key),
            who=who,
            body=lambda w: make(w, **{key: 10**30}),
        ),
        Bad(
            method,
            path,
            f"{key} bool",
            422,
            "amount_invalid",
            F(key),
            who=who,
            body=lambda w: make(w, **{key: True}),
        ),
        Bad(
            method,
            path,
            f"{key} text",
            422,
            "amount_invalid",
            F(key),
            who=who,
            body=lambda w: make(w, **{key: "lots"}),
        ),
        Bad(
            method,
            path,
            f"{key} fraction of a fen",
            422,
            "amount_invalid",
            F(key),
            who=who,
            body=lambda w: make(w, **{key: "1.001"}),
        ),
    ]


def limits(path: str, who: str) -> list[Bad]:
    return [
        Bad("GET", path, "limit 0", 422, "invalid", F("limit"), who=who, query="limit=0"),
        Bad("GET", path, "limit 201", 422, "invalid", F("limit"), who=who, query="limit=201"),
        Bad("GET", path, "limit text", 422, "invalid", F("limit"), who=who, query="limit=x"),
    ]


def ids(method: str, path: str, name: str, body: Any = None, who: str = "officer") -> list[Bad]:
    """A path id that is not a number, not there, or not the caller's to see."""
    return [
        Bad(
            method,
            path,
            "id text",
            422,
            "invalid",
            F(name),
            who=who,
            url=path.replace(f"{{{name}}}", "abc"),
            body=body,
        ),
        Bad(
            method,
            path,
            "id unknown",
            404,
            "not_found",
            who=who,
            url=path.replace(f"{{{name}}}", "{missing}"),
            body=body,
        ),
    ]


# One request per row reads as a table.
# fmt: off
BAD: list[Bad] = [
    # budgets
    Bad("POST", BUDGETS, "malformed json", 400, "bad_request", body='{"year": '),
    Bad("POST", BUDGETS, "year missing", 422, "invalid", F("year"), body={"voucher_type": "model"}),
    Bad("POST", BUDGETS, "unknown type", 422, "invalid", F("voucher_type"), body={"voucher_type": "gpu", "year": 2026}),
    Bad("POST", BUDGETS, "year text", 422, "invalid", F("year"), body={"voucher_type": "model", "year": "soon"}),
    Bad("POST", BUDGETS, "year huge", 422, "invalid", F("year"), body={"voucher_type": "model", "year": 10**12}),
    Bad("POST", BUDGETS, "amount float", 422, "amount_invalid", F("amount"), body={"voucher_type": "model", "year": 2027, "amount": 1.5}),
    Bad("POST", BUDGETS, "amount negative", 422, "amount_invalid", F("amount"), body={"voucher_type": "model", "year": 2027, "amount": "-1"}),
    Bad("POST", BUDGETS, "other amount for an open budget", 409, "budget_exists", F("amount"),
        body=lambda w: {"voucher_type": "compute", "year": int(w.today[:4]), "amount": "1"}),
    Bad("POST", BUDGETS, "not staff", 404, "not_found", who="applicant", body={"voucher_type": "model", "year": 2027}),
    # providers
    Bad("POST", PROVIDERS, "malformed json", 400, "bad_request", who="provider_y", body="{"),
    *[Bad("POST", PROVIDERS, f"{k} missing", 422, "invalid", F(k), who="provider_y", body=lambda w, k=k: _without(good_provider(w), k))
      for k in ("voucher_types", "legal_representative", "shareholders", "services", "price_list", "bank_name", "bank_account")],
    Bad("POST", PROVIDERS, "unknown type", 422, "invalid", F("voucher_types.0"), who="provider_y", body=lambda w: good_provider(w, voucher_types=["gpu"])),
    Bad("POST", PROVIDERS, "no type", 422, "required", F("voucher_types"), who="provider_y", body=lambda w: good_provider(w, voucher_types=[])),
    Bad("POST", PROVIDERS, "share over 100", 422, "holder_percent_invalid", F("shareholders"), who="provider_y",
        body=lambda w: good_provider(w, shareholders=[{"name": "甲", "percent": "101"}])),
    Bad("POST", PROVIDERS, "shares a number", 422, "invalid", F("shareholders.0.percent"), who="provider_y",
        body=lambda w: good_provider(w, shareholders=[{"name": "甲", "percent": 10}])),
    Bad("POST", PROVIDERS, "bank account letters", 422, "bank_account_invalid", F("bank_account"), who="provider_y",
        body=lambda w: good_provider(w, bank_account="ABC")),
    Bad("POST", PROVIDERS, "blank name of representative", 422, "required", F("legal_representative"), who="provider_y",
        body=lambda w: good_provider(w, legal_representative=" ")),
    Bad("POST", PROVIDERS, "already registered", 409, "provider_exists", who="provider_y", body=good_provider),
    Bad("POST", PROVIDERS, "not a provider", 422, "organisation_required", F("organisation_uscc"), who="applicant", body=good_provider),
    Bad("POST", PROVIDERS, "someone else's code", 422, "not_your_organisation", F("organisation_uscc"), who="provider_y",
        body=lambda w: good_provider(w, organisation_uscc="91440300MA5XXXXXXX")),
    *limits(PROVIDERS, "provider"),
    # provider decisions
    *ids("POST", PROVIDER_APPROVE, "provider_id"),
    Bad("POST", PROVIDER_APPROVE, "approved already", 409, "case_closed", url=PROVIDER_APPROVE.format(provider_id="{provider}")),
    Bad("POST", PROVIDER_APPROVE, "by the provider", 403, "role_not_allowed", who="provider_y", url=PROVIDER_APPROVE.format(provider_id="{waiting}")),
    Bad("POST", PROVIDER_APPROVE, "other's registration", 404, "not_found", who="provider", url=PROVIDER_APPROVE.format(provider_id="{waiting}")),
    *ids("POST", PROVIDER_REJECT, "provider_id", body={"reason": "x"}),
    Bad("POST", PROVIDER_REJECT, "reason missing", 422, "invalid", F("reason"), url=PROVIDER_REJECT.format(provider_id="{waiting}"), body={}),
    Bad("POST", PROVIDER_REJECT, "reason blank", 422, "reason_required", F("reason"), url=PROVIDER_REJECT.format(provider_id="{waiting}"), body={"reason": " "}),
    Bad("POST", PROVIDER_REJECT, "reason too long", 422, "invalid", F("reason"), url=PROVIDER_REJECT.format(provider_id="{waiting}"), body={"reason": "x" * 2001}),
    Bad("POST", PROVIDER_REJECT, "malformed json", 400, "bad_request", url=PROVIDER_REJECT.format(provider_id="{waiting}"), body="{"),
    *ids("POST", PROVIDER_SUSPEND, "provider_id", body={"reason": "x"}),
    Bad("POST", PROVIDER_SUSPEND, "not approved", 409, "provider_not_approved", url=PROVIDER_SUSPEND.format(provider_id="{waiting}"), body={"reason": "x"}),
    Bad("POST", PROVIDER_SUSPEND, "by the provider", 403, "forbidden", who="provider", url=PROVIDER_SUSPEND.format(provider_id="{provider}"), body={"reason": "x"}),
    Bad("POST", PROVIDER_SUSPEND, "reason a number", 422, "invalid", F("reason"), url=PROVIDER_SUSPEND.format(provider_id="{provider}"), body={"reason": 5}),
    # applications
    Bad("POST", APPLICATIONS, "malformed json", 400, "bad_request", who="applicant", body="{"),
    *[Bad("POST", APPLICATIONS, f"{k} missing", 422, "invalid", F(k), who="applicant",
          body=lambda w, k=k: _without(good_application(w), k))
      for k in ("provider_id", "voucher_type", "year", "amount", "planned_use", "contract_reference", "legal_representative", "shareholders")],
    *amounts("POST", APPLICATIONS, "amount", good_application, "applicant"),
    Bad("POST", APPLICATIONS, "unknown type", 422, "invalid", F("voucher_type"), who="applicant", body=lambda w: good_application(w, voucher_type="gpu")),
    Bad("POST", APPLICATIONS, "year not open", 422, "year_invalid", F("year"), who="applicant", body=lambda w: good_application(w, year=2030)),
    Bad("POST", APPLICATIONS, "provider text", 422, "invalid", F("provider_id"), who="applicant", body=lambda w: good_application(w, provider_id="x")),
    Bad("POST", APPLICATIONS, "provider unknown", 422, "provider_not_approved", F("provider_id"), who="applicant", body=lambda w: good_application(w, provider_id=MISSING)),
    Bad("POST", APPLICATIONS, "provider not approved", 422, "provider_not_approved", F("provider_id"), who="applicant",
        body=lambda w: good_application(w, provider_id=w.ids["waiting"])),
    Bad("POST", APPLICATIONS, "above the cap", 422, "not_eligible", F("amount"), who="applicant", body=lambda w: good_application(w, amount="10000000")),
    Bad("POST", APPLICATIONS, "related party", 422, "not_eligible", F("provider"), who="applicant", body=lambda w: good_application(w, legal_representative="王五")),
    Bad("POST", APPLICATIONS, "not an applicant", 422, "organisation_required", F("enterprise_uscc"), who="provider", body=good_application),
    *limits(APPLICATIONS, "applicant"),
    *ids("GET", APPLICATION, "application_id", who="applicant"),
    Bad("GET", APPLICATION, "another enterprise's", 404, "not_found", who="stranger", url=APPLICATION.format(application_id="{review}")),
    *ids("POST", APP_APPROVE, "application_id"),
    Bad("POST", APP_APPROVE, "approved already", 409, "case_closed", url=APP_APPROVE.format(application_id="{issued}")),
    Bad("POST", APP_APPROVE, "by the applicant", 403, "forbidden", who="applicant", url=APP_APPROVE.format(application_id="{review}")),
    *ids("POST", APP_REJECT, "application_id", body={"reason": "x"}),
    Bad("POST", APP_REJECT, "reason missing", 422, "invalid", F("reason"), url=APP_REJECT.format(application_id="{review}"), body={}),
    Bad("POST", APP_REJECT, "reason blank", 422, "reason_required", F("reason"), url=APP_REJECT.format(application_id="{review}"), body={"reason": ""}),
    Bad("POST", APP_REJECT, "by the applicant", 403, "role_not_allowed", who="applicant", url=APP_REJECT.format(application_id="{review}"), body={"reason": "x"}),
    # vouchers
    *limits(VOUCHERS, "applicant"),
    *ids("GET", VOUCHER, "voucher_id", who="applicant"),
    Bad("GET", VOUCHER, "another enterprise's", 404, "not_found", who="stranger", url=VOUCHER.format(voucher_id="{voucher}")),
    Bad("GET", VOUCHER, "another provider's", 404, "not_found", who="provider_y", url=VOUCHER.format(voucher_id="{voucher}")),
    *ids("POST", EXPIRE, "voucher_id"),
    Bad("POST", EXPIRE, "not yet expired", 409, "voucher_not_expired", F("voucher"), url=EXPIRE.format(voucher_id="{voucher}")),
    Bad("POST", EXPIRE, "by the enterprise", 404, "not_found", who="applicant", url=EXPIRE.format(voucher_id="{voucher}")),
    # redemptions
    Bad("POST", REDEMPTIONS, "malformed json", 400, "bad_request", who="provider", body="{"),
    *[Bad("POST", REDEMPTIONS, f"{k} missing", 422, "invalid", F(k), who="provider",
          body=lambda w, k=k: _without(good_redemption(w), k))
      for k in ("voucher_number", "invoice_number", "invoice_amount", "invoice_date", "period_start", "period_end", "usage_evidence")],
    *amounts("POST", REDEMPTIONS, "invoice_amount", good_redemption, "provider"),
    Bad("POST", REDEMPTIONS, "date not a date", 422, "invalid", F("invoice_date"), who="provider", body=lambda w: good_redemption(w, invoice_date="2026-02-30")),
    Bad("POST", REDEMPTIONS, "date a number", 422, "invalid", F("period_start"), who="provider", body=lambda w: good_redemption(w, period_start=20260101)),
    Bad("POST", REDEMPTIONS, "period backwards", 422, "period_invalid", F("period_end"), who="provider",
        body=lambda w: good_redemption(w, period_start=w.today, period_end="2000-01-01")),
    Bad("POST", REDEMPTIONS, "future invoice", 422, "invoice_date_future", F("invoice_date"), who="provider", body=lambda w: good_redemption(w, invoice_date="2099-01-01")),
    Bad("POST", REDEMPTIONS, "bad invoice number", 422, "invoice_number_invalid", F("invoice_number"), who="provider", body=lambda w: good_redemption(w, invoice_number="12")),
    Bad("POST", REDEMPTIONS, "unknown voucher", 422, "voucher_not_found", F("voucher_number"), who="provider", body=lambda w: good_redemption(w, voucher_number="XLQ-1999-000001")),
    Bad("POST", REDEMPTIONS, "another provider's voucher", 422, "voucher_not_found", F("voucher_number"), who="provider_y", body=good_redemption),
    Bad("POST", REDEMPTIONS, "invoice used", 409, "invoice_already_redeemed", F("invoice_number"), who="provider",
        body=lambda w: good_redemption(w, invoice_number=Redemption.objects.get(pk=w.ids["confirmed"]).invoice_number)),
    Bad("POST", REDEMPTIONS, "blank evidence", 422, "required", F("usage_evidence"), who="provider", body=lambda w: good_redemption(w, usage_evidence=" ")),
    *limits(REDEMPTIONS, "provider"),
    *ids("POST", CONFIRM, "redemption_id", who="applicant"),
    Bad("POST", CONFIRM, "another enterprise's", 404, "not_found", who="stranger", url=CONFIRM.format(redemption_id="{pending}")),
    Bad("POST", CONFIRM, "by the provider", 404, "not_found", who="provider", url=CONFIRM.format(redemption_id="{pending}")),
    *ids("POST", DISPUTE, "redemption_id", who="applicant", body={"reason": "x"}),
    Bad("POST", DISPUTE, "reason missing", 422, "invalid", F("reason"), who="applicant", url=DISPUTE.format(redemption_id="{pending}"), body={}),
    Bad("POST", DISPUTE, "reason blank", 422, "required", F("reason"), who="applicant", url=DISPUTE.format(redemption_id="{pending}"), body={"reason": "  "}),
    Bad("POST", DISPUTE, "confirmed already", 409, "redemption_closed", who="applicant", url=DISPUTE.format(redemption_id="{confirmed}"), body={"reason": "x"}),
    # settlements
    Bad("POST", SETTLEMENTS, "malformed json", 400, "bad_request", body="{"),
    *[Bad("POST", SETTLEMENTS, f"{k} missing", 422, "invalid", F(k), body=lambda w, k=k: _without(good_settlement(w), k))
      for k in ("provider_id", "period_start", "period_end")],
    Bad("POST", SETTLEMENTS, "provider unknown", 422, "provider_not_found", F("provider_id"), body=lambda w: good_settlement(w, provider_id=MISSING)),
    Bad("POST", SETTLEMENTS, "provider negative", 422, "invalid", F("provider_id"), body=lambda w: good_settlement(w, provider_id=-1)),
    Bad("POST", SETTLEMENTS, "period backwards", 422, "period_invalid", F("period_end"), body=lambda w: good_settlement(w, period_end="2000-01-01")),
    Bad("POST", SETTLEMENTS, "nothing to settle", 409, "nothing_to_settle", F("period_start"), body=good_settlement),
    Bad("POST", SETTLEMENTS, "by the provider", 404, "not_found", who="provider", body=good_settlement),
    *limits(SETTLEMENTS, "provider"),
    *ids("POST", PAID, "settlement_id", body={"reference": "GK"}),
    Bad("POST", PAID, "reference missing", 422, "invalid", F("reference"), url=PAID.format(settlement_id="{settlement}"), body={}),
    Bad("POST", PAID, "reference blank", 422, "required", F("reference"), url=PAID.format(settlement_id="{settlement}"), body={"reference": " "}),
    Bad("POST", PAID, "by the provider", 403, "forbidden", who="provider", url=PAID.format(settlement_id="{settlement}"), body={"reference": "GK"}),
    Bad("POST", PAID, "another provider's", 404, "not_found", who="provider_y", url=PAID.format(settlement_id="{settlement}"), body={"reference": "GK"}),
    *ids("GET", XLSX, "settlement_id"),
    Bad("GET", XLSX, "another provider's", 404, "not_found", who="provider_y", url=XLSX.format(settlement_id="{settlement}")),
    # public
    Bad("GET", FIGURES, "year text", 422, "invalid", F("year"), who="", query="year=x"),
    Bad("GET", FIGURES, "year 1999", 422, "invalid", F("year"), who="", query="year=1999"),
    Bad("GET", FIGURES, "year huge", 422, "invalid", F("year"), who="", query=f"year={10**20}"),
    Bad("POST", PUBLIC_PROVIDERS, "wrong method", 405, "method_not_allowed", who=""),
]
# fmt: on

# tests/api/test_openapi_coverage.py: every endpoint of the module has bad-input tests.
TESTED_ENDPOINTS = {(b.method, b.path) for b in BAD if b.path != PUBLIC_PROVIDERS} | {
    ("GET", PUBLIC_PROVIDERS)
}


def _send(client: Client, bad: Bad, w: World) -> Any:
    url = (bad.url or bad.path).format(**w.ids)
    if bad.query:
        url = f"{url}?{bad.query}"
    body = bad.body(w) if callable(bad.body) else bad.body
    if bad.method == "GET":
        return client.get(url)
    data = body if isinstance(body, str) else json.dumps(body if body is not None else {})
    return client.post(url, data=data, content_type="application/json")


@pytest.mark.parametrize("bad", BAD, ids=Bad.id)
def test_bad_request_gets_envelope_naming_the_field_and_writes_nothing(
    client: Client, world: World, bad: Bad
) -> None:
    if bad.who:
        sign_in(client, world.users[bad.who])
    before = _counts()

    response = _send(client, bad, world)

    payload = response.json()
    assert (response.status_code, payload["code"]) == (bad.status, bad.code), payload
    assert set(payload) == ENVELOPE_KEYS
    assert set(payload["fields"]) == bad.fields
    assert all(isinstance(text, str) and text for text in payload["fields"].values())
    assert _counts() == before


AUTHENTICATED = sorted({(b.method, b.path) for b in BAD if b.who})


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_endpoint_without_sign_in_is_401_envelope(
    client: Client, world: World, method: str, path: str
) -> None:
    url = path.format(
        **{
            k: world.ids["voucher"]
            for k in (
                "provider_id",
                "application_id",
                "voucher_id",
                "redemption_id",
                "settlement_id",
            )
        }
    )

    response = (
        client.get(url)
        if method == "GET"
        else client.post(url, "{}", content_type="application/json")
    )

    assert response.status_code == 401
    assert set(response.json()) == ENVELOPE_KEYS


def test_refusal_message_in_english(client: Client, world: World) -> None:
    sign_in(client, world.users["provider"])
    body = good_redemption(world, invoice_date="2099-01-01")

    response = client.post(
        REDEMPTIONS, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.json() == {
        "code": "invoice_date_future",
        "message": "The invoice date cannot be in the future.",
        "fields": {"invoice_date": "The invoice date cannot be in the future."},
    }
