"""Portrait pages: what each person sees, form errors, 404 without consent, list query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.accounts.models import OrganisationKind
from rainforest.accounts.roles import Role
from rainforest.portrait.models import Consent, LinkReview, PortraitRead
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


def test_enterprise_page_shows_score_explanation_charts_and_freshness(
    client: Client, firm: Any, enterprise_user: Any, portrait_of: Any
) -> None:
    p = portrait_of(firm)
    sign_in(client, enterprise_user)

    page = client.get("/portrait/mine/").content.decode()

    assert f'<span id="portrait-score" class="score">{p.score}</span>' in page
    assert page.count('<svg class="chart trend"') == 4
    assert "基础分 550" in page
    assert "近12个月纳税50.0万元" in page
    assert "2026-06" in page


def test_consent_form_errors_are_summarised_and_nothing_is_written(
    client: Client, firm: Any, enterprise_user: Any
) -> None:
    sign_in(client, enterprise_user)

    response = client.post(
        "/portrait/consents/",
        {"bank_uscc": "", "purpose": "credit", "valid_from": "2026-13-01", "valid_until": ""},
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "存在以下问题" in page
    assert "<title>错误：" in page
    assert "请选择要授权的银行" in page
    assert Consent.objects.count() == 0


def test_consent_form_grants_and_revoke_button_revokes(
    client: Client, firm: Any, bank_a: Any, enterprise_user: Any
) -> None:
    sign_in(client, enterprise_user)
    client.post(
        "/portrait/consents/",
        {
            "bank_uscc": bank_a.uscc,
            "purpose": "credit",
            "valid_from": TODAY.isoformat(),
            "valid_until": (TODAY + timedelta(days=10)).isoformat(),
        },
    )
    consent = Consent.objects.get()

    client.post(f"/portrait/consents/{consent.pk}/revoke/")

    consent.refresh_from_db()
    assert (consent.bank, consent.revoked_at is not None) == (bank_a, True)


def test_bank_without_consent_gets_404_page(
    client: Client, firm: Any, banker_a: Any, portrait_of: Any
) -> None:
    portrait_of(firm)
    sign_in(client, banker_a)

    assert client.get(f"/portrait/view/{firm.uscc}/").status_code == 404
    assert PortraitRead.objects.count() == 0


def test_bank_view_logs_the_read_and_records_a_decision(
    client: Client, firm: Any, bank_a: Any, banker_a: Any, enterprise_user: Any, portrait_of: Any
) -> None:
    portrait_of(firm)
    _consent(firm, bank_a, enterprise_user)
    sign_in(client, banker_a)

    page = client.get(f"/portrait/view/{firm.uscc}/")
    bad = client.post(f"/portrait/view/{firm.uscc}/", {"outcome": "approved", "amount": "1.5.5"})
    good = client.post(f"/portrait/view/{firm.uscc}/", {"outcome": "approved", "amount": "500万"})

    assert page.status_code == 200
    assert bad.status_code == 422
    assert good.status_code == 302
    assert PortraitRead.objects.filter(bank=bank_a).count() == 2


@pytest.mark.parametrize("n", [1, 3])
def test_bank_list_page_query_count_does_not_grow(
    client: Client, n: int, bank_a: Any, banker_a: Any, portrait_of: Any
) -> None:
    firms = [OrganisationFactory(kind=OrganisationKind.ENTERPRISE) for _ in range(n)]
    portrait_of(*firms)
    for f in firms:
        _consent(f, bank_a, person(Role.APPLICANT, f))
    sign_in(client, banker_a)
    client.get("/portrait/bank/")

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/portrait/bank/").content.decode()

    assert page.count("/portrait/view/") == n
    assert len(queries) == 10


@pytest.mark.parametrize("n", [1, 3])
def test_link_review_page_query_count_does_not_grow(client: Client, n: int, officer: Any) -> None:
    for i in range(n):
        LinkReview.objects.create(party_name=f"名称{i}", confidence=0.5, created_at=timezone.now())
    sign_in(client, officer)
    client.get("/portrait/links/")

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/portrait/links/").content.decode()

    assert page.count('name="review"') == n
    assert len(queries) == 5


def test_staff_confirms_a_link_on_the_review_page(client: Client, officer: Any) -> None:
    review = LinkReview.objects.create(party_name="名称", confidence=0.5, created_at=timezone.now())
    sign_in(client, officer)

    client.post("/portrait/links/", {"review": review.pk, "do": "confirm"})

    review.refresh_from_db()
    assert (review.state, review.decided_by) == ("confirmed", officer)


@pytest.mark.parametrize(
    "path", ["/portrait/links/", "/portrait/runs/", "/portrait/mine/", "/portrait/bank/"]
)
def test_pages_are_404_for_people_they_are_not_for(client: Client, path: str) -> None:
    sign_in(client, person(Role.EXPERT))

    assert client.get(path).status_code == 404


def test_runs_and_dashboard_pages_for_staff(
    client: Client, officer: Any, firm: Any, portrait_of: Any
) -> None:
    portrait_of(firm)
    sign_in(client, officer)

    assert 'id="runs"' in client.get("/portrait/runs/").content.decode()
    assert client.get("/portrait/dashboard/").status_code == 200
