"""Every review endpoint answers bad input with {"code", "message", "fields"} and writes
nothing; ``TESTED_ENDPOINTS`` is checked against the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.review import services
from rainforest.review.models import Assignment, CallSettings, Draw, Replacement, ScoreSheet
from tests.conftest import sign_in
from tests.review.conftest import World
from tests.review.envelope import MISSING, P, assert_envelope, send

pytestmark = pytest.mark.django_db


TESTED_ENDPOINTS = {
    ("POST", f"{P}/draws"),
    ("GET", f"{P}/draws/{{draw_id}}"),
    ("POST", f"{P}/draws/{{draw_id}}/perform"),
    ("GET", f"{P}/assignments"),
    ("POST", f"{P}/assignments/{{assignment_id}}/declaration"),
    ("POST", f"{P}/assignments/{{assignment_id}}/withdrawal"),
    ("POST", f"{P}/assignments/{{assignment_id}}/sheet"),
    ("GET", f"{P}/calls/{{call_id}}/ranking"),
    ("GET", f"{P}/calls/{{call_id}}/settings"),
    ("PUT", f"{P}/calls/{{call_id}}/settings"),
}


def counts() -> tuple[int, ...]:
    return (
        CallSettings.objects.count(),
        Draw.objects.count(),
        Assignment.objects.count(),
        ScoreSheet.objects.count(),
        Replacement.objects.count(),
        AuditRecord.objects.count(),
    )


def post(client: Client, path: str, body: Any) -> Any:
    return send(client, "POST", path, body)


@pytest.fixture
def drawn(world: World) -> Any:
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), k=3, load=2, q="1/2"
    )
    return services.draw_perform(actor=world.officer, draw_record=record)


# --- POST /draws --------------------------------------------------------------------------

GOOD_DRAW = {"k": 3, "load": 2, "q": "1/2"}


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"call": None}, "call", 422),  # missing (k, L and q may be left to the settings)
        ({"q": ""}, "q", 422),
        ({"k": "3"}, "k", 422),  # a count is a number, not text
        ({"k": "three"}, "k", 422),  # wrong type
        ({"k": 2.5}, "k", 422),  # float
        ({"k": True}, "k", 422),
        ({"k": -1}, "k", 422),  # negative
        ({"load": 0}, "load", 422),
        ({"k": 10**12}, "k", 422),  # huge
        ({"q": 0.5}, "q", 422),  # float probability refused: not exact
        ({"q": "2"}, "q", 422),
        ({"q": "abc"}, "q", 422),
        ({"call": MISSING}, None, 404),  # unknown call
    ],
)
def test_draw_create_bad_input(
    client: Client, world: World, change: dict[str, Any], field: str | None, status: int
) -> None:
    sign_in(client, world.officer)
    body = {"call": world.call.pk, **GOOD_DRAW, **change}
    body = {k: v for k, v in body.items() if v is not None}
    before = counts()
    assert_envelope(post(client, f"{P}/draws", body), status, field)
    assert counts() == before


def test_draw_create_malformed_json(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(post(client, f"{P}/draws", "{not json"), 400)
    assert counts() == before


def test_draw_create_by_expert_is_404(client: Client, world: World) -> None:
    sign_in(client, world.expert_users[0])
    before = counts()
    assert_envelope(post(client, f"{P}/draws", {"call": world.call.pk, **GOOD_DRAW}), 404)
    assert counts() == before


def test_draw_create_anonymous_is_401(client: Client, world: World) -> None:
    assert_envelope(post(client, f"{P}/draws", {"call": world.call.pk, **GOOD_DRAW}), 401)


# --- draws by id --------------------------------------------------------------------------


@pytest.mark.parametrize(("draw_id", "status"), [("abc", 422), (MISSING, 404)])
def test_draw_detail_bad_id(client: Client, world: World, draw_id: Any, status: int) -> None:
    sign_in(client, world.officer)
    assert_envelope(client.get(f"{P}/draws/{draw_id}"), status)


@pytest.mark.parametrize(("draw_id", "status"), [("abc", 422), (MISSING, 404)])
def test_draw_perform_bad_id(client: Client, world: World, draw_id: Any, status: int) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(client.post(f"{P}/draws/{draw_id}/perform"), status)
    assert counts() == before


def test_draw_perform_twice_is_409(client: Client, world: World, drawn: Any) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(client.post(f"{P}/draws/{drawn.pk}/perform"), 409)
    assert counts() == before


def test_assignment_list_anonymous_is_401(client: Client, world: World) -> None:
    assert_envelope(client.get(f"{P}/assignments"), 401)


# --- assignments ------------------------------------------------------------------------


def expert_client(drawn: Any) -> tuple[Client, Assignment]:
    a = Assignment.objects.filter(draw=drawn).select_related("expert__user").first()
    return sign_in(Client(), a.expert.user), a


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "no_conflict"),
        ({"no_conflict": False}, "no_conflict"),
        ({"no_conflict": "yes"}, "no_conflict"),
        ("{bad", None),
    ],
)
def test_declaration_bad_input(world: World, drawn: Any, body: Any, field: str | None) -> None:
    c, a = expert_client(drawn)
    before = counts()
    status = 400 if isinstance(body, str) else 422  # malformed JSON is a bad request
    assert_envelope(post(c, f"{P}/assignments/{a.pk}/declaration", body), status, field)
    assert counts() == before


def test_declaration_unknown_assignment_404(world: World, drawn: Any) -> None:
    c, _ = expert_client(drawn)
    assert_envelope(post(c, f"{P}/assignments/{MISSING}/declaration", {"no_conflict": True}), 404)


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"note": "有合作关系需要回避"}, "reason", 422),
        ({"reason": "bored", "note": "有合作关系需要回避"}, "reason", 422),
        ({"reason": "recused"}, "note", 422),
        ({"reason": "recused", "note": 5}, "note", 422),
        ({"reason": "recused", "note": "x" * 501}, "note", 422),
        ({"reason": "recused", "note": "  "}, "note", 422),
        ("[1, 2", None, 400),
    ],
)
def test_withdrawal_bad_input(
    world: World, drawn: Any, body: Any, field: str | None, status: int
) -> None:
    c, a = expert_client(drawn)
    before = counts()
    assert_envelope(post(c, f"{P}/assignments/{a.pk}/withdrawal", body), status, field)
    assert counts() == before


def test_withdrawal_unknown_assignment_404(world: World, drawn: Any) -> None:
    c, _ = expert_client(drawn)
    body = {"reason": "recused", "note": "有合作关系需要回避"}
    assert_envelope(post(c, f"{P}/assignments/{MISSING}/withdrawal", body), 404)


def good_sheet(world: World) -> dict[str, Any]:
    codes = [str(c.pk) for c in world.call.criteria.all()]
    return {
        "scores": {c: 80 for c in codes},
        "comments": {c: "论证充分，技术路线清晰可行。" for c in codes},
        "recommendation": "fund",
        "overall_comment": "总体较好，建议资助该项目。",
    }


@pytest.mark.parametrize(
    ("mutate", "field", "status"),
    [
        (lambda s, c: s.pop("scores"), "scores", 422),
        (lambda s, c: s.pop("recommendation"), "recommendation", 422),
        (lambda s, c: s.update(recommendation="maybe"), "recommendation", 422),
        (lambda s, c: s["scores"].update({c[0]: 80.5}), None, 422),  # float refused
        (lambda s, c: s["scores"].update({c[0]: -1}), "0", 422),
        (lambda s, c: s["scores"].update({c[0]: 10**9}), "0", 422),
        (lambda s, c: s["scores"].update({c[0]: "八十"}), None, 422),
        (lambda s, c: s["scores"].pop(c[0]), "0", 422),
        (lambda s, c: s["comments"].update({c[0]: ""}), "comment", 422),
        (lambda s, c: s.update(overall_comment=""), "overall_comment", 422),
        (lambda s, c: s.update(comments="all good"), "comments", 422),
    ],
)
def test_sheet_bad_input(world: World, drawn: Any, mutate: Any, field: Any, status: int) -> None:
    c, a = expert_client(drawn)
    services.assignment_declare(actor=a.expert.user, assignment=a)
    codes = [str(x.pk) for x in world.call.criteria.all()]
    sheet = good_sheet(world)
    mutate(sheet, codes)
    before = counts()
    body = assert_envelope(post(c, f"{P}/assignments/{a.pk}/sheet", sheet), status)
    if field == "0":
        assert list(body["fields"]) in ([codes[0]], [f"scores.{codes[0]}"])
    elif field == "comment":
        assert list(body["fields"]) == [f"comment_{codes[0]}"]
    elif field is not None:
        assert field in body["fields"]
    assert counts() == before


def test_sheet_malformed_json(world: World, drawn: Any) -> None:
    c, a = expert_client(drawn)
    before = counts()
    assert_envelope(post(c, f"{P}/assignments/{a.pk}/sheet", "{"), 400)
    assert counts() == before


def test_sheet_before_declaration_is_409(world: World, drawn: Any) -> None:
    c, a = expert_client(drawn)
    before = counts()
    body = assert_envelope(post(c, f"{P}/assignments/{a.pk}/sheet", good_sheet(world)), 409)
    assert body["code"] == "declaration_missing"
    assert counts() == before


# --- ranking -------------------------------------------------------------------------------


@pytest.mark.parametrize(("call_id", "status"), [("abc", 422)])
def test_ranking_bad_id(client: Client, world: World, call_id: Any, status: int) -> None:
    sign_in(client, world.officer)
    assert_envelope(client.get(f"{P}/calls/{call_id}/ranking"), status)


def test_ranking_for_expert_is_404(world: World, drawn: Any) -> None:
    c, _ = expert_client(drawn)
    assert_envelope(c.get(f"{P}/calls/{world.call.pk}/ranking"), 404)


# --- a call's settings -----------------------------------------------------------------------

GOOD_SETTINGS = {"k": 3, "load": 2, "q": "1/2", "method": "trimmed_mean"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"k": None}, "k"),  # missing
        ({"k": "3"}, "k"),
        ({"k": True}, "k"),
        ({"k": 2.5}, "k"),
        ({"k": 0}, "k"),  # out of range: the rules say 1 to 50
        ({"k": 51}, "k"),
        ({"load": 501}, "load"),
        ({"q": 0.5}, "q"),  # a float is not exact
        ({"q": "3/2"}, "q"),
        ({"q": "x" * 21}, "q"),
        ({"method": "max"}, "method"),
        ({"blind": "yes"}, "blind"),
    ],
)
def test_settings_bad_input(
    client: Client, world: World, change: dict[str, Any], field: str
) -> None:
    sign_in(client, world.officer)
    body = {k: v for k, v in {**GOOD_SETTINGS, **change}.items() if v is not None}
    before = counts()
    assert_envelope(send(client, "PUT", f"{P}/calls/{world.call.pk}/settings", body), 422, field)
    assert counts() == before


@pytest.mark.parametrize("method", ["GET", "PUT"])
@pytest.mark.parametrize(("call_id", "status"), [("abc", 422), (MISSING, 404)])
def test_settings_bad_call(
    client: Client, world: World, method: str, call_id: Any, status: int
) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(send(client, method, f"{P}/calls/{call_id}/settings", GOOD_SETTINGS), status)
    assert counts() == before


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_settings_for_expert_or_applicant_is_404(client: Client, world: World, method: str) -> None:
    for user in (world.expert_users[0], world.applicants[0]):
        c = sign_in(Client(), user)
        before = counts()
        assert_envelope(send(c, method, f"{P}/calls/{world.call.pk}/settings", GOOD_SETTINGS), 404)
        assert counts() == before
    assert_envelope(send(client, method, f"{P}/calls/{world.call.pk}/settings", GOOD_SETTINGS), 401)


def test_settings_malformed_json(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(send(client, "PUT", f"{P}/calls/{world.call.pk}/settings", "{k:"), 400)
    assert counts() == before


def test_settings_locked_after_the_draw_is_409(client: Client, world: World, drawn: Any) -> None:
    sign_in(client, world.officer)
    before = counts()
    body = assert_envelope(
        send(client, "PUT", f"{P}/calls/{world.call.pk}/settings", GOOD_SETTINGS), 409
    )
    assert body["code"] == "settings_locked"
    assert counts() == before
