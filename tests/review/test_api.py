"""The review API: staff draw, experts declare, withdraw and score; nobody else sees a thing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.review import services
from rainforest.review.models import Assignment, Draw
from tests.conftest import sign_in
from tests.review.conftest import World

pytestmark = pytest.mark.django_db
P = "/api/v1/review"


def staff(client: Client, world: World) -> Client:
    return sign_in(client, world.officer)


def committed(client: Client, world: World, **change: Any) -> dict[str, Any]:
    body = {"call": world.call.pk, "k": 3, "load": 2, "q": "1/2", **change}
    response = staff(client, world).post(f"{P}/draws", body, content_type="application/json")
    assert response.status_code == 201, response.json()
    return response.json()


def performed(client: Client, world: World) -> dict[str, Any]:
    draw = committed(client, world)
    response = client.post(f"{P}/draws/{draw['id']}/perform")
    assert response.status_code == 200
    return response.json()


def test_draw_commit_shows_commitment_not_seed(client: Client, world: World) -> None:
    body = committed(client, world)
    assert (body["status"], body["seed"], len(body["commitment"])) == ("committed", None, 64)


def test_draw_perform_reveals_seed(client: Client, world: World) -> None:
    body = performed(client, world)
    assert body["status"] == "drawn"
    assert body["assignments"] == 9
    import hashlib

    assert hashlib.sha256(body["seed"].encode()).hexdigest() == body["seed_sha256"]


def test_draw_infeasible_is_422_naming_items(client: Client, world: World) -> None:
    response = staff(client, world).post(
        f"{P}/draws",
        {"call": world.call.pk, "k": 5, "load": 1, "q": "1/2"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], list(body["fields"])) == ("draw_infeasible", ["items"])
    assert Draw.objects.count() == 0


def test_expert_declares_and_scores(client: Client, world: World) -> None:
    performed(client, world)
    a = Assignment.objects.select_related("expert__user").first()
    expert_client = sign_in(Client(), a.expert.user)
    declared = expert_client.post(
        f"{P}/assignments/{a.pk}/declaration",
        {"no_conflict": True},
        content_type="application/json",
    )
    assert declared.json()["declared"] is True
    codes = [str(c.pk) for c in world.call.criteria.all()]
    sheet = {
        "scores": {c: 80 for c in codes} | {codes[0]: "85.5", codes[1]: None},
        "comments": {c: "论证充分，技术路线清晰可行。" for c in codes},
        "recommendation": "fund",
        "overall_comment": "总体较好，建议资助该项目。",
    }
    response = expert_client.post(
        f"{P}/assignments/{a.pk}/sheet", sheet, content_type="application/json"
    )
    assert response.status_code == 201
    a.refresh_from_db()
    assert a.sheet.scores[codes[0]] == "85.5"
    assert a.sheet.scores[codes[1]] is None


def test_expert_recuses_and_gets_no_name_of_alternate(client: Client, world: World) -> None:
    performed(client, world)
    a = Assignment.objects.select_related("expert__user").first()
    response = sign_in(Client(), a.expert.user).post(
        f"{P}/assignments/{a.pk}/withdrawal",
        {"reason": "recused", "note": "与负责人曾共同发表论文"},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["item"], body["expert"], body["origin"]) == (a.item_ref, 0, "replacement")


def test_expert_sees_only_own_assignments(client: Client, world: World) -> None:
    performed(client, world)
    a = Assignment.objects.select_related("expert__user").first()
    mine = sign_in(Client(), a.expert.user).get(f"{P}/assignments").json()
    assert sorted(x["id"] for x in mine) == sorted(
        Assignment.objects.filter(expert=a.expert).values_list("pk", flat=True)
    )


def test_other_expert_gets_404_on_an_assignment(client: Client, world: World) -> None:
    performed(client, world)
    a = Assignment.objects.first()
    other = next(u for u in world.expert_users if u.pk != a.expert.user_id)
    response = sign_in(Client(), other).post(
        f"{P}/assignments/{a.pk}/declaration",
        {"no_conflict": True},
        content_type="application/json",
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/draws/{draw}"),
        ("post", "/draws/{draw}/perform"),
        ("get", "/calls/{call}/ranking"),
        ("post", "/assignments/{assignment}/declaration"),
    ],
)
def test_applicant_never_sees_experts_or_scores(
    client: Client, world: World, method: str, path: str
) -> None:
    draw = performed(client, world)
    a = Assignment.objects.filter(item_ref=str(world.applications[0].pk)).first()
    applicant = sign_in(Client(), world.applicants[0])
    url = P + path.format(draw=draw["id"], call=world.call.pk, assignment=a.pk)
    response = (
        getattr(applicant, method)(url, {"no_conflict": True}, content_type="application/json")
        if method == "post"
        else applicant.get(url)
    )
    assert response.status_code == 404
    assert applicant.get(f"{P}/assignments").json() == []


def test_ranking_for_staff(client: Client, world: World) -> None:
    performed(client, world)
    body = client.get(f"{P}/calls/{world.call.pk}/ranking").json()
    assert (body["complete"], body["ranking"]) == (False, [])


def _make_assignments(world: World, count: int) -> None:
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), k=count, load=3, q="1"
    )
    services.draw_perform(actor=world.officer, draw_record=record)


@pytest.mark.parametrize("k", [1, 3])
def test_assignment_list_query_count_is_flat(client: Client, world: World, k: int) -> None:
    _make_assignments(world, k)
    expert_user = Assignment.objects.select_related("expert__user").first().expert.user
    c = sign_in(Client(), expert_user)
    c.get(f"{P}/assignments")  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(f"{P}/assignments")
    assert response.status_code == 200
    assert len(ctx.captured_queries) == QUERIES


QUERIES = 5


def test_draw_without_k_l_q_uses_the_calls_settings(client: Client, world: World) -> None:
    staff(client, world)
    settings = {"k": 2, "load": 3, "q": "1", "method": "median", "blind": True}
    saved = client.put(
        f"{P}/calls/{world.call.pk}/settings", settings, content_type="application/json"
    ).json()
    assert (saved["k"], saved["q"], saved["saved"], saved["locked"], saved["min_pool"]) == (
        2,
        "1/1",
        True,
        False,
        2,
    )
    body = client.post(
        f"{P}/draws", {"call": world.call.pk}, content_type="application/json"
    ).json()
    assert (body["k"], body["load"], body["q"]) == (2, 3, "1/1")
    assert client.get(f"{P}/calls/{world.call.pk}/settings").json()["locked"] is True


def test_settings_read_before_any_are_saved_are_the_defaults(client: Client, world: World) -> None:
    body = staff(client, world).get(f"{P}/calls/{world.call.pk}/settings").json()
    assert (body["k"], body["load"], body["q"], body["method"], body["saved"]) == (
        5,
        10,
        "1/2",
        "trimmed_mean",
        False,
    )
