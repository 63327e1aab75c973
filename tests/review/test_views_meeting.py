"""Meeting-review pages: staff form a panel and record scores; the chair records; members
read; another expert and any applicant get 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.review import services
from rainforest.review.models import Panel, PanelScore
from tests.conftest import sign_in
from tests.review.conftest import World, make_panel

pytestmark = pytest.mark.django_db


def panel(world: World, **change: Any) -> Panel:
    return make_panel(world, **change)


def new_panel_data(world: World, **change: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "会评一组",
        "items": [str(a.pk) for a in world.applications[:2]],
        "chair": str(world.experts[0].pk),
        "members": [str(e.pk) for e in world.experts[1:5]],
        "session_at": "2026-10-20T09:00",
        "place": "科技局 301 会议室",
        "minutes_per_item": "30",
    }
    return {**data, **change}


def test_staff_create_a_panel_from_the_page(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    url = f"/review/calls/{world.call.pk}/panels/new/"
    form_page = client.get(url).content.decode()
    assert world.applications[0].title in form_page
    response = client.post(url, new_panel_data(world))
    created = Panel.objects.get()
    assert response.url == f"/review/panels/{created.pk}/"
    assert (created.minutes_per_item, created.item_refs, created.chair) == (
        30,
        [str(a.pk) for a in world.applications[:2]],
        world.experts[0],
    )
    page = client.get(response.url).content.decode()
    assert "09:30–10:00" in page  # the second slot


def test_panel_page_shows_every_problem_and_saves_nothing(client: Client, world: World) -> None:
    insider = world.experts[1]
    insider.employer_uscc = world.applications[0].applicant_org.uscc
    insider.save()
    sign_in(client, world.officer)
    url = f"/review/calls/{world.call.pk}/panels/new/"
    page = client.post(url, new_panel_data(world)).content.decode()
    assert "错误：" in page
    assert "存在以下问题" in page
    assert f"专家 {insider.name}（{insider.pk}）回避评审对象 {world.applications[0].pk}" in page
    assert 'value="科技局 301 会议室"' in page  # what was typed is shown again
    page = client.post(url, new_panel_data(world, place="")).content.decode()
    assert '<a href="#id_place">' in page
    assert Panel.objects.count() == 0


def test_staff_record_a_score_and_the_ranking_appears(client: Client, world: World) -> None:
    p = panel(world)
    sign_in(client, world.officer)
    a0, a1 = (str(a.pk) for a in world.applications[:2])
    for ref, score in ((a0, "82"), (a1, "90.5")):
        response = client.post(
            f"/review/panels/{p.pk}/",
            {"item": ref, "score": score, "comment": "专家组合议，同意推荐。"},
        )
        assert response.status_code == 302
    page = client.get(f"/review/panels/{p.pk}/").content.decode()
    ranking = page[page.index('id="panel-ranking"') :]
    assert ranking.index(world.applications[1].title) < ranking.index(world.applications[0].title)
    assert "还有 1 项申请未录入会评得分" in page


def test_bad_score_is_shown_against_its_item(client: Client, world: World) -> None:
    p = panel(world)
    sign_in(client, world.officer)
    page = client.post(
        f"/review/panels/{p.pk}/",
        {
            "item": str(world.applications[0].pk),
            "score": "120",
            "comment": "专家组合议，同意推荐。",
        },
    ).content.decode()
    assert "会评得分应在 0 到 100 之间" in page
    assert 'value="120"' in page  # what was typed is shown again
    assert PanelScore.objects.count() == 0


def test_chair_records_a_score(client: Client, world: World) -> None:
    p = panel(world)
    sign_in(client, world.experts[0].user)
    client.post(
        f"/review/panels/{p.pk}/",
        {"item": str(world.applications[0].pk), "score": "88", "comment": "专家组一致同意推荐。"},
    )
    assert list(PanelScore.objects.values_list("score", flat=True)) == [Decimal("88.00")]


def test_member_reads_but_cannot_record(client: Client, world: World) -> None:
    p = panel(world)
    member = sign_in(client, world.experts[2].user)
    page = member.get(f"/review/panels/{p.pk}/").content.decode()
    assert world.applications[0].title in page
    assert "score-form-" not in page
    response = member.post(
        f"/review/panels/{p.pk}/",
        {"item": str(world.applications[0].pk), "score": "88", "comment": "专家组一致同意推荐。"},
    )
    assert response.status_code == 404
    assert PanelScore.objects.count() == 0


def test_members_find_their_panel_on_their_page(client: Client, world: World) -> None:
    p = panel(world)
    page = sign_in(client, world.experts[0].user).get("/review/").content.decode()
    assert f"/review/panels/{p.pk}/" in page
    assert "组长" in page


@pytest.mark.parametrize("who", ["other_expert", "applicant"])
def test_outsiders_get_404_on_every_panel_page(client: Client, world: World, who: str) -> None:
    p = panel(world)
    services.panel_score_record(
        actor=world.officer,
        panel=p,
        item_ref=str(world.applications[0].pk),
        score=Decimal("87.25"),
        comment="专家组一致同意推荐。",
    )
    user = world.experts[6].user if who == "other_expert" else world.applicants[0]
    sign_in(client, user)
    for url in (
        f"/review/panels/{p.pk}/",
        f"/review/calls/{world.call.pk}/panels/",
        f"/review/calls/{world.call.pk}/panels/new/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "87.25" not in response.content.decode()
    assert "87.25" not in client.get("/review/").content.decode()


def test_blind_call_hides_the_applicant_from_members_not_from_staff(
    client: Client, world: World
) -> None:
    services.call_settings_save(
        actor=world.officer,
        call_ref=str(world.call.pk),
        k=3,
        load=2,
        q="1/2",
        method="trimmed_mean",
        blind=True,
    )
    p = panel(world)
    name = world.applications[0].applicant_org.name
    assert (
        name
        not in sign_in(client, world.experts[2].user)
        .get(f"/review/panels/{p.pk}/")
        .content.decode()
    )
    assert name in sign_in(Client(), world.officer).get(f"/review/panels/{p.pk}/").content.decode()


@pytest.mark.parametrize("count", [1, 3])
def test_panels_list_query_count_is_flat(client: Client, world: World, count: int) -> None:
    for n in range(count):
        panel(world, name=f"会评{n}组")
    sign_in(client, world.officer)
    url = f"/review/calls/{world.call.pk}/panels/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    assert page.count("/review/panels/") == count
    assert len(ctx.captured_queries) == PANELS_QUERIES


PANELS_QUERIES = 7
