"""The portrait API end to end, and query counts of its lists (1 and 3 items, same count)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.portrait.models import Consent, PortraitRead
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, person

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _consent(firm: Any, bank: Any, user: Any) -> Consent:
    return Consent.objects.create(
        enterprise=firm,
        bank=bank,
        purpose="credit",
        valid_from=TODAY,
        valid_until=TODAY + timedelta(days=30),
        granted_by=user,
        granted_at=timezone.now(),
    )


def test_enterprise_grants_bank_reads_enterprise_sees_the_read(
    client: Client, firm: Any, bank_a: Any, banker_a: Any, enterprise_user: Any, portrait_of: Any
) -> None:
    portrait = portrait_of(firm)
    sign_in(client, enterprise_user)
    granted = client.post(
        "/api/v1/portrait/consents",
        json.dumps(
            {
                "bank_uscc": bank_a.uscc,
                "purpose": "credit",
                "valid_from": TODAY.isoformat(),
                "valid_until": (TODAY + timedelta(days=90)).isoformat(),
            }
        ),
        content_type="application/json",
    )
    assert (granted.status_code, granted.json()["live"]) == (201, True)

    bank = Client()
    sign_in(bank, banker_a)
    read = bank.get(f"/api/v1/portrait/portraits/{firm.uscc}")
    listed = bank.get("/api/v1/portrait/portraits").json()

    body = read.json()
    assert (read.status_code, body["score"], body["grade"]) == (200, portrait.score, portrait.grade)
    assert body["base"] + sum(c["points"] for c in body["contributions"]) == body["score"]
    assert body["freshness"] == {"tax": "2026-06"}
    assert [(r["uscc"], r["score"]) for r in listed] == [(firm.uscc, portrait.score)]
    reads = client.get("/api/v1/portrait/reads").json()
    assert [(r["reader"], r["bank"], r["channel"]) for r in reads] == [
        (str(banker_a), bank_a.name, "api")
    ]

    revoked = client.post(f"/api/v1/portrait/consents/{granted.json()['id']}/revoke")
    assert (revoked.status_code, revoked.json()["live"]) == (200, False)
    assert bank.get(f"/api/v1/portrait/portraits/{firm.uscc}").status_code == 404
    assert bank.get("/api/v1/portrait/portraits").json() == []


def test_bank_records_a_decision_and_the_dashboard_counts_it(
    client: Client, firm: Any, bank_a: Any, banker_a: Any, enterprise_user: Any, portrait_of: Any
) -> None:
    portrait_of(firm)
    _consent(firm, bank_a, enterprise_user)
    sign_in(client, banker_a)

    made = client.post(
        "/api/v1/portrait/decisions",
        json.dumps({"enterprise_uscc": firm.uscc, "outcome": "approved", "amount": "300万"}),
        content_type="application/json",
    )
    board = client.get("/api/v1/portrait/dashboard").json()

    assert (made.status_code, made.json()["amount"]) == (201, "3000000.00")
    assert (board["enterprises"], board["loans"], board["amount"]) == (1, 1, "3000000.00")
    assert board["by_bank"] == [
        {"bank": bank_a.name, "enterprises": 1, "loans": 1, "amount": "3000000.00"}
    ]


def _firms(n: int) -> list[Any]:
    return [OrganisationFactory(kind=OrganisationKind.ENTERPRISE) for _ in range(n)]


@pytest.mark.parametrize("n", [1, 3])
def test_bank_portrait_list_query_count_does_not_grow(
    client: Client,
    n: int,
    bank_a: Any,
    banker_a: Any,
    portrait_of: Any,
    django_assert_num_queries: Any,
) -> None:
    firms = _firms(n)
    portrait_of(*firms)
    for f in firms:
        _consent(f, bank_a, person(Role.APPLICANT, f))
    sign_in(client, banker_a)
    client.get("/api/v1/portrait/portraits")  # warm the session

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/portrait/portraits")

    assert len(response.json()) == n
    assert len(queries) == 7


@pytest.mark.parametrize("n", [1, 3])
def test_consent_and_read_lists_query_count_does_not_grow(
    client: Client, n: int, firm: Any, enterprise_user: Any, portrait_of: Any
) -> None:
    portrait_of(firm)
    for _ in range(n):
        bank = OrganisationFactory(kind=OrganisationKind.BANK)
        _consent(firm, bank, enterprise_user)
        PortraitRead.objects.create(
            enterprise=firm,
            reader=person(Role.BANK_OFFICER, bank),
            bank=bank,
            channel="web",
            at=timezone.now(),
        )
    sign_in(client, enterprise_user)
    client.get("/api/v1/portrait/consents")

    with CaptureQueriesContext(connection) as consents:
        c = client.get("/api/v1/portrait/consents")
    with CaptureQueriesContext(connection) as reads:
        r = client.get("/api/v1/portrait/reads")

    assert (len(c.json()), len(r.json())) == (n, n)
    assert (len(consents), len(reads)) == (5, 5)
