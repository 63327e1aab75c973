"""enterprises/views.py: calculators, the registry, charts, import and an enterprise's page."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rainforest.enterprises.models import Enterprise, TierHolding
from tests.conftest import sign_in
from tests.enterprises.conftest import row, xlsx

pytestmark = pytest.mark.django_db

HNTE = "/enterprises/public/hnte-check/"
RD = "/enterprises/public/rd-deduction/"
REGISTRY = "/enterprises/"
CHARTS = "/enterprises/charts/"
IMPORT = "/enterprises/import/"
MINE = "/enterprises/mine/"

GOOD_FORM = {
    "registered_on": "2020-05-20",
    "assessed_on": "2025-06-30",
    "owns_core_ip": "yes",
    "tech_in_key_fields": "yes",
    "staff_total": "100",
    "staff_rd": "20",
    "sales_last_year": "4000万",
    "sales_3y_total": "100,000,000",
    "rd_3y_total": "600万",
    "rd_3y_domestic": "6000000",
    "high_tech_revenue_last_year": "30000000",
    "revenue_last_year": "40000000",
    "innovation_score": "80",
    "major_violation_last_year": "no",
}


def _html(response: Any) -> str:
    return str(response.content.decode())


def _title(response: Any) -> str:
    match = re.search(r"<title>(.*?)</title>", _html(response), re.S)
    assert match is not None
    return match.group(1).strip()


def _summary_links(response: Any) -> list[tuple[str, str]]:
    match = re.search(
        r'<div class="error-summary".*?<h2[^>]*>(.*?)</h2>(.*?)</div>', _html(response), re.S
    )
    assert match is not None, "no error summary"
    assert match.group(1) == "存在以下问题"
    return re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(2))


def _criteria(response: Any) -> list[tuple[str, str, str]]:
    return re.findall(
        r'<tr id="criterion-([a-z_]+)" class="(passed|failed)">.*?<td class="detail">(.*?)</td>',
        _html(response),
        re.S,
    )


# --- calculators ------------------------------------------------------------------------


def test_hnte_page_opens_without_login(client: Client) -> None:
    response = client.get(HNTE + "?registered_on=2018-05-20")

    assert response.status_code == 200
    assert 'name="registered_on" value="2018-05-20"' in _html(response)


def test_hnte_page_shows_each_criterion_and_which_failed(client: Client) -> None:
    response = client.post(HNTE, {**GOOD_FORM, "staff_rd": "9"})

    rows = _criteria(response)
    assert [(code, state) for code, state, _d in rows] == [
        ("registered_one_year", "passed"),
        ("core_ip", "passed"),
        ("key_field", "passed"),
        ("tech_staff_ratio", "failed"),
        ("rd_intensity", "passed"),
        ("rd_domestic_share", "passed"),
        ("high_tech_revenue_share", "passed"),
        ("innovation_score", "passed"),
        ("no_major_violation", "passed"),
    ]
    assert rows[3][2] == (
        "从事研发和相关技术创新活动的科技人员 9 人，占当年职工总数 100 人的 9.00%，低于要求的 10%。"
    )
    assert "有 1 项条件不符合" in _html(response)


def test_hnte_page_all_met(client: Client) -> None:
    response = client.post(HNTE, GOOD_FORM)

    assert [state for _c, state, _d in _criteria(response)] == ["passed"] * 9
    assert re.search(r'<dd id="parameters-version">enterprises.hnte 2016.1</dd>', _html(response))


def test_hnte_page_errors_are_summarised_linked_and_kept(client: Client) -> None:
    form = {**GOOD_FORM, "staff_total": "一百", "sales_last_year": "1.5.0", "owns_core_ip": ""}

    response = client.post(HNTE, form)

    assert _title(response).startswith("错误：")
    assert _summary_links(response) == [
        ("id_owns_core_ip_0", "请选择是否拥有核心知识产权"),
        ("id_staff_total", "请填写整数，例如 120"),
        ("id_sales_last_year", "金额「1.5.0」中有多个小数点，请只保留一个。"),
    ]
    assert 'name="staff_total" value="一百"' in _html(response)
    assert _criteria(response) == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"staff_rd": "101"},
            "staff_rd",
            "科技人员数（101 人）不能多于职工总数（100 人），它是其中的一部分，请检查。",
        ),
        (
            {"assessed_on": "2020-05-19"},
            "assessed_on",
            "评价日期（2020-05-19）早于注册成立日期（2020-05-20），请检查两个日期。",
        ),
        (
            {"innovation_score": "101"},
            "innovation_score",
            "创新能力评价得分应在 0 至 100 分之间，填写的是 101。",
        ),
        (
            {"rd_3y_total": "-5"},
            "rd_3y_total",
            "金额「-5」是负数，这里只接受零或正数金额，请去掉负号。",
        ),
        (
            {"registered_on": "2020-02-30"},
            "registered_on",
            "请按 年-月-日 填写日期，例如 2024-03-15",
        ),
    ],
)
def test_hnte_page_impossible_facts_go_to_their_field(
    client: Client, change: dict[str, str], field: str, message: str
) -> None:
    response = client.post(HNTE, {**GOOD_FORM, **change})

    assert _summary_links(response) == [(f"id_{field}", message)]


def test_rd_page_computes_special_sector(client: Client) -> None:
    response = client.post(
        RD,
        {
            "tax_year": "2025",
            "industry": "manufacturing",
            "special_sector": "integrated_circuit",
            "expensed_rd": "100万",
            "capitalised_rd_cost": "0",
        },
    )

    html = _html(response)
    assert '<dd id="rate">120%</dd>' in html
    assert '<dd id="additional-deduction">1,200,000.00元</dd>' in html
    assert '<dd id="amortisation-base">0.00元</dd>' in html


def test_rd_page_excluded_industry_says_not_applicable(client: Client) -> None:
    response = client.post(
        RD,
        {
            "tax_year": "2025",
            "industry": "tobacco",
            "special_sector": "none",
            "expensed_rd": "100万",
            "capitalised_rd_cost": "0",
        },
    )

    assert "不适用研发费用加计扣除" in _html(response)
    assert '<dd id="additional-deduction">0.00元</dd>' in _html(response)


def test_rd_page_tax_year_2022_is_an_error_on_tax_year(client: Client) -> None:
    response = client.post(
        RD,
        {
            "tax_year": "2022",
            "industry": "manufacturing",
            "special_sector": "none",
            "expensed_rd": "1",
            "capitalised_rd_cost": "0",
        },
    )

    assert [link for link, _m in _summary_links(response)] == ["id_tax_year"]


# --- the registry -----------------------------------------------------------------------


def test_registry_staff_sees_enterprises_with_valid_tiers(
    client: Client, officer: Any, firm_a: Any, make_enterprise: Any
) -> None:
    make_enterprise(5, tiers=[("hnte", "GR-OLD", date(2019, 1, 1), date(2021, 12, 31))])
    sign_in(client, officer)

    response = client.get(REGISTRY)

    html = _html(response)
    assert response.status_code == 200
    assert "共 2 家企业" in html
    assert '<span class="tag sla-closed">专精特新中小企业</span>' in html
    assert "国家高新技术企业</span>" not in html  # the expired one is not shown as held


def test_registry_filter_by_tier_and_district(
    client: Client, officer: Any, firm_a: Any, firm_b: Any
) -> None:
    sign_in(client, officer)

    by_tier = client.get(REGISTRY, {"tier": "hnte"})
    by_district = client.get(REGISTRY, {"district": "futian"})

    assert ("乙企业有限公司" in _html(by_tier), "甲企业有限公司" in _html(by_tier)) == (True, False)
    assert "共 0 家企业" in _html(by_district)


@pytest.mark.parametrize("url", [REGISTRY, CHARTS, IMPORT, "/enterprises/import/template.xlsx"])
def test_registry_pages_are_404_for_an_enterprise_user(
    client: Client, firm_a_user: Any, firm_b: Any, url: str
) -> None:
    sign_in(client, firm_a_user)

    response = client.get(url)

    assert response.status_code == 404
    assert "乙企业有限公司" not in _html(response)


def test_registry_needs_login(client: Client) -> None:
    response = client.get(REGISTRY)

    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def test_registry_query_count_same_for_1_and_3_items(
    client: Client, officer: Any, make_enterprise: Any
) -> None:
    sign_in(client, officer)
    make_enterprise(1, tiers=[("hnte", "GR-1", date(2024, 1, 1), None)])
    one = _queries(client, REGISTRY)
    make_enterprise(2, tiers=[("hnte", "GR-2", date(2024, 1, 1), None)])
    make_enterprise(
        3,
        tiers=[
            ("hnte", "GR-3", date(2024, 1, 1), None),
            ("sme_specialised", "ZJ-3", date(2024, 1, 1), None),
        ],
    )
    three = _queries(client, REGISTRY)

    assert one == three


def test_charts_show_counts_beside_bars(
    client: Client, officer: Any, firm_a: Any, firm_b: Any
) -> None:
    sign_in(client, officer)

    response = client.get(CHARTS)

    html = _html(response)
    bars = re.findall(r'<svg class="chart" id="chart-tiers".*?</svg>', html, re.S)[0]
    assert re.findall(r'data-label="([^"]+)" data-value="(\d+)"', bars) == [
        ("单项冠军企业", "0"),
        ("专精特新“小巨人”企业", "0"),
        ("专精特新中小企业", "1"),
        ("国家高新技术企业", "1"),
    ]
    assert re.findall(r'<text class="value"[^>]*>(\d+)</text>', bars) == ["0", "0", "1", "1"]
    districts = re.findall(r'<svg class="chart" id="chart-districts".*?</svg>', html, re.S)[0]
    assert ('data-label="南山区" data-value="2"') in districts
    assert "<script" not in html


def test_charts_scope_by_tier(client: Client, officer: Any, firm_a: Any, firm_b: Any) -> None:
    sign_in(client, officer)

    response = client.get(CHARTS, {"tier": "hnte"})

    industries = re.findall(
        r'<svg class="chart" id="chart-industries".*?</svg>', _html(response), re.S
    )[0]
    assert 'data-label="制造业" data-value="1"' in industries


def test_charts_query_count_same_for_1_and_3_items(
    client: Client, officer: Any, make_enterprise: Any
) -> None:
    sign_in(client, officer)
    make_enterprise(1, tiers=[("hnte", "GR-1", date(2024, 1, 1), None)])
    one = _queries(client, CHARTS)
    make_enterprise(2, district="futian")
    make_enterprise(3, tiers=[("little_giant", "X-3", date(2024, 1, 1), None)])
    three = _queries(client, CHARTS)

    assert one == three


# --- import -----------------------------------------------------------------------------


def test_import_page_bad_row_reports_row_and_column_and_imports_nothing(
    client: Client, officer: Any
) -> None:
    sign_in(client, officer)
    upload = xlsx([row(1), row(2), row(3, district="火星区")])

    response = client.post(IMPORT, {"file": upload})

    html = _html(response)
    assert Enterprise.objects.count() == 0
    assert _title(response).startswith("错误：")
    assert _summary_links(response) == [
        (
            "row-error-1",
            "第 4 行 E 列：「所在区」的「火星区」不在可选范围内，应为：福田区、罗湖区、盐田区、南山区、宝安区、龙岗区、龙华区、坪山区、光明区、大鹏新区、深汕特别合作区。",
        )
    ]
    assert re.findall(
        r'<tr id="row-error-1">\s*<td class="num">(\d+)</td><td>(.*?)</td>', html
    ) == [("4", "E（所在区）")]


def test_import_page_good_file_reports_counts(client: Client, officer: Any) -> None:
    sign_in(client, officer)

    response = client.post(IMPORT, {"file": xlsx([row(1), row(2)])})

    assert "新增企业 2 家" in _html(response)
    assert (Enterprise.objects.count(), TierHolding.objects.count()) == (2, 2)


def test_import_page_without_file_is_an_error(client: Client, officer: Any) -> None:
    sign_in(client, officer)

    response = client.post(IMPORT, {})

    assert _summary_links(response) == [("id_file", "请选择要上传的 .xlsx 文件")]


def test_import_template_downloads_for_staff(client: Client, officer: Any) -> None:
    sign_in(client, officer)

    response = client.get("/enterprises/import/template.xlsx")

    assert response.status_code == 200
    assert response.content[:2] == b"PK"


# --- an enterprise's own page -----------------------------------------------------------


def test_own_page_lists_holdings_and_next_steps(
    client: Client, firm_a_user: Any, firm_a: Any
) -> None:
    sign_in(client, firm_a_user)

    response = client.get(f"/enterprises/{firm_a.pk}/")

    html = _html(response)
    assert response.status_code == 200
    assert "ZJTX-A-0001" in html
    assert re.findall(r'<li id="next-([a-z_]+)">', html) == ["hnte", "little_giant"]
    assert 'href="/enterprises/public/hnte-check/?registered_on=2015-03-01"' in html


def test_other_enterprises_page_is_404_and_leaks_nothing(
    client: Client, firm_a_user: Any, firm_a: Any, firm_b: Any
) -> None:
    sign_in(client, firm_a_user)

    response = client.get(f"/enterprises/{firm_b.pk}/")

    html = _html(response)
    assert response.status_code == 404
    assert ("乙企业有限公司" in html, "GR-SECRET-0002" in html, firm_b.uscc in html) == (
        False,
        False,
        False,
    )


def test_missing_enterprise_is_the_same_404(client: Client, firm_a_user: Any, firm_a: Any) -> None:
    sign_in(client, firm_a_user)

    assert client.get("/enterprises/999999/").status_code == 404


def test_staff_sees_any_enterprise_page(client: Client, officer: Any, firm_b: Any) -> None:
    sign_in(client, officer)

    response = client.get(f"/enterprises/{firm_b.pk}/")

    assert response.status_code == 200
    assert "GR-SECRET-0002" in _html(response)


def test_mine_goes_straight_to_the_one_enterprise(
    client: Client, firm_a_user: Any, firm_a: Any, firm_b: Any
) -> None:
    sign_in(client, firm_a_user)

    response = client.get(MINE)

    assert (response.status_code, response["Location"]) == (302, f"/enterprises/{firm_a.pk}/")


def test_mine_without_registry_entry_says_so(client: Client, firm_b_user: Any) -> None:
    sign_in(client, firm_b_user)

    response = client.get(MINE)

    assert response.status_code == 200
    assert "您所在的机构尚未列入企业库" in _html(response)


def test_account_opened_after_import_still_reaches_its_enterprise(
    client: Client, make_enterprise: Any, firm_a_user: Any, firm_a_org: Any
) -> None:
    enterprise = make_enterprise(901)  # no organisation link stored

    sign_in(client, firm_a_user)

    assert client.get(f"/enterprises/{enterprise.pk}/").status_code == 200
