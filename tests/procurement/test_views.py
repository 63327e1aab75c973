"""procurement/views.py: the public calculator page and an officer's project pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.procurement import services
from rainforest.procurement.demo import seed_procurement_demo
from rainforest.procurement.models import Award, Bid, DeclarationItem, Lot, Project
from tests.conftest import sign_in
from tests.procurement.conftest import item

pytestmark = pytest.mark.django_db

CALCULATOR = "/procurement/public/set-aside/"


def test_calculator_page_answers_with_reasons_and_citation(client: Client) -> None:
    response = client.get(
        CALCULATOR,
        {"category": "works", "budget": "500万", "suitable_for_sme": "yes", "exception": ""},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert '<span id="outcome">预留份额专门面向中小企业</span>' in page
    assert '<dd id="sme-reserved-min">2,000,000.00元</dd>' in page
    assert '<dd id="small-micro-reserved-min">1,400,000.00元</dd>' in page
    assert "超过 4,000,000.00元" in page
    assert "深圳市财政局关于贯彻落实进一步加大政府采购支持中小企业力度有关事宜的通知" in page


def test_calculator_page_without_input_shows_empty_form(client: Client) -> None:
    response = client.get(CALCULATOR)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="result"' not in page
    assert "<title>中小企业预留份额测算 - 科创雨林</title>" in page


def test_calculator_page_errors_summarised_and_typed_value_kept(client: Client) -> None:
    response = client.get(
        CALCULATOR, {"category": "", "budget": "1.5.5", "suitable_for_sme": "yes"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>错误：中小企业预留份额测算 - 科创雨林</title>" in page
    assert "存在以下问题" in page
    assert "请选择采购类别" in page
    assert 'value="1.5.5"' in page
    assert 'id="result"' not in page


def test_project_new_page_creates_project_and_shows_decision(client: Client, buyer_a: Any) -> None:
    sign_in(client, buyer_a)

    response = client.post(
        "/procurement/projects/new/",
        {
            "reference": "W-1",
            "title": "道路修缮工程",
            "category": "works",
            "budget": "4,000,000.01",
            "suitable_for_sme": "yes",
            "exception": "",
            "lots": "一标段，1600000.01，预留\n二标段，2400000，不预留",
            "small_micro_rate": "3%",
            "consortium_rate": "0.01",
        },
        follow=True,
    )

    page = response.content.decode()
    project = Project.objects.get()
    assert (project.outcome, project.sme_reserved_min, project.small_micro_reserved_min) == (
        "reserved_share",
        Decimal("1600000.01"),
        Decimal("1120000.01"),
    )
    assert [(lot.title, lot.reserved) for lot in project.lots.all()] == [
        ("一标段", True),
        ("二标段", False),
    ]
    assert '<span id="outcome">预留份额专门面向中小企业</span>' in page


def test_project_new_page_domain_error_on_its_field(client: Client, buyer_a: Any) -> None:
    sign_in(client, buyer_a)

    response = client.post(
        "/procurement/projects/new/",
        {
            "reference": "W-2",
            "title": "工程",
            "category": "goods",
            "budget": "100万",
            "suitable_for_sme": "yes",
            "small_micro_rate": "0.25",
            "consortium_rate": "0.05",
        },
    )

    page = response.content.decode()
    assert Project.objects.count() == 0
    assert "<title>错误：新建采购项目 - 科创雨林</title>" in page
    assert "小微企业价格扣除比例应在 10%–20% 之间" in page


def test_project_pages_404_for_non_officer(client: Client, banker_a: Any) -> None:
    sign_in(client, banker_a)

    assert [client.get(u).status_code for u in ("/procurement/projects/", "/procurement/projects/new/", "/procurement/reports/2026/")] == [404, 404, 404]  # fmt: skip


def test_project_detail_of_other_agency_is_404_and_leaks_nothing(
    client: Client, make_project: Any, make_bid: Any, buyer_b: Any
) -> None:
    project = make_project(reference="SECRET-V")
    make_bid(project.lots.get(), 1, items=[item("small", name="机密设备")])
    sign_in(client, buyer_b)

    responses = [
        client.get(f"/procurement/projects/{project.pk}/"),
        client.get(f"/procurement/projects/{project.pk}/ocds.json"),
        client.get(f"/procurement/projects/{project.pk}/lots/{project.lots.get().pk}/bids/new/"),
        client.post(f"/procurement/projects/{project.pk}/lots/{project.lots.get().pk}/evaluate/"),
    ]
    listing = client.get("/procurement/projects/")

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert "SECRET-V" not in listing.content.decode()
    assert Lot.objects.get().evaluated_at is None


def test_bid_page_records_declaration_and_flags_mismatch(
    client: Client, make_project: Any, buyer_a: Any, agency_b: Any
) -> None:
    lot = make_project().lots.get()
    sign_in(client, buyer_a)
    form = {
        "supplier_name": "北环设备有限公司",
        "supplier_uscc": agency_b.uscc,
        "price": "120万",
        "small_micro_share": "",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "20",
        "items-0-item_name": "显示器",
        "items-0-manufacturer": "北环显示技术有限公司",
        "items-0-industry": "industry",
        "items-0-employees": "350",
        "items-0-revenue": "5000万",
        "items-0-assets": "",
        "items-0-declared_size": "small",
    }

    response = client.post(
        f"/procurement/projects/{lot.project_id}/lots/{lot.pk}/bids/new/", form, follow=True
    )

    stored = DeclarationItem.objects.get()
    assert (stored.declared_size, stored.computed_size, Bid.objects.get().has_mismatch) == (
        "small",
        "medium",
        True,
    )
    assert "声明与测算不符" in response.content.decode()


def test_bid_page_missing_item_field_summarised(
    client: Client, make_project: Any, buyer_a: Any, agency_b: Any
) -> None:
    lot = make_project().lots.get()
    sign_in(client, buyer_a)

    response = client.post(
        f"/procurement/projects/{lot.project_id}/lots/{lot.pk}/bids/new/",
        {
            "supplier_name": "某公司",
            "supplier_uscc": agency_b.uscc,
            "price": "100",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "20",
            "items-0-item_name": "显示器",
            "items-0-manufacturer": "某制造商",
            "items-0-industry": "industry",
            "items-0-employees": "10",
            "items-0-declared_size": "micro",
        },
    )

    page = response.content.decode()
    assert (response.status_code, Bid.objects.count()) == (422, 0)
    assert "<title>错误：录入投标 - 科创雨林</title>" in page
    assert "工业按营业收入划型，请填写营业收入" in page


def test_evaluate_and_award_pages_mark_reserved_contract(
    client: Client, make_project: Any, make_bid: Any, buyer_a: Any
) -> None:
    lot = make_project().lots.get()
    bids = [make_bid(lot, n, price=f"{1000000 + n}") for n in (1, 2, 3)]
    sign_in(client, buyer_a)
    base = f"/procurement/projects/{lot.project_id}/lots/{lot.pk}"

    client.post(f"{base}/evaluate/")
    response = client.post(f"{base}/award/", {"bid": bids[0].pk}, follow=True)

    assert Award.objects.get().mark == "中小企业预留合同"
    assert '<strong class="reserved-mark">中小企业预留合同</strong>' in response.content.decode()


def test_project_list_query_count_same_for_1_and_3(
    client: Client, make_project: Any, buyer_a: Any
) -> None:
    make_project(reference="L-1")
    sign_in(client, buyer_a)
    client.get("/procurement/projects/")
    with CaptureQueriesContext(connection) as one:
        client.get("/procurement/projects/")
    make_project(reference="L-2")
    make_project(reference="L-3")

    with CaptureQueriesContext(connection) as three:
        response = client.get("/procurement/projects/")

    assert response.content.decode().count("/procurement/projects/") >= 3
    assert len(three) == len(one)


def test_project_detail_query_count_same_for_1_and_3_bids(
    client: Client, make_project: Any, make_bid: Any, buyer_a: Any
) -> None:
    lot = make_project().lots.get()
    make_bid(lot, 1)
    sign_in(client, buyer_a)
    url = f"/procurement/projects/{lot.project_id}/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    make_bid(lot, 2, items=[item("small"), item("micro", employees=3)])
    make_bid(lot, 3)
    services.lot_evaluate(actor=buyer_a, lot=lot)

    with CaptureQueriesContext(connection) as three:
        client.get(url)

    assert len(three) == len(one)


def test_report_page_lists_agency_totals(client: Client, make_project: Any, buyer_a: Any) -> None:
    project = make_project()
    sign_in(client, buyer_a)

    response = client.get(f"/procurement/reports/{project.decided_on.year}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h2>甲区机关事务管理局</h2>" in page
    assert "1,500,000.00元（100.00%）" in page


def test_demo_seed_is_idempotent() -> None:
    first = seed_procurement_demo()
    counts = (Project.objects.count(), Bid.objects.count(), Award.objects.count())

    second = seed_procurement_demo()

    assert (first, second) == ({"projects": 2}, {"projects": 0})
    assert (
        (Project.objects.count(), Bid.objects.count(), Award.objects.count()) == counts == (2, 7, 1)
    )
