"""The generic case pages and API do not reveal enforcement cases to other staff.

The process is registered ``restricted=True`` (cases.permissions): programme officers,
administrators and the police organisation's other members never see such a case.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rainforest.accounts.roles import Role
from rainforest.audit.models import AuditRecord
from tests.conftest import sign_in
from tests.enforcement.conftest import pdf
from tests.factories import person

pytestmark = pytest.mark.django_db


def test_programme_officer_sees_no_enforcement_case_in_api_list(
    client: Client, officer: Any, make_request: Any
) -> None:
    make_request()
    sign_in(client, officer)

    response = client.get("/api/v1/cases")

    assert (response.status_code, response.json()["items"]) == (200, [])


def test_programme_officer_gets_404_for_enforcement_case_in_api(
    client: Client, officer: Any, make_request: Any
) -> None:
    r = make_request()
    sign_in(client, officer)

    by_id = client.get(f"/api/v1/cases/{r.case_id}")
    by_number = client.get(f"/api/v1/cases/{r.case.number}")
    act = client.post(
        f"/api/v1/cases/{r.case_id}/transitions",
        data={"action": "stop", "reason": "x"},
        content_type="application/json",
    )

    assert [by_id.status_code, by_number.status_code, act.status_code] == [404, 404, 404]


def test_programme_officer_sees_no_enforcement_case_on_case_list_page(
    client: Client, officer: Any, make_request: Any
) -> None:
    r = make_request()
    sign_in(client, officer)

    page = client.get("/cases/").content.decode()

    assert (r.case.number in page, "长沙" in page) == (False, False)


def test_programme_officer_gets_404_for_enforcement_case_page(
    client: Client, officer: Any, make_request: Any
) -> None:
    r = make_request(documents=[pdf()])
    sign_in(client, officer)

    page = client.get(f"/cases/{r.case_id}/")
    download = client.get(f"/cases/attachments/{r.case.attachments.get().pk}/")

    assert [page.status_code, download.status_code] == [404, 404]


def test_administrator_sees_no_enforcement_case(client: Client, make_request: Any) -> None:
    r = make_request()
    admin = person(Role.ADMINISTRATOR)
    sign_in(client, admin)

    listed = client.get("/api/v1/cases").json()["items"]
    one = client.get(f"/api/v1/cases/{r.case_id}")

    assert (listed, one.status_code) == ([], 404)


def test_police_colleague_in_other_role_sees_nothing(
    client: Client, police_org: Any, make_request: Any
) -> None:
    r = make_request()
    clerk = person(Role.APPLICANT, police_org)
    sign_in(client, clerk)

    listed = client.get("/api/v1/cases").json()["items"]
    one = client.get(f"/api/v1/cases/{r.case_id}")

    assert (listed, one.status_code) == ([], 404)


def test_police_sees_enforcement_case_in_generic_list(
    client: Client, police: Any, make_request: Any
) -> None:
    r = make_request()
    sign_in(client, police)

    listed = client.get("/api/v1/cases").json()["items"]

    assert [c["number"] for c in listed] == [r.case.number]


# The generic case page and API detail show an enforcement case to police legal officers;
# the on_view hook registered with the process puts every such view on the record.
@pytest.mark.parametrize("url", ["/cases/{id}/", "/api/v1/cases/{id}"])
def test_generic_view_of_enforcement_case_is_audited(
    client: Client, police: Any, make_request: Any, url: str
) -> None:
    r = make_request()
    sign_in(client, police)
    before = AuditRecord.objects.filter(action="enforcement.viewed").count()

    response = client.get(url.format(id=r.case_id))

    assert response.status_code == 200
    assert AuditRecord.objects.filter(action="enforcement.viewed").count() == before + 1
