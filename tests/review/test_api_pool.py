"""The expert-pool API: staff list, read, import, approve, reject and flag; a person
registers; an expert keeps their own profile, relations and periods."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from rainforest.review import services
from rainforest.review.models import Availability, DeclaredRelation, Expert, ExpertStatus
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.review.conftest import World, make_experts, org_uscc, rid
from tests.review.envelope import P, send

pytestmark = pytest.mark.django_db


def test_staff_list_and_read_an_expert_with_the_id_number_masked(
    client: Client, world: World
) -> None:
    sign_in(client, world.officer)
    listed = client.get(f"{P}/experts?status=active").json()
    assert [e["id"] for e in listed] == [e.pk for e in world.experts]
    e = world.experts[0]
    detail = client.get(f"{P}/experts/{e.pk}").json()
    assert (detail["name"], detail["id_number"]) == (
        e.name,
        e.id_number[:6] + "*" * 8 + e.id_number[14:],
    )
    assert (detail["unavailable"], detail["relations"]) == ([], [])


def test_staff_import_an_xlsx(client: Client, world: World) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append([zh for _, zh in services.IMPORT_COLUMNS])
    for n in (1, 2):
        sheet.append(
            [f"导入专家{n}", rid(700 + n), org_uscc(700 + n), "某大学", "研究员", "AI", "芯片", ""]
        )
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "experts.xlsx"
    sign_in(client, world.officer)
    response = client.post(f"{P}/experts/import", {"file": upload})
    assert (response.status_code, response.json()) == (201, {"imported": 2})
    assert Expert.objects.filter(name__startswith="导入专家", status="active").count() == 2


def test_register_then_staff_reject_then_register_again_then_approve(
    client: Client, world: World
) -> None:
    person = sign_in(Client(), UserFactory())
    body = {
        "name": "赵六",
        "id_number": rid(990),
        "employer_name": "某研究院",
        "employer_uscc": org_uscc(990),
        "title": "研究员",
        "fields": "AI，F06",
        "keywords": ["芯片"],
    }
    created = send(person, "POST", f"{P}/registration", body)
    assert created.status_code == 201
    expert_id = created.json()["id"]
    assert (created.json()["status"], created.json()["fields"]) == ("pending", ["AI", "F06"])

    staff = sign_in(client, world.officer)
    rejected = send(staff, "POST", f"{P}/experts/{expert_id}/reject", {"reason": "缺少代表性成果"})
    assert rejected.json()["status"] == "rejected"
    assert person.get(f"{P}/profile").json()["status_note"] == "缺少代表性成果"

    again = send(person, "POST", f"{P}/registration", {**body, "title": "教授"})
    assert (again.status_code, again.json()["id"], again.json()["status"]) == (
        201,
        expert_id,
        "pending",
    )
    approved = send(staff, "POST", f"{P}/experts/{expert_id}/approve", {})
    assert approved.json()["status"] == "active"


def test_staff_set_and_clear_quality_flags(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    e = world.experts[0].pk
    flagged = send(
        client, "PUT", f"{P}/experts/{e}/quality-flags", {"flags": ["late"], "note": "三次逾期提交"}
    )
    assert (flagged.json()["quality_flags"], flagged.json()["quality_note"]) == (
        ["late"],
        "三次逾期提交",
    )
    cleared = send(
        client, "PUT", f"{P}/experts/{e}/quality-flags", {"flags": [], "note": "核实后撤销"}
    )
    assert cleared.json()["quality_flags"] == []


def test_expert_keeps_their_own_profile(client: Client, world: World) -> None:
    e = world.experts[0]
    sign_in(client, e.user)
    patched = send(
        client, "PATCH", f"{P}/profile", {"title": "研究员", "keywords": "芯片、存算一体"}
    )
    assert (patched.json()["title"], patched.json()["keywords"], patched.json()["fields"]) == (
        "研究员",
        ["芯片", "存算一体"],
        ["AI"],  # not given: unchanged
    )
    relation = send(
        client,
        "POST",
        f"{P}/profile/relations",
        {"kind": "coauthor", "person_id_number": rid(101), "last_year": 2025},
    )
    assert relation.status_code == 201
    assert relation.json()["person_id_number"] == rid(101)[:6] + "*" * 8 + rid(101)[14:]
    window = send(
        client,
        "POST",
        f"{P}/profile/availability",
        {"starts_on": "2099-10-08", "ends_on": "2099-10-20", "note": "出国访问"},
    )
    assert window.status_code == 201
    profile = client.get(f"{P}/profile").json()
    assert (
        [r["kind"] for r in profile["relations"]],
        [w["note"] for w in profile["unavailable"]],
    ) == (
        ["coauthor"],
        ["出国访问"],
    )
    assert (
        send(client, "DELETE", f"{P}/profile/relations/{relation.json()['id']}").status_code == 204
    )
    assert (
        send(client, "DELETE", f"{P}/profile/availability/{window.json()['id']}").status_code == 204
    )
    assert (DeclaredRelation.objects.count(), Availability.objects.count()) == (0, 0)


def test_profile_is_always_the_callers_own(client: Client, world: World) -> None:
    me, other = world.experts[0], world.experts[1]
    services.relation_declare(
        actor=other.user, expert=other, kind="relative", person_id_number=rid(101)
    )
    body = sign_in(client, me.user).get(f"{P}/profile").json()
    assert (body["id"], body["relations"]) == (me.pk, [])
    send(client, "PATCH", f"{P}/profile", {"title": "院士"})
    assert Expert.objects.get(pk=other.pk).title == "教授"


def test_pending_expert_reads_their_own_profile(client: Client, world: World) -> None:
    user = UserFactory()
    data = services.ExpertIn("孙七", rid(991), org_uscc(991), "某大学", "教授", ("AI",), ())
    services.expert_register(user=user, data=data)
    assert sign_in(client, user).get(f"{P}/profile").json()["status"] == ExpertStatus.PENDING


@pytest.mark.parametrize("count", [1, 3])
def test_expert_list_query_count_is_flat(client: Client, world: World, count: int) -> None:
    Expert.objects.all().delete()
    make_experts(count, start=60)
    sign_in(client, world.officer)
    client.get(f"{P}/experts")
    with CaptureQueriesContext(connection) as ctx:
        rows: Any = client.get(f"{P}/experts").json()
    assert len(rows) == count
    assert len(ctx.captured_queries) == LIST_QUERIES


LIST_QUERIES = 4
