"""Pool and settings pages: staff edit quality flags, reject registrations and set a call's
review settings; experts keep their own availability and relations; nobody else can."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.review import services
from rainforest.review.models import Availability, CallSettings, DeclaredRelation, Expert
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.review.conftest import World, make_experts, org_uscc, rid

pytestmark = pytest.mark.django_db


def test_staff_set_quality_flags_from_the_expert_page(client: Client, world: World) -> None:
    e = world.experts[0]
    sign_in(client, world.officer)
    response = client.post(
        f"/review/experts/{e.pk}/",
        {"action": "flags", "flags": ["late", "complaint"], "note": "两次逾期且被投诉"},
    )
    assert response.status_code == 302
    e.refresh_from_db()
    assert (e.quality_flags, e.quality_note) == (["late", "complaint"], "两次逾期且被投诉")


def test_flags_without_a_reason_show_the_error(client: Client, world: World) -> None:
    e = world.experts[0]
    sign_in(client, world.officer)
    page = client.post(
        f"/review/experts/{e.pk}/", {"action": "flags", "flags": ["late"], "note": "逾期"}
    ).content.decode()
    assert "请说明设置或取消质量标记的原因" in page
    assert "错误：" in page
    e.refresh_from_db()
    assert e.quality_flags == []


def test_staff_reject_a_registration_and_the_person_reads_why(client: Client, world: World) -> None:
    user = UserFactory()
    data = services.ExpertIn("赵六", rid(990), org_uscc(990), "某研究院", "研究员", ("AI",), ())
    expert = services.expert_register(user=user, data=data)
    sign_in(client, world.officer)
    client.post(
        f"/review/experts/{expert.pk}/", {"action": "reject", "reason": "研究方向与需求不符"}
    )
    page = sign_in(Client(), user).get("/review/").content.decode()
    assert "您的专家入库申请未通过。原因：研究方向与需求不符" in page
    assert "/review/register/" in page


@pytest.mark.parametrize(
    "path", ["/review/experts/{e}/", "/review/experts/", "/review/calls/{call}/settings/"]
)
def test_experts_and_applicants_get_404_on_staff_pages(
    client: Client, world: World, path: str
) -> None:
    url = path.format(e=world.experts[1].pk, call=world.call.pk)
    for user in (world.experts[0].user, world.applicants[0]):
        assert sign_in(Client(), user).get(url).status_code == 404
        assert (
            sign_in(Client(), user)
            .post(url, {"action": "flags", "flags": ["late"], "note": "恶意设置的标记"})
            .status_code
            == 404
        )
    assert Expert.objects.get(pk=world.experts[1].pk).quality_flags == []


def test_expert_adds_and_removes_a_period_on_the_profile(client: Client, world: World) -> None:
    e = world.experts[0]
    sign_in(client, e.user)
    client.post(
        "/review/profile/",
        {
            "form": "availability",
            "starts_on": "2099-10-08",
            "ends_on": "2099-10-20",
            "note": "出国",
        },
    )
    window = Availability.objects.get(expert=e)
    assert (window.starts_on, window.ends_on) == (date(2099, 10, 8), date(2099, 10, 20))
    assert "2099-10-08" in client.get("/review/profile/").content.decode()
    client.post("/review/profile/", {"form": "availability_remove", "id": str(window.pk)})
    assert Availability.objects.filter(expert=e).count() == 0


def test_period_errors_are_shown_with_what_was_typed(client: Client, world: World) -> None:
    sign_in(client, world.experts[0].user)
    page = client.post(
        "/review/profile/",
        {"form": "availability", "starts_on": "2099-10-08", "ends_on": "2099-10-01"},
    ).content.decode()
    assert "结束日期不能早于开始日期" in page
    assert 'value="2099-10-08"' in page
    assert Availability.objects.count() == 0


def test_expert_cannot_remove_anothers_rows_through_the_page(client: Client, world: World) -> None:
    other = world.experts[1]
    relation = services.relation_declare(
        actor=other.user, expert=other, kind="relative", person_id_number=rid(101)
    )
    window = Availability.objects.create(
        expert=other, starts_on=date(2099, 1, 1), ends_on=date(2099, 1, 2)
    )
    sign_in(client, world.experts[0].user)
    for form, pk in (("relation_remove", relation.pk), ("availability_remove", window.pk)):
        assert client.post("/review/profile/", {"form": form, "id": str(pk)}).status_code == 404
    assert (DeclaredRelation.objects.count(), Availability.objects.count()) == (1, 1)


def test_profile_page_shows_only_my_own_rows(client: Client, world: World) -> None:
    other = world.experts[1]
    Availability.objects.create(
        expert=other, starts_on=date(2099, 3, 1), ends_on=date(2099, 3, 9), note="他人的时段"
    )
    page = sign_in(client, world.experts[0].user).get("/review/profile/").content.decode()
    assert "他人的时段" not in page
    assert world.experts[0].name in page


def test_person_without_an_expert_record_has_no_profile(client: Client, world: World) -> None:
    assert sign_in(client, world.applicants[0]).get("/review/profile/").status_code == 404


def test_staff_save_settings_and_the_draw_page_starts_from_them(
    client: Client, world: World
) -> None:
    sign_in(client, world.officer)
    url = f"/review/calls/{world.call.pk}/settings/"
    response = client.post(url, {"k": "3", "load": "2", "q": "0.5", "method": "median"})
    assert response.status_code == 302
    row = CallSettings.objects.get()
    assert (row.k, row.load, row.q, row.method, row.blind) == (3, 2, "1/2", "median", False)
    draw_page = client.get(f"/review/calls/{world.call.pk}/draw/").content.decode()
    assert 'name="k" value="3"' in draw_page
    assert 'name="q" value="1/2"' in draw_page


def test_settings_errors_listed(client: Client, world: World) -> None:
    sign_in(client, world.officer)
    page = client.post(
        f"/review/calls/{world.call.pk}/settings/",
        {"k": "3", "load": "2", "q": "2", "method": "median"},
    ).content.decode()
    assert "概率上限 q 必须大于 0 且不超过 1" in page
    assert CallSettings.objects.count() == 0


def test_settings_page_locked_after_the_draw(client: Client, world: World) -> None:
    services.draw_commit(actor=world.officer, call_ref=str(world.call.pk), k=3, load=2, q="1/2")
    sign_in(client, world.officer)
    url = f"/review/calls/{world.call.pk}/settings/"
    assert 'id="settings-locked"' in client.get(url).content.decode()
    client.post(url, {"k": "4", "load": "2", "q": "1/2", "method": "median"})
    assert CallSettings.objects.count() == 0


@pytest.mark.parametrize("count", [1, 3])
def test_pool_list_query_count_is_flat(client: Client, world: World, count: int) -> None:
    Expert.objects.all().delete()
    make_experts(count, start=60)
    sign_in(client, world.officer)
    client.get("/review/experts/")
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/review/experts/").content.decode()
    assert page.count("/conflicts/") == count
    assert len(ctx.captured_queries) == POOL_QUERIES


POOL_QUERIES = 5
