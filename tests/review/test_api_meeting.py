"""The meeting-review API: staff form a panel, staff and the chair record scores, members
read the schedule and results, and the list shows each person only their panels."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.review.models import Panel
from tests.conftest import sign_in
from tests.review.conftest import World, make_panel
from tests.review.envelope import P, send

pytestmark = pytest.mark.django_db


def formed(client: Client, world: World, **change: Any) -> dict[str, Any]:
    body = {
        "call": world.call.pk,
        "name": "会评一组",
        "chair": world.experts[0].pk,
        "members": [e.pk for e in world.experts[1:5]],
        "session_at": "2026-01-05T09:00:00+08:00",
        "place": "科技局 301 会议室",
        "minutes_per_item": 25,
        "items": [a.pk for a in reversed(world.applications)],
        **change,
    }
    response = send(sign_in(client, world.officer), "POST", f"{P}/panels", body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_staff_form_a_panel_with_its_schedule(client: Client, world: World) -> None:
    body = formed(client, world)
    refs = [str(a.pk) for a in reversed(world.applications)]
    assert [
        (s["order"], s["item"], s["starts_at"][11:16], s["score"]) for s in body["schedule"]
    ] == [
        (1, refs[0], "09:00", None),
        (2, refs[1], "09:25", None),
        (3, refs[2], "09:50", None),
    ]
    assert [m["id"] for m in body["members"] if m["chair"]] == [world.experts[0].pk]
    assert (len(body["members"]), body["missing"]) == (5, refs)


def test_staff_and_chair_record_and_members_read_the_ranking(client: Client, world: World) -> None:
    panel = formed(client, world)
    a0, a1, a2 = (a.pk for a in world.applications)
    staff_says = send(
        client,
        "POST",
        f"{P}/panels/{panel['id']}/scores",
        {"item": a0, "score": 78, "comment": "技术路线仍需进一步细化。"},
    )
    assert staff_says.json()["score"] == "78.00"
    chair = sign_in(Client(), world.experts[0].user)
    send(
        chair,
        "POST",
        f"{P}/panels/{panel['id']}/scores",
        {"item": a1, "score": "91.5", "comment": "专家组一致同意推荐。"},
    )
    member = sign_in(Client(), world.experts[3].user).get(f"{P}/panels/{panel['id']}").json()
    assert [(r["rank"], r["item"], r["score"]) for r in member["ranking"]] == [
        (1, str(a1), "91.50"),
        (2, str(a0), "78.00"),
    ]
    assert member["missing"] == [str(a2)]


def test_panel_list_shows_each_person_only_their_panels(client: Client, world: World) -> None:
    first = formed(client, world)
    second = formed(
        client,
        world,
        name="会评二组",
        chair=world.experts[5].pk,
        members=[e.pk for e in world.experts[3:8]],
    )
    assert [p["id"] for p in client.get(f"{P}/panels?call={world.call.pk}").json()] == [
        first["id"],
        second["id"],
    ]
    only_first = sign_in(Client(), world.experts[1].user).get(f"{P}/panels").json()
    assert [p["id"] for p in only_first] == [first["id"]]
    both = sign_in(Client(), world.experts[4].user).get(f"{P}/panels").json()
    assert [p["id"] for p in both] == [first["id"], second["id"]]
    assert sign_in(Client(), world.applicants[0]).get(f"{P}/panels").json() == []


@pytest.mark.parametrize("count", [1, 3])
def test_panel_list_query_count_is_flat(client: Client, world: World, count: int) -> None:
    for n in range(count):
        make_panel(world, name=f"会评{n}组")
    c = sign_in(client, world.experts[0].user)
    c.get(f"{P}/panels")
    with CaptureQueriesContext(connection) as ctx:
        rows = c.get(f"{P}/panels").json()
    assert len(rows) == count == Panel.objects.count()
    assert len(ctx.captured_queries) == LIST_QUERIES


LIST_QUERIES = 5
