"""Every insights endpoint answers bad input with {"code", "message", "fields"} and writes
nothing; people outside leadership get 404 whatever they send, strangers 401."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from rainforest.accounts.roles import Role
from rainforest.audit.models import AuditRecord
from rainforest.cases.models import Case, StageVisit, TimelineEntry
from tests.conftest import sign_in
from tests.factories import person
from tests.insights.conftest import Pledges

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {"code", "message", "fields"}
CYCLE_TIMES = "/api/v1/insights/cycle-times"


def _counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        StageVisit.objects.count(),
        TimelineEntry.objects.count(),
        AuditRecord.objects.count(),
    )


def F(*names: str) -> frozenset[str]:
    return frozenset(names)


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    label: str
    status: int
    code: str
    fields: frozenset[str] = field(default_factory=frozenset)
    query: str = ""
    who: str = "leader"

    def id(self) -> str:
        return f"{self.method} {self.path} {self.label}"


# fmt: off
BAD_REQUESTS = [
    Bad("GET", CYCLE_TIMES, "year a word", 422, "invalid", F("year"), query="year=last"),
    Bad("GET", CYCLE_TIMES, "year a fraction", 422, "invalid", F("year"), query="year=2026.5"),
    Bad("GET", CYCLE_TIMES, "year huge", 422, "invalid", F("year"), query="year=" + "9" * 30),
    Bad("GET", CYCLE_TIMES, "year negative", 422, "invalid", F("year"), query="year=-2026"),
    Bad("GET", CYCLE_TIMES, "year 1999", 422, "invalid", F("year"), query="year=1999"),
    Bad("GET", CYCLE_TIMES, "year 2101", 422, "invalid", F("year"), query="year=2101"),
    Bad("GET", CYCLE_TIMES, "unknown process", 422, "unknown_process", F("process"), query="process=no_such"),
    Bad("GET", CYCLE_TIMES, "restricted process", 422, "unknown_process", F("process"), query="process=enforcement_request"),
    Bad("GET", CYCLE_TIMES, "process too long", 422, "invalid", F("process"), query="process=" + "x" * 61),
    Bad("GET", CYCLE_TIMES, "dimension without process", 422, "process_required", F("dimension"), query="dimension=bank"),
    Bad("GET", CYCLE_TIMES, "unknown dimension", 422, "unknown_dimension", F("dimension"), query="process=ip_pledge&dimension=colour"),
    Bad("GET", CYCLE_TIMES, "value without dimension", 422, "dimension_required", F("value"), query="process=ip_pledge&value=1"),
    Bad("GET", CYCLE_TIMES, "unknown value", 422, "unknown_value", F("value"), query="process=ip_pledge&dimension=bank&value=0"),
    Bad("GET", CYCLE_TIMES, "value too long", 422, "invalid", F("value"), query="process=ip_pledge&dimension=bank&value=" + "1" * 201),
    Bad("GET", CYCLE_TIMES, "bank officer", 404, "not_found", who="banker"),
    Bad("GET", CYCLE_TIMES, "applicant", 404, "not_found", who="applicant"),
    Bad("GET", CYCLE_TIMES, "police, staff but not leadership", 404, "not_found", who="police"),
]
# fmt: on

# The endpoints this file covers; tests/api/test_openapi_coverage.py checks them against
# the OpenAPI document.
TESTED_ENDPOINTS = {(b.method, b.path) for b in BAD_REQUESTS}


@pytest.fixture
def users(leader: Any, banker_a: Any, applicant: Any, bureau: Any) -> dict[str, Any]:
    return {
        "leader": leader,
        "banker": banker_a,
        "applicant": applicant,
        "police": person(Role.POLICE_LEGAL_OFFICER, bureau),
    }


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=Bad.id)
def test_bad_request_gets_envelope_and_writes_nothing(
    client: Client, pledges: Pledges, users: dict[str, Any], bank_dimension: Any, bad: Bad
) -> None:
    sign_in(client, users[bad.who])
    before = _counts()

    response = client.get(f"{bad.path}?{bad.query}" if bad.query else bad.path)

    payload = response.json()
    assert (response.status_code, payload["code"]) == (bad.status, bad.code)
    assert set(payload) == ENVELOPE_KEYS
    assert set(payload["fields"]) == bad.fields
    assert isinstance(payload["message"], str)
    assert payload["message"] != ""
    assert _counts() == before


@pytest.mark.parametrize(("method", "path"), sorted(TESTED_ENDPOINTS))
def test_endpoint_without_auth_is_401_envelope(
    client: Client, pledges: Pledges, method: str, path: str
) -> None:
    before = _counts()

    response = client.get(path)

    assert (response.status_code, response.json()) == (
        401,
        {"code": "unauthenticated", "message": "请先登录或提供有效的令牌", "fields": {}},
    )
    assert _counts() == before


def test_unknown_process_message_in_english(client: Client, leader: Any) -> None:
    sign_in(client, leader)

    response = client.get(CYCLE_TIMES, {"process": "no_such"}, HTTP_ACCEPT_LANGUAGE="en")

    assert (response.status_code, response.json()) == (
        422,
        {
            "code": "unknown_process",
            "message": "There is no such process; choose one from the list",
            "fields": {"process": "There is no such process; choose one from the list"},
        },
    )


def test_year_word_message_names_field_in_chinese(client: Client, leader: Any) -> None:
    sign_in(client, leader)

    response = client.get(CYCLE_TIMES, {"year": "last"})

    assert response.json() == {
        "code": "invalid",
        "message": "提交的内容有误，请按字段说明修改",
        "fields": {"year": "应为整数"},
    }
