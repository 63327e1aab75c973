"""finance/api.py: filing and handling pledges over the API, and who sees which."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.accounts.models import ApiToken, Membership
from rainforest.accounts.roles import Role
from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case, TimelineEntry
from rainforest.finance.domain import SEED_LETTER
from rainforest.finance.models import PledgeRegistration
from rainforest.finance.services import pledge_register
from tests.conftest import at, sign_in

pytestmark = pytest.mark.django_db

PLEDGES = "/api/v1/finance/pledges"


def _counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        PledgeRegistration.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
    )


def _post(client: Client, url: str, body: dict[str, Any] | None = None, **extra: Any) -> Any:
    return client.post(url, data=body or {}, content_type="application/json", **extra)


def _body(firm: Any, **change: Any) -> dict[str, Any]:
    return {
        "pledgor_uscc": firm.uscc,
        "pledgor_name": "雨林科技有限公司",
        "ip_items": [{"kind": "trademark", "number": "1234 5678"}],
        "loan_amount": "2,000万",
        "term_months": 24,
        **change,
    }


# --- filing ---------------------------------------------------------------------------


def test_file_pledge_creates_case_in_review(
    client: Client, banker_a: Any, bank_a: Any, firm: Any
) -> None:
    sign_in(client, banker_a)
    before = _counts()

    response = _post(client, PLEDGES, _body(firm))

    body = response.json()
    pledge = PledgeRegistration.objects.get()
    year = timezone.localdate().year
    assert response.status_code == 201
    assert {k: body[k] for k in body if k not in ("due_at", "inclusive_decision")} == {
        "id": pledge.pk,
        "case_id": pledge.case_id,
        "case_number": f"IPR-{year}-000001",
        "stage": "review",
        "sla": "on_time",
        "bank": "甲银行",
        "bank_uscc": bank_a.uscc,
        "pledgor_uscc": firm.uscc,
        "pledgor_name": "雨林科技有限公司",
        "ip_items": [{"kind": "trademark", "number": "12345678"}],
        "loan_amount": "20000000.00",
        "term_months": 24,
        "inclusive": True,
        "registration_number": None,
        "registered_at": None,
        "certificate_url": None,
    }
    assert body["inclusive_decision"] == {
        "outcome": "inclusive",
        "reasons": ["贷款金额 2,000.00万元 不超过 2,000.00万元（含），属普惠贷款"],
        "citations": [f"{SEED_LETTER} 二（二）"],
        "parameters_version": "finance.ip_pledge 2025.1",
    }
    assert _counts() == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)


def test_file_pledge_decision_reasons_in_english(
    client: Client, banker_a: Any, bank_a: Any, firm: Any
) -> None:
    sign_in(client, banker_a)

    response = _post(
        client, PLEDGES, _body(firm, loan_amount="20000000.01"), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.json()["inclusive_decision"] == {
        "outcome": "standard",
        "reasons": ["The loan of 2,000.000001万元 is above 2,000.00万元, so it is not inclusive"],
        "citations": [f"{SEED_LETTER} 二（二）"],
        "parameters_version": "finance.ip_pledge 2025.1",
    }


def test_file_pledge_for_named_bank(
    client: Client, banker_a: Any, bank_a: Any, bank_b: Any, firm: Any
) -> None:
    Membership.objects.create(user=banker_a, organisation=bank_b, role=Role.BANK_OFFICER)
    sign_in(client, banker_a)

    response = _post(client, PLEDGES, _body(firm, bank_uscc=bank_b.uscc.lower()))

    assert (response.status_code, response.json()["bank_uscc"]) == (201, bank_b.uscc)


def test_file_pledge_officer_of_two_banks_must_name_one(
    client: Client, banker_a: Any, bank_a: Any, bank_b: Any, firm: Any
) -> None:
    Membership.objects.create(user=banker_a, organisation=bank_b, role=Role.BANK_OFFICER)
    sign_in(client, banker_a)
    before = _counts()

    response = _post(client, PLEDGES, _body(firm))

    assert (response.status_code, response.json()["code"], response.json()["fields"]) == (
        422,
        "bank_required",
        {"bank_uscc": "请填写质权银行的统一社会信用代码"},
    )
    assert _counts() == before


def test_file_pledge_by_token(client: Client, banker_a: Any, bank_a: Any, firm: Any) -> None:
    ApiToken.objects.create(user=banker_a, name="core", key_hash=ApiToken.hash_key("tok-a"))

    response = _post(client, PLEDGES, _body(firm), HTTP_AUTHORIZATION="Bearer tok-a")

    assert (response.status_code, PledgeRegistration.objects.get().pledgee_bank_id) == (
        201,
        bank_a.pk,
    )


def test_file_pledge_by_revoked_token_is_401_and_writes_nothing(
    client: Client, banker_a: Any, bank_a: Any, firm: Any
) -> None:
    ApiToken.objects.create(
        user=banker_a,
        name="core",
        key_hash=ApiToken.hash_key("tok-a"),
        revoked_at=timezone.now(),
    )
    before = _counts()

    response = _post(client, PLEDGES, _body(firm), HTTP_AUTHORIZATION="Bearer tok-a")

    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    assert _counts() == before


# --- who sees what --------------------------------------------------------------------


@pytest.fixture
def a_pledge(banker_a: Any, bank_a: Any, file_pledge: Any) -> Any:
    return file_pledge(banker_a, bank_a)


@pytest.fixture
def a_registered(officer: Any, banker_a: Any, bank_a: Any, file_pledge: Any) -> Any:
    return pledge_register(
        pledge=file_pledge(banker_a, bank_a, amount="30000000.00"), actor=officer
    )


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [p["id"] for p in response.json()]


def test_pledge_list_other_bank_sees_nothing(
    client: Client, banker_b: Any, a_pledge: Any, a_registered: Any
) -> None:
    sign_in(client, banker_b)

    assert _ids(client.get(PLEDGES)) == []


def test_pledge_list_officer_and_own_bank_see_it(
    client: Client, officer: Any, banker_a: Any, a_pledge: Any, a_registered: Any
) -> None:
    officer_ids = _ids(sign_in(Client(), officer).get(PLEDGES))
    banker_ids = _ids(sign_in(client, banker_a).get(PLEDGES))

    assert officer_ids == banker_ids == [a_registered.pk, a_pledge.pk]


def test_pledge_list_limit(client: Client, banker_a: Any, a_pledge: Any, a_registered: Any) -> None:
    sign_in(client, banker_a)

    assert _ids(client.get(PLEDGES, {"limit": 1})) == [a_registered.pk]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/finance/pledges/{id}", "/api/v1/finance/pledges/{id}/certificate.pdf"],
)
def test_pledge_other_bank_is_404_like_a_missing_one(
    client: Client, banker_b: Any, a_registered: Any, path: str
) -> None:
    sign_in(client, banker_b)

    hidden = client.get(path.format(id=a_registered.pk))
    missing = client.get(path.format(id=999999))

    assert (hidden.status_code, hidden.json()) == (404, missing.json())


def test_pledge_detail_officer_sees_it(client: Client, officer: Any, a_registered: Any) -> None:
    sign_in(client, officer)

    body = client.get(f"{PLEDGES}/{a_registered.pk}").json()

    assert (body["registration_number"], body["certificate_url"], body["inclusive"]) == (
        a_registered.registration_number,
        f"/api/v1/finance/pledges/{a_registered.pk}/certificate.pdf",
        False,
    )


def test_pledge_staff_without_second_factor_is_401(
    client: Client, officer: Any, a_registered: Any
) -> None:
    client.force_login(officer)

    responses = [
        client.get(PLEDGES),
        client.get(f"{PLEDGES}/{a_registered.pk}"),
        client.get(f"{PLEDGES}/{a_registered.pk}/certificate.pdf"),
        client.get(f"{PLEDGES}/summary"),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401, 401]


def test_certificate_own_bank_downloads_pdf(
    client: Client, banker_a: Any, a_registered: Any
) -> None:
    sign_in(client, banker_a)

    response = client.get(f"{PLEDGES}/{a_registered.pk}/certificate.pdf")

    assert (response.status_code, response["Content-Type"], response["Content-Disposition"]) == (
        200,
        "application/pdf",
        f'attachment; filename="{a_registered.registration_number}.pdf"',
    )
    assert response.content == bytes(a_registered.certificate_pdf)
    assert response.content[:5] == b"%PDF-"


# --- handling -------------------------------------------------------------------------


def test_register_by_officer_numbers_and_links_certificate(
    client: Client, officer: Any, a_pledge: Any
) -> None:
    sign_in(client, officer)

    body = _post(client, f"{PLEDGES}/{a_pledge.pk}/register").json()

    number = f"ZYDJ-{timezone.localdate().year}-000001"
    assert (body["stage"], body["sla"], body["registration_number"], body["certificate_url"]) == (
        "registered",
        "closed",
        number,
        f"/api/v1/finance/pledges/{a_pledge.pk}/certificate.pdf",
    )
    assert client.get(body["certificate_url"]).content[:5] == b"%PDF-"


def test_return_then_resubmit_with_changes(
    client: Client, officer: Any, banker_a: Any, a_pledge: Any
) -> None:
    returned = _post(
        sign_in(Client(), officer), f"{PLEDGES}/{a_pledge.pk}/return", {"reason": "金额有误"}
    ).json()
    sign_in(client, banker_a)

    resubmitted = _post(
        client,
        f"{PLEDGES}/{a_pledge.pk}/resubmit",
        {"loan_amount": "3000万", "ip_items": [{"kind": "trademark", "number": "87654321"}]},
    ).json()

    assert (returned["stage"], returned["sla"]) == ("correction", "paused")
    assert (
        resubmitted["stage"],
        resubmitted["loan_amount"],
        resubmitted["ip_items"],
        resubmitted["term_months"],
        resubmitted["inclusive"],
        resubmitted["inclusive_decision"]["outcome"],
    ) == (
        "review",
        "30000000.00",
        [{"kind": "trademark", "number": "87654321"}],
        12,
        False,
        "standard",
    )


def test_reject_by_officer_closes(client: Client, officer: Any, a_pledge: Any) -> None:
    sign_in(client, officer)

    body = _post(client, f"{PLEDGES}/{a_pledge.pk}/reject", {"reason": "商标已注销"}).json()

    assert (body["stage"], body["sla"], body["registration_number"]) == (
        "rejected",
        "closed",
        None,
    )


def test_summary_by_month_for_officer_and_other_bank(
    client: Client, officer: Any, banker_b: Any, a_pledge: Any, a_registered: Any
) -> None:
    pledge_register(pledge=a_pledge, actor=officer)
    month = timezone.localdate().strftime("%Y-%m")

    officer_rows = sign_in(Client(), officer).get(f"{PLEDGES}/summary").json()
    other_rows = sign_in(client, banker_b).get(f"{PLEDGES}/summary").json()

    assert officer_rows == [
        {
            "month": month,
            "count": 2,
            "amount": "31000000.00",
            "inclusive_count": 1,
            "inclusive_amount": "1000000.00",
        }
    ]
    assert other_rows == []


# --- query counts ---------------------------------------------------------------------


def _queries(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.json()), len(ctx.captured_queries)


def test_pledge_list_query_count_same_for_1_and_3_items(
    client: Client,
    officer: Any,
    banker_a: Any,
    bank_a: Any,
    banker_b: Any,
    bank_b: Any,
    file_pledge: Any,
) -> None:
    sign_in(client, officer)
    file_pledge(banker_a, bank_a)
    items_one, one = _queries(client, PLEDGES)
    pledge_register(pledge=file_pledge(banker_a, bank_a), actor=officer)
    file_pledge(banker_b, bank_b)
    items_three, three = _queries(client, PLEDGES)

    assert (items_one, items_three) == (1, 3)
    assert three == one


def test_pledge_summary_query_count_same_for_1_and_3_months(
    client: Client, officer: Any, banker_a: Any, bank_a: Any, file_pledge: Any
) -> None:
    sign_in(client, officer)
    pledge_register(
        pledge=file_pledge(banker_a, bank_a, now=at("2026-07-01 10:00")),
        actor=officer,
        now=at("2026-07-02 10:00"),
    )
    months_one, one = _queries(client, f"{PLEDGES}/summary")
    pledge_register(
        pledge=file_pledge(banker_a, bank_a, now=at("2026-08-03 10:00")),
        actor=officer,
        now=at("2026-08-04 10:00"),
    )
    pledge_register(
        pledge=file_pledge(banker_a, bank_a, now=at("2026-09-01 10:00")),
        actor=officer,
        now=at("2026-09-02 10:00"),
    )
    months_three, three = _queries(client, f"{PLEDGES}/summary")

    assert (months_one, months_three) == (1, 3)
    assert three == one
