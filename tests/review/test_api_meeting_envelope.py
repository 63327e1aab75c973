"""The meeting-review endpoints answer bad input with the envelope, naming the field, and
write nothing; an expert not on a panel and any applicant find nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from rainforest.audit.models import AuditRecord
from rainforest.review import services
from rainforest.review.models import Panel, PanelScore
from tests.conftest import at, sign_in
from tests.review.conftest import World, make_panel
from tests.review.envelope import MISSING, P, assert_envelope, send

pytestmark = pytest.mark.django_db

TESTED_ENDPOINTS = {
    ("GET", f"{P}/panels"),
    ("POST", f"{P}/panels"),
    ("GET", f"{P}/panels/{{panel_id}}"),
    ("POST", f"{P}/panels/{{panel_id}}/scores"),
}


def counts() -> tuple[Any, ...]:
    return (
        Panel.objects.count(),
        tuple(PanelScore.objects.order_by("pk").values_list("item_ref", "score")),
        AuditRecord.objects.count(),
    )


def good_panel(world: World, **change: Any) -> dict[str, Any]:
    body = {
        "call": world.call.pk,
        "name": "会评一组",
        "chair": world.experts[0].pk,
        "members": [e.pk for e in world.experts[1:5]],
        "session_at": "2026-10-20T09:00:00+08:00",
        "place": "科技局 301 会议室",
        "items": [a.pk for a in world.applications],
    }
    return {k: v for k, v in {**body, **change}.items() if v is not None}


@pytest.fixture
def panel(world: World) -> Panel:
    return make_panel(world)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": None}, "items"),
        ({"items": []}, "items"),
        ({"items": ["x"]}, "items.0"),
        ({"items": [999999]}, "items"),  # not reviewed in this call
        ({"members": "all"}, "members"),
        ({"members": [999999]}, "members"),  # no such expert
        ({"members": []}, "members"),  # too few
        ({"chair": None}, "chair"),
        ({"chair": 999999}, "chair"),
        ({"chair": True}, "chair"),
        ({"session_at": "tomorrow"}, "session_at"),
        ({"place": ""}, "place"),
        ({"place": 3}, "place"),
        ({"name": "x" * 101}, "name"),
        ({"minutes_per_item": 3}, "minutes_per_item"),
        ({"call": "abc"}, "call"),
    ],
)
def test_panel_create_bad_input(
    client: Client, world: World, change: dict[str, Any], field: str
) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(send(client, "POST", f"{P}/panels", good_panel(world, **change)), 422, field)
    assert counts() == before


def test_panel_create_with_a_conflicted_member_names_the_field_and_reason(
    client: Client, world: World
) -> None:
    insider = world.experts[2]
    insider.employer_uscc = world.applications[1].applicant_org.uscc
    insider.save()
    sign_in(client, world.officer)
    before = counts()
    body = assert_envelope(send(client, "POST", f"{P}/panels", good_panel(world)), 422, "members")
    assert f"回避评审对象 {world.applications[1].pk}" in body["fields"]["members"]
    assert counts() == before


def test_panel_create_unknown_call_404_and_malformed_400(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(send(client, "POST", f"{P}/panels", good_panel(world, call=MISSING)), 404)
    assert_envelope(send(client, "POST", f"{P}/panels", "{"), 400)
    assert counts() == before


def test_panel_create_by_expert_or_applicant_is_404(client: Client, world: World) -> None:
    for user in (world.expert_users[0], world.applicants[0]):
        c = sign_in(Client(), user)
        before = counts()
        assert_envelope(send(c, "POST", f"{P}/panels", good_panel(world)), 404)
        assert counts() == before
    assert_envelope(send(client, "POST", f"{P}/panels", good_panel(world)), 401)


def test_panel_list_bad_filter_and_anonymous(client: Client, world: World) -> None:
    assert_envelope(client.get(f"{P}/panels"), 401)
    sign_in(client, world.officer)
    assert_envelope(client.get(f"{P}/panels?call=abc"), 422, "call")


@pytest.mark.parametrize(("panel_id", "status"), [("abc", 422), (MISSING, 404)])
def test_panel_by_bad_id(client: Client, world: World, panel_id: Any, status: int) -> None:
    sign_in(client, world.officer)
    before = counts()
    assert_envelope(client.get(f"{P}/panels/{panel_id}"), status)
    body = {"item": world.applications[0].pk, "score": 80, "comment": "专家组一致同意推荐。"}
    assert_envelope(send(client, "POST", f"{P}/panels/{panel_id}/scores", body), status)
    assert counts() == before


def test_outsiders_get_404_and_see_no_score(client: Client, world: World, panel: Panel) -> None:
    services.panel_score_record(
        actor=world.officer,
        panel=panel,
        item_ref=str(world.applications[0].pk),
        score=Decimal("87.25"),
        comment="专家组一致同意推荐。",
    )
    body = {"item": world.applications[1].pk, "score": 99, "comment": "专家组一致同意推荐。"}
    for user in (world.expert_users[6], world.applicants[0]):
        c = sign_in(Client(), user)
        before = counts()
        response = c.get(f"{P}/panels/{panel.pk}")
        assert_envelope(response, 404)
        assert "87.25" not in response.content.decode()
        assert c.get(f"{P}/panels").json() == []
        assert_envelope(send(c, "POST", f"{P}/panels/{panel.pk}/scores", body), 404)
        assert counts() == before


GOOD_SCORE = {"score": "86.5", "comment": "专家组一致同意推荐。"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"item": None}, "item"),
        ({"item": 999999}, "item"),  # not heard by this panel
        ({"item": "1"}, "item"),  # an id is a number
        ({"score": None}, "score"),
        ({"score": 80.5}, "score"),  # floats refused: not exact
        ({"score": "八十"}, "score"),
        ({"score": "101"}, "score"),
        ({"score": -1}, "score"),
        ({"score": "85.555"}, "score"),
        ({"score": True}, "score"),
        ({"comment": None}, "comment"),
        ({"comment": "同意"}, "comment"),
        ({"comment": "x" * 5001}, "comment"),
    ],
)
def test_panel_score_bad_input(
    client: Client, world: World, panel: Panel, change: dict[str, Any], field: str
) -> None:
    sign_in(client, world.officer)
    body = {"item": world.applications[0].pk, **GOOD_SCORE, **change}
    body = {k: v for k, v in body.items() if v is not None}
    before = counts()
    assert_envelope(send(client, "POST", f"{P}/panels/{panel.pk}/scores", body), 422, field)
    assert counts() == before


def test_member_who_is_not_chair_is_403(client: Client, world: World, panel: Panel) -> None:
    sign_in(client, world.expert_users[1])
    before = counts()
    body = {"item": world.applications[0].pk, **GOOD_SCORE}
    assert_envelope(send(client, "POST", f"{P}/panels/{panel.pk}/scores", body), 403)
    assert counts() == before


def test_score_before_the_session_is_409(client: Client, world: World) -> None:
    later = make_panel(world, session_at=at("2099-01-05 09:00"), now=None)
    sign_in(client, world.officer)
    before = counts()
    body = {"item": world.applications[0].pk, **GOOD_SCORE}
    got = assert_envelope(send(client, "POST", f"{P}/panels/{later.pk}/scores", body), 409)
    assert got["code"] == "session_not_started"
    assert counts() == before
