"""cases/api.py: who sees which case, the SLA filters, auth by token, query counts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rainforest.accounts.models import ApiToken
from rainforest.cases.calendar import get_calendar
from rainforest.cases.selectors import due_soon_limit
from rainforest.cases.services import case_transition
from rainforest.finance.services import pledge_register
from tests.conftest import SHANGHAI, sign_in

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases"
REVIEW_WORKDAYS = 2


def _numbers(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


# --- who sees what --------------------------------------------------------------------


@pytest.fixture
def a_pledge(banker_a: Any, bank_a: Any, file_pledge: Any) -> Any:
    return file_pledge(banker_a, bank_a)


def test_case_list_other_bank_sees_nothing(client: Client, banker_b: Any, a_pledge: Any) -> None:
    sign_in(client, banker_b)

    assert _numbers(client.get(CASES)) == []


def test_case_list_own_bank_sees_its_case(client: Client, banker_a: Any, a_pledge: Any) -> None:
    sign_in(client, banker_a)

    assert _numbers(client.get(CASES)) == [a_pledge.case.number]


def test_case_list_officer_sees_every_bank(
    client: Client,
    officer: Any,
    banker_b: Any,
    bank_b: Any,
    file_pledge: Any,
    a_pledge: Any,
) -> None:
    b_pledge = file_pledge(banker_b, bank_b)
    sign_in(client, officer)

    assert _numbers(client.get(CASES)) == [b_pledge.case.number, a_pledge.case.number]


def test_case_detail_other_bank_is_404(client: Client, banker_b: Any, a_pledge: Any) -> None:
    sign_in(client, banker_b)

    by_id = client.get(f"{CASES}/{a_pledge.case_id}")
    by_number = client.get(f"{CASES}/{a_pledge.case.number}")

    assert (by_id.status_code, by_id.json()["code"]) == (404, "not_found")
    # The same answer as for a case that does not exist: nothing tells the two apart.
    assert by_id.json() == by_number.json() == client.get(f"{CASES}/999999").json()


def test_case_detail_officer_sees_case_with_actions(
    client: Client, officer: Any, a_pledge: Any
) -> None:
    sign_in(client, officer)

    body = client.get(f"{CASES}/{a_pledge.case_id}").json()

    assert (body["number"], body["stage"], body["actions"], body["paused"]) == (
        a_pledge.case.number,
        "review",
        ["register", "return", "reject"],
        False,
    )
    assert [t["action"] for t in body["timeline"]] == ["open"]
    assert body["decision"]["outcome"] == "inclusive"


def test_case_detail_by_number_banker_sees_no_staff_actions(
    client: Client, banker_a: Any, a_pledge: Any
) -> None:
    sign_in(client, banker_a)

    body = client.get(f"{CASES}/{a_pledge.case.number}").json()

    assert (body["id"], body["actions"]) == (a_pledge.case_id, [])


def test_case_transition_other_bank_is_404_and_changes_nothing(
    client: Client, banker_b: Any, officer: Any, a_pledge: Any
) -> None:
    case_transition(case=a_pledge.case, action="return", actor=officer, reason="请补充")
    sign_in(client, banker_b)

    response = client.post(
        f"{CASES}/{a_pledge.case_id}/transitions",
        data={"action": "withdraw"},
        content_type="application/json",
    )

    assert response.status_code == 404
    a_pledge.case.refresh_from_db()
    assert a_pledge.case.stage == "correction"


def test_case_transition_officer_returns_with_reason(
    client: Client, officer: Any, a_pledge: Any
) -> None:
    sign_in(client, officer)

    response = client.post(
        f"{CASES}/{a_pledge.case_id}/transitions",
        data={"action": "return", "reason": "请补充专利证书"},
        content_type="application/json",
    )

    body = response.json()
    assert (response.status_code, body["stage"], body["sla"], body["paused"]) == (
        200,
        "correction",
        "paused",
        True,
    )
    assert body["timeline"][-1]["reason"] == "请补充专利证书"


def test_case_transition_register_goes_through_pledge_handler(
    client: Client, officer: Any, a_pledge: Any
) -> None:
    sign_in(client, officer)

    response = client.post(
        f"{CASES}/{a_pledge.case_id}/transitions",
        data={"action": "register"},
        content_type="application/json",
    )

    a_pledge.refresh_from_db()
    assert (response.status_code, response.json()["stage"]) == (200, "registered")
    assert a_pledge.registration_number == f"ZYDJ-{timezone.localdate().year}-000001"
    assert bytes(a_pledge.certificate_pdf)[:5] == b"%PDF-"


# --- the second factor and tokens -----------------------------------------------------


def test_staff_without_second_factor_is_401(client: Client, officer: Any, a_pledge: Any) -> None:
    client.force_login(officer)

    list_response = client.get(CASES)
    detail_response = client.get(f"{CASES}/{a_pledge.case_id}")

    assert (list_response.status_code, list_response.json()["code"]) == (401, "unauthenticated")
    assert (detail_response.status_code, detail_response.json()["code"]) == (
        401,
        "unauthenticated",
    )


def test_banker_needs_no_second_factor(client: Client, banker_a: Any, a_pledge: Any) -> None:
    client.force_login(banker_a)

    assert _numbers(client.get(CASES)) == [a_pledge.case.number]


def _token(user: Any, raw: str, *, revoked: bool = False) -> ApiToken:
    return ApiToken.objects.create(
        user=user,
        name="bank core system",
        key_hash=ApiToken.hash_key(raw),
        revoked_at=timezone.now() if revoked else None,
    )


def test_token_auth_sees_own_cases_and_records_use(
    client: Client, banker_a: Any, a_pledge: Any
) -> None:
    token = _token(banker_a, "rf_live_a")

    response = client.get(CASES, HTTP_AUTHORIZATION="Bearer rf_live_a")

    assert _numbers(response) == [a_pledge.case.number]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_auth_other_bank_sees_nothing(client: Client, banker_b: Any, a_pledge: Any) -> None:
    _token(banker_b, "rf_live_b")

    listed = client.get(CASES, HTTP_AUTHORIZATION="Bearer rf_live_b")
    detail = client.get(f"{CASES}/{a_pledge.case_id}", HTTP_AUTHORIZATION="Bearer rf_live_b")

    assert (_numbers(listed), detail.status_code) == ([], 404)


@pytest.mark.parametrize(
    ("header", "revoked"),
    [
        ("Bearer rf_live_a", True),
        ("Bearer rf_wrong", False),
        ("Bearer ", False),
        ("Token rf_live_a", False),
    ],
)
def test_token_auth_bad_token_is_401(
    client: Client, banker_a: Any, a_pledge: Any, header: str, revoked: bool
) -> None:
    _token(banker_a, "rf_live_a", revoked=revoked)

    response = client.get(CASES, HTTP_AUTHORIZATION=header)

    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")


def test_token_auth_inactive_user_is_401(client: Client, banker_a: Any, a_pledge: Any) -> None:
    _token(banker_a, "rf_live_a")
    banker_a.is_active = False
    banker_a.save(update_fields=["is_active"])

    response = client.get(CASES, HTTP_AUTHORIZATION="Bearer rf_live_a")

    assert response.status_code == 401


def test_token_revoked_after_use_is_refused_at_once(
    client: Client, banker_a: Any, a_pledge: Any
) -> None:
    # The token query's SQL is compiled once and re-run: each call must still read the
    # token's current state, not the first answer.
    token = _token(banker_a, "rf_live_a")
    first = client.get(CASES, HTTP_AUTHORIZATION="Bearer rf_live_a")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])

    second = client.get(CASES, HTTP_AUTHORIZATION="Bearer rf_live_a")

    assert (first.status_code, second.status_code) == (200, 401)


def test_token_sees_a_membership_change_on_the_next_call(
    client: Client, banker_a: Any, bank_b: Any, a_pledge: Any, new_pledge: Any, banker_b: Any
) -> None:
    _token(banker_a, "rf_live_a")
    other = new_pledge(banker_b, bank_b)
    before = _numbers(client.get(CASES, HTTP_AUTHORIZATION="Bearer rf_live_a"))
    banker_a.memberships.update(organisation=bank_b)

    after = _numbers(client.get(CASES, HTTP_AUTHORIZATION="Bearer rf_live_a"))

    assert (before, after) == ([a_pledge.case.number], [other.case.number])


# --- SLA filters ----------------------------------------------------------------------
#
# The API reads the real clock, so the cases are filed relative to it: the filing day is
# searched backwards through the working-day calendar until the due date (end of the
# second working day after filing) lands where the test needs it.


def _filed_for_due(accept: Any) -> datetime:
    calendar = get_calendar()
    today = timezone.localdate()
    for back in range(1, 60):
        filed = datetime.combine(today - timedelta(days=back), time(10), tzinfo=SHANGHAI)
        if accept(calendar.end_of_workday_after(filed, REVIEW_WORKDAYS).value):
            return filed
    raise AssertionError("no filing day found")  # pragma: no cover


@pytest.fixture
def sla_cases(
    officer: Any,
    banker_a: Any,
    banker_b: Any,
    bank_a: Any,
    bank_b: Any,
    file_pledge: Any,
) -> dict[str, list[Any]]:
    """Bank A's cases in each SLA state, and an overdue and a paused case of bank B."""
    now = timezone.now()
    soon = due_soon_limit(now)
    calendar = get_calendar()

    def due_of(filed: datetime) -> datetime:
        return calendar.end_of_workday_after(filed, REVIEW_WORKDAYS).value

    overdue_late = _filed_for_due(lambda due: due < now - timedelta(days=1))
    overdue_early = _filed_for_due(lambda due: due < due_of(overdue_late))
    due_soon = _filed_for_due(lambda due: now <= due <= soon)

    def case(banker: Any, bank: Any, filed: datetime | None) -> Any:
        return file_pledge(banker, bank, now=filed).case

    # Filed out of due order, so a list sorted by filing would not pass.
    late = case(banker_a, bank_a, overdue_late)
    early = case(banker_a, bank_a, overdue_early)
    soon_case = case(banker_a, bank_a, due_soon)
    on_time = case(banker_a, bank_a, None)
    paused_first = case(banker_a, bank_a, now - timedelta(hours=2))
    paused_second = case(banker_a, bank_a, now - timedelta(hours=1))
    closed = case(banker_a, bank_a, overdue_early)
    other_overdue = case(banker_b, bank_b, overdue_early)
    other_paused = case(banker_b, bank_b, None)
    for paused, at_time in (
        (paused_first, now - timedelta(minutes=50)),
        (paused_second, now - timedelta(minutes=40)),
        (other_paused, now - timedelta(minutes=30)),
    ):
        case_transition(case=paused, action="return", actor=officer, reason="补正", now=at_time)
    pledge_register(pledge=closed.pledge, actor=officer)
    return {
        "overdue": [early, late],
        "due_soon": [soon_case],
        "on_time": [on_time],
        # Paused cases come newest first.
        "paused": [paused_second, paused_first],
        "closed": [closed],
        "other_overdue": [other_overdue],
        "other_paused": [other_paused],
    }


@pytest.mark.parametrize("state", ["overdue", "due_soon", "on_time", "paused", "closed"])
def test_case_list_sla_filter_own_bank(
    client: Client, banker_a: Any, sla_cases: dict[str, list[Any]], state: str
) -> None:
    sign_in(client, banker_a)

    response = client.get(CASES, {"sla": state})

    assert _numbers(response) == [c.number for c in sla_cases[state]]
    assert [item["sla"] for item in response.json()["items"]] == [state] * len(sla_cases[state])


def test_case_list_sla_overdue_sorted_by_due_for_officer(
    client: Client, officer: Any, sla_cases: dict[str, list[Any]]
) -> None:
    sign_in(client, officer)
    expected = sorted(
        sla_cases["overdue"] + sla_cases["other_overdue"], key=lambda c: (c.due_at, c.id)
    )

    response = client.get(CASES, {"sla": "overdue"})

    assert _numbers(response) == [c.number for c in expected]
    due = [item["due_at"] for item in response.json()["items"]]
    assert due == sorted(due)


def test_case_list_sla_paused_for_officer_includes_other_bank(
    client: Client, officer: Any, sla_cases: dict[str, list[Any]]
) -> None:
    sign_in(client, officer)

    response = client.get(CASES, {"sla": "paused"})

    assert _numbers(response) == [c.number for c in sla_cases["other_paused"] + sla_cases["paused"]]


def test_case_list_sla_bogus_is_422_naming_sla(
    client: Client, banker_a: Any, sla_cases: dict[str, list[Any]]
) -> None:
    sign_in(client, banker_a)

    response = client.get(CASES, {"sla": "bogus"}, HTTP_ACCEPT_LANGUAGE="en")

    assert (response.status_code, response.json()) == (
        422,
        {
            "code": "invalid",
            "message": "Some of the input cannot be accepted; see the fields",
            "fields": {"sla": "is not one of the allowed values"},
        },
    )


def test_case_list_pages(client: Client, banker_a: Any, sla_cases: dict[str, list[Any]]) -> None:
    sign_in(client, banker_a)
    everything = _numbers(client.get(CASES))

    first = client.get(CASES, {"page_size": 3}).json()
    third = client.get(CASES, {"page_size": 3, "page": 3}).json()

    assert len(everything) == 7
    assert ([i["number"] for i in first["items"]], first["has_more"]) == (everything[:3], True)
    assert ([i["number"] for i in third["items"]], third["has_more"]) == (everything[6:], False)


# --- query counts ---------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [CASES, f"{CASES}?sla=on_time", f"{CASES}?sla=paused"])
def test_case_list_query_count_same_for_1_and_3_items(
    client: Client,
    officer: Any,
    banker_a: Any,
    bank_a: Any,
    banker_b: Any,
    bank_b: Any,
    file_pledge: Any,
    url: str,
) -> None:
    sign_in(client, officer)

    def add(banker: Any, bank: Any) -> None:
        pledge = file_pledge(banker, bank)
        if "paused" in url:
            case_transition(case=pledge.case, action="return", actor=officer, reason="补正")

    add(banker_a, bank_a)
    one = _queries(client, url)
    add(banker_a, bank_a)
    add(banker_b, bank_b)
    three = _queries(client, url)

    assert len(client.get(url).json()["items"]) == 3
    assert three == one


@pytest.mark.parametrize(
    ("method", "path", "status", "code", "message"),
    [
        ("post", "/api/v1/health", 405, "method_not_allowed", "该接口不支持此请求方法"),
        ("get", "/api/v1/no-such-endpoint", 404, "not_found", "未找到该接口"),
    ],
)
def test_api_routing_errors_use_the_envelope(
    client: Any, db: None, method: str, path: str, status: int, code: str, message: str
) -> None:
    response = getattr(client, method)(path)

    assert response.status_code == status
    assert response.json() == {"code": code, "message": message, "fields": {}}
