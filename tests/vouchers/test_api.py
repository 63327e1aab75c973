"""vouchers/api.py: the journey over the API, who sees what, and query counts of the lists."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.vouchers import services
from tests.conftest import sign_in
from tests.factories import OrganisationFactory, person
from tests.vouchers.conftest import uscc_in

pytestmark = pytest.mark.django_db
V = "/api/v1/vouchers"


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_journey_over_the_api(
    open_budget: Any,
    provider: Any,
    provider_user: Any,
    applicant: Any,
    enterprise: Any,
    officer: Any,
) -> None:
    open_budget("compute", "100000")
    ent, prov, staff = Client(), Client(), Client()
    sign_in(ent, applicant), sign_in(prov, provider_user), sign_in(staff, officer)
    today = timezone.localdate().isoformat()

    applied = _post(
        ent,
        f"{V}/applications",
        {
            "provider_id": provider.pk,
            "voucher_type": "compute",
            "year": int(today[:4]),
            "amount": "1,000",
            "planned_use": "训练",
            "contract_reference": "HT-1",
            "legal_representative": "张三",
            "shareholders": [{"name": "张三", "percent": "100"}],
        },
    )
    assert applied.status_code == 201
    assert applied.json()["eligibility"]["outcome"] == "eligible"
    approved = _post(staff, f"{V}/applications/{applied.json()['id']}/approve").json()
    number = approved["voucher_number"]
    redemptions = []
    for invoice, amount in (("25442000000000000001", "800"), ("25442000000000000002", "5000")):
        r = _post(
            prov,
            f"{V}/redemptions",
            {
                "voucher_number": number,
                "invoice_number": invoice,
                "invoice_amount": amount,
                "invoice_date": today,
                "period_start": today,
                "period_end": today,
                "usage_evidence": "训练",
            },
        )
        assert r.status_code == 201
        redemptions.append(r.json())
        _post(ent, f"{V}/redemptions/{r.json()['id']}/confirm")
    settled = _post(
        staff,
        f"{V}/settlements",
        {"provider_id": provider.pk, "period_start": today, "period_end": today},
    )
    paid = _post(staff, f"{V}/settlements/{settled.json()['id']}/paid", {"reference": "GK-1"})
    voucher = ent.get(f"{V}/vouchers").json()[0]
    figures = Client().get(f"{V}/public/figures").json()

    assert [r["amount"] for r in redemptions] == ["400.00", "600.00"]
    assert (voucher["balance"], voucher["status"]) == ("0.00", "used_up")
    assert (settled.status_code, settled.json()["total"], settled.json()["lines"]) == (
        201,
        "1000.00",
        2,
    )
    assert (paid.json()["status"], paid.json()["paid_reference"]) == ("paid", "GK-1")
    compute = next(b for b in figures["budgets"] if b["voucher_type"] == "compute")
    assert (compute["issued"], compute["redeemed"], compute["remaining"]) == (
        "1000.00",
        "1000.00",
        "99000.00",
    )
    assert figures["enterprises"] == 1
    xlsx = staff.get(settled.json()["xlsx_url"])
    assert (
        xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


@pytest.fixture
def two_enterprises(
    open_budget: Any, provider: Any, applicant: Any, enterprise: Any, issue: Any, redeem: Any
) -> dict[str, Any]:
    open_budget("compute", "100000")
    other = OrganisationFactory(name="乙企业", uscc=uscc_in("440300", 202))
    other_user = person(Role.APPLICANT, other)
    mine = issue(applicant, enterprise, provider, "1000")
    theirs = issue(other_user, other, provider, "2000")
    return {
        "mine": mine,
        "theirs": theirs,
        "mine_redemption": redeem(mine, amount="100"),
        "theirs_redemption": redeem(theirs, amount="100"),
        "other_user": other_user,
    }


def test_enterprise_sees_only_its_own_vouchers_applications_redemptions(
    client: Client, two_enterprises: dict[str, Any], applicant: Any
) -> None:
    sign_in(client, applicant)
    mine, theirs = two_enterprises["mine"], two_enterprises["theirs"]

    vouchers = [v["number"] for v in client.get(f"{V}/vouchers").json()]
    applications = [a["case_number"] for a in client.get(f"{V}/applications").json()]
    redemptions = [r["voucher_number"] for r in client.get(f"{V}/redemptions").json()]

    assert vouchers == [mine.number]
    assert applications == [mine.application.case.number]
    assert redemptions == [mine.number]
    assert client.get(f"{V}/vouchers/{theirs.pk}").status_code == 404
    assert client.get(f"{V}/applications/{theirs.application_id}").status_code == 404


def test_provider_sees_vouchers_naming_it_only(
    client: Client, two_enterprises: dict[str, Any], make_provider: Any
) -> None:
    org = OrganisationFactory(kind=OrganisationKind.PROVIDER, uscc=uscc_in("440300", 905))
    other = person(Role.PROVIDER, org)
    make_provider(other, org, legal_rep="赵六")
    sign_in(client, other)

    assert client.get(f"{V}/vouchers").json() == []
    assert client.get(f"{V}/redemptions").json() == []
    assert client.get(f"{V}/settlements").json() == []
    assert [p["uscc"] for p in client.get(f"{V}/providers").json()] == [org.uscc]


def test_provider_y_cannot_redeem_voucher_of_provider_x(
    client: Client, two_enterprises: dict[str, Any], make_provider: Any
) -> None:
    org = OrganisationFactory(kind=OrganisationKind.PROVIDER, uscc=uscc_in("440300", 906))
    other = person(Role.PROVIDER, org)
    make_provider(other, org, legal_rep="赵六")
    sign_in(client, other)
    today = timezone.localdate().isoformat()

    response = _post(
        client,
        f"{V}/redemptions",
        {
            "voucher_number": two_enterprises["mine"].number,
            "invoice_number": "25442000000000000321",
            "invoice_amount": "100",
            "invoice_date": today,
            "period_start": today,
            "period_end": today,
            "usage_evidence": "x",
        },
    )

    assert (response.status_code, response.json()["code"]) == (422, "voucher_not_found")


def test_public_providers_lists_approved_only(
    client: Client, provider: Any, make_provider: Any
) -> None:
    org = OrganisationFactory(kind=OrganisationKind.PROVIDER)
    make_provider(person(Role.PROVIDER, org), org, approve=False)

    listed = client.get(f"{V}/public/providers").json()

    assert [p["uscc"] for p in listed] == [provider.organisation.uscc]


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("vouchers", "applicant"),
        ("applications", "applicant"),
        ("redemptions", "provider_user"),
        ("settlements", "officer"),
        ("providers", "officer"),
    ],
)
def test_list_query_count_same_for_1_and_3(
    request: Any,
    open_budget: Any,
    provider: Any,
    applicant: Any,
    enterprise: Any,
    issue: Any,
    redeem: Any,
    officer: Any,
    n: int,
    path: str,
    who: str,
) -> None:
    open_budget("compute", "100000")
    today = timezone.localdate()
    for _ in range(n):
        v = issue(applicant, enterprise, provider, "1000")
        services.redemption_confirm(redemption=redeem(v, amount="100"), actor=applicant)
        services.settlement_create(
            provider=provider, period_start=today, period_end=today, actor=officer
        )
    client = sign_in(Client(), request.getfixturevalue(who))
    client.get(f"{V}/{path}")

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{V}/{path}")

    expected = 1 if path == "providers" else n
    assert len(response.json()) == expected
    assert len(ctx) == LIST_QUERIES[path]


LIST_QUERIES = {
    "vouchers": 5,
    "applications": 5,
    "redemptions": 5,
    "settlements": 4,
    "providers": 4,
}
