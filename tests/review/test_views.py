"""Review pages: staff draw and rank, experts declare, withdraw and score; others get 404."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from rainforest.review import services
from rainforest.review.models import Assignment, Draw, Expert
from tests.conftest import sign_in
from tests.review.conftest import World

pytestmark = pytest.mark.django_db


def drawn(world: World) -> Draw:
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), k=3, load=2, q="1/2"
    )
    return services.draw_perform(actor=world.officer, draw_record=record)


def test_staff_index_lists_call_in_review(client: Client, world: World) -> None:
    page = sign_in(client, world.officer).get("/review/").content.decode()
    assert world.call.number in page
    assert f"/review/calls/{world.call.pk}/draw/" in page


def test_draw_page_commits_then_performs(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    response = client.post(
        f"/review/calls/{world.call.pk}/draw/", {"k": "3", "load": "2", "q": "1/2"}
    )
    record = Draw.objects.get()
    assert response.url == f"/review/draws/{record.pk}/"
    page = client.get(response.url).content.decode()
    assert record.commitment in page
    assert record.seed not in page  # secret until the draw
    client.post(f"/review/draws/{record.pk}/perform/")
    page = client.get(f"/review/draws/{record.pk}/?verify=1").content.decode()
    assert record.seed in page
    assert "✘" not in page


def test_draw_page_shows_infeasible_items_and_saves_nothing(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    response = client.post(
        f"/review/calls/{world.call.pk}/draw/", {"k": "5", "load": "1", "q": "1/2"}
    )
    page = response.content.decode()
    assert "错误：" in page
    assert "存在以下问题" in page
    assert "无法完成抽取的申请" in page
    assert Draw.objects.count() == 0


def test_draw_form_errors_shown(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    page = client.post(
        f"/review/calls/{world.call.pk}/draw/", {"k": "0", "load": "", "q": "2"}
    ).content.decode()
    assert "存在以下问题" in page


def test_expert_declares_then_scores(client: Client, world: World) -> None:
    drawn(world)
    a = Assignment.objects.select_related("expert__user").first()
    sign_in(client, a.expert.user)
    url = f"/review/assignments/{a.pk}/"
    assert "利害关系声明" in client.get(url).content.decode()
    client.post(url, {"action": "declare"})
    codes = [str(c.pk) for c in world.call.criteria.all()]
    data = {
        "action": "score",
        "recommendation": "fund",
        "overall_comment": "总体较好，建议资助该项目。",
    }
    for c in codes:
        data[f"score_{c}"] = "80"
        data[f"comment_{c}"] = "论证充分，技术路线清晰可行。"
    data[f"na_{codes[2]}"] = "on"
    data.pop(f"score_{codes[2]}")
    response = client.post(url, data)
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == "submitted"
    assert a.sheet.scores[codes[2]] is None


def test_expert_score_errors_are_listed(client: Client, world: World) -> None:
    drawn(world)
    a = Assignment.objects.select_related("expert__user").first()
    sign_in(client, a.expert.user)
    url = f"/review/assignments/{a.pk}/"
    client.post(url, {"action": "declare"})
    page = client.post(
        url, {"action": "score", "recommendation": "fund", "overall_comment": "短"}
    ).content.decode()
    assert "存在以下问题" in page
    assert "错误：" in page


def test_expert_recuses_from_page(client: Client, world: World) -> None:
    drawn(world)
    a = Assignment.objects.select_related("expert__user").first()
    sign_in(client, a.expert.user)
    response = client.post(
        f"/review/assignments/{a.pk}/",
        {"action": "withdraw", "reason": "recused", "note": "与负责人曾共同发表论文"},
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.replaced_by is not None) == ("recused", True)


@pytest.mark.parametrize(
    "path",
    [
        "/review/draws/{draw}/",
        "/review/assignments/{assignment}/",
        "/review/calls/{call}/ranking/",
        "/review/calls/{call}/draw/",
        "/review/experts/",
    ],
)
def test_applicant_gets_404(client: Client, world: World, path: str) -> None:
    record = drawn(world)
    a = Assignment.objects.filter(item_ref=str(world.applications[0].pk)).first()
    sign_in(client, world.applicants[0])
    url = path.format(draw=record.pk, assignment=a.pk, call=world.call.pk)
    assert client.get(url).status_code == 404


def test_other_expert_gets_404_on_assignment(client: Client, world: World) -> None:
    drawn(world)
    a = Assignment.objects.first()
    other = next(u for u in world.expert_users if u.pk != a.expert.user_id)
    assert sign_in(client, other).get(f"/review/assignments/{a.pk}/").status_code == 404


def test_blind_review_hides_applicant(client: Client, world: World) -> None:
    services.call_settings_save(
        actor=world.officer,
        call_ref=str(world.call.pk),
        k=3,
        load=2,
        q="1/2",
        method="trimmed_mean",
        blind=True,
    )
    drawn(world)
    a = Assignment.objects.filter(item_ref=str(world.applications[0].pk)).first()
    page = sign_in(client, a.expert.user).get(f"/review/assignments/{a.pk}/").content.decode()
    assert world.applications[0].applicant_org.name not in page
    assert "盲审" in page


def test_open_review_shows_applicant(client: Client, world: World) -> None:
    drawn(world)
    a = Assignment.objects.filter(item_ref=str(world.applications[0].pk)).first()
    page = sign_in(client, a.expert.user).get(f"/review/assignments/{a.pk}/").content.decode()
    assert world.applications[0].applicant_org.name in page


def test_ranking_page_after_scores(client: Client, world: World) -> None:
    record = drawn(world)
    codes = [str(c.pk) for c in world.call.criteria.all()]
    place = {str(app.pk): n for n, app in enumerate(world.applications)}
    for a in Assignment.objects.filter(draw=record).select_related("expert__user"):
        services.assignment_declare(actor=a.expert.user, assignment=a)
        services.sheet_submit(
            actor=a.expert.user,
            assignment=a,
            scores={c: 70 + place[a.item_ref] for c in codes},
            comments={c: "论证充分，技术路线清晰可行。" for c in codes},
            recommendation="fund",
            overall_comment="总体较好，建议资助该项目。",
        )
    sign_in(client, world.officer)
    page = client.post(f"/review/calls/{world.call.pk}/ranking/").content.decode()
    assert "排序结果已提交至立项决策环节" in page
    titles = [a.title for a in reversed(world.applications)]
    positions = [page.index(t) for t in titles]
    assert positions == sorted(positions)


def test_register_and_profile(client: Client, world: World) -> None:
    from tests.factories import UserFactory
    from tests.review.conftest import org_uscc, rid

    user = UserFactory()
    sign_in(client, user)
    response = client.post(
        "/review/register/",
        {
            "name": "赵六",
            "id_number": rid(990),
            "employer_name": "某研究院",
            "employer_uscc": org_uscc(990),
            "title": "研究员",
            "fields": "AI",
            "keywords": "芯片",
        },
    )
    assert "已提交入库申请" in response.content.decode()
    page = client.post(
        "/review/profile/", {"form": "relation", "kind": "coauthor", "person_id_number": rid(101)}
    ).content.decode()
    assert "合作关系请填写最近一次合作的年份" in page


def test_register_errors(client: Client, world: World) -> None:
    from tests.factories import UserFactory

    sign_in(client, UserFactory())
    page = client.post("/review/register/", {"name": "赵六", "id_number": "123"}).content.decode()
    assert "存在以下问题" in page
    assert Expert.objects.filter(name="赵六").count() == 0


def test_import_page_reports_rows(client: Client, world: World) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append([zh for _, zh in services.IMPORT_COLUMNS])
    sheet.append(["甲", "123", "x", "单位", "教授", "AI", "", ""])
    buf = io.BytesIO()
    book.save(buf)
    buf.seek(0)
    buf.name = "experts.xlsx"
    sign_in(client, world.officer)
    page = client.post("/review/experts/import/", {"file": buf}).content.decode()
    assert "未导入任何专家" in page
    assert "<td>2</td>" in page


@pytest.mark.parametrize("count", [1, 3])
def test_expert_index_query_count_is_flat(client: Client, world: World, count: int) -> None:
    record = services.draw_commit(
        actor=world.officer, call_ref=str(world.call.pk), k=1, load=5, q="1"
    )
    expert = world.experts[0]
    for app in world.applications[:count]:  # arranged directly: 1 and 3 rows on the page
        Assignment.objects.create(draw=record, item_ref=str(app.pk), expert=expert, probability="1")
    c = sign_in(Client(), expert.user)
    c.get("/review/")
    with CaptureQueriesContext(connection) as ctx:
        page = c.get("/review/").content.decode()
    assert page.count("/review/assignments/") == count
    assert len(ctx.captured_queries) == INDEX_QUERIES


INDEX_QUERIES = 10  # one more than before the expert's panels were listed
