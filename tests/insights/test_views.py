"""insights/views.py: the dashboard page (tables, SVG charts, filters) and its xlsx export."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from rainforest.accounts.roles import Role
from rainforest.cases.services import case_transition
from tests.conftest import at, sign_in
from tests.factories import person
from tests.insights.conftest import NOW, Pledges

pytestmark = pytest.mark.django_db

PAGE = "/insights/"
EXPORT = "/insights/cycle-times.xlsx"


@pytest.fixture
def frozen_now() -> Any:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield NOW


def _title(response: Any) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match is not None
    return match.group(1).strip()


def _section(html: str, code: str) -> str:
    match = re.search(rf'<section class="process" id="process-{code}">(.*?)</section>', html, re.S)
    assert match is not None, f"no section for {code}"
    return match.group(1)


def _stage_rows(section: str) -> list[list[str]]:
    rows = re.findall(r'<tr data-stage="([^"]+)">(.*?)</tr>', section, re.S)
    return [
        [
            stage,
            *(
                re.sub(r"<[^>]+>", "", c).strip()
                for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
            ),
        ]
        for stage, body in rows
    ]


def _span_rows(section: str) -> list[list[str]]:
    rows = re.findall(r'<tr data-span="([^"]+)">(.*?)</tr>', section, re.S)
    return [
        [span, *(c.strip() for c in re.findall(r'<td class="num">(.*?)</td>', body, re.S))]
        for span, body in rows
    ]


def test_dashboard_shows_stage_numbers(
    client: Client, pledges: Pledges, leader: Any, frozen_now: Any
) -> None:
    sign_in(client, leader)

    response = client.get(PAGE)

    assert response.status_code == 200
    section = _section(response.content.decode(), "ip_pledge")
    # office, limit, completed, median, p90, in progress, overdue
    assert _stage_rows(section) == [
        ["review", "项目处工作人员", "2", "4", "2.5", "3.7", "1", "1"],
        ["correction", "银行经办人", "—", "1", "3", "3", "0", "0"],
    ]
    assert _span_rows(section) == [["open_to_close", "3", "3", "7.8", "1"]]


def test_dashboard_draws_charts_as_inline_svg_with_numbers(
    client: Client, pledges: Pledges, leader: Any, frozen_now: Any
) -> None:
    sign_in(client, leader)

    html = client.get(PAGE).content.decode()

    times = re.search(r'<svg[^>]*id="chart-ip_pledge-v1-times".*?</svg>', html, re.S)
    overdue = re.search(r'<svg[^>]*id="chart-ip_pledge-v1-overdue".*?</svg>', html, re.S)
    assert times is not None
    assert overdue is not None
    values = re.findall(r'<text class="value"[^>]*>(.*?)</text>', times.group(0))
    assert values == ["2.5", "3.7", "3", "3"]
    assert re.findall(r'<text class="value"[^>]*>(.*?)</text>', overdue.group(0)) == ["1", "0"]
    # No JavaScript and nothing fetched from elsewhere.
    assert "<script" not in html
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []


def test_dashboard_export_link_keeps_filters(
    client: Client, pledges: Pledges, leader: Any, frozen_now: Any
) -> None:
    sign_in(client, leader)

    html = client.get(PAGE, {"year": "2026", "process": "ip_pledge"}).content.decode()

    links = re.findall(r'<a class="button" href="([^"]+)"[^>]*>导出 Excel</a>', html)
    assert links == [f"{EXPORT}?year=2026&amp;process=ip_pledge"]
    assert re.findall(r'<section class="process" id="process-([^"]+)">', html) == ["ip_pledge"]


def test_dashboard_year_filter_changes_numbers(
    client: Client, pledges: Pledges, leader: Any, frozen_now: Any
) -> None:
    sign_in(client, leader)

    html = client.get(PAGE, {"year": "2025", "process": "ip_pledge"}).content.decode()

    assert _stage_rows(_section(html, "ip_pledge")) == [
        ["review", "项目处工作人员", "2", "0", "—", "—", "0", "0"],
        ["correction", "银行经办人", "—", "0", "—", "—", "0", "0"],
    ]


def test_dashboard_dimension_filter_offers_values_after_process(
    client: Client,
    pledges: Pledges,
    leader: Any,
    bank_dimension: Any,
    bank_a: Any,
    frozen_now: Any,
) -> None:
    sign_in(client, leader)

    without = client.get(PAGE).content.decode()
    with_process = client.get(PAGE, {"process": "ip_pledge"}).content.decode()
    with_dimension = client.get(
        PAGE, {"process": "ip_pledge", "dimension": "bank", "value": str(bank_a.pk)}
    ).content.decode()

    assert 'name="dimension"' not in without
    assert 'name="dimension"' in with_process
    assert 'name="value"' not in with_process
    assert f'<option value="{bank_a.pk}" selected>甲银行</option>' in with_dimension
    assert _stage_rows(_section(with_dimension, "ip_pledge"))[0][3] == "4"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"year": "twenty"}, "year", "年份应为四位数字，如 2026"),
        ({"year": "1999"}, "year", "年份应在 2000 至 2100 之间"),
        ({"process": "enforcement_request"}, "process", "没有这个事项，请从列表中选择"),
        (
            {"process": "ip_pledge", "dimension": "colour"},
            "dimension",
            "这个事项没有这个维度，请从列表中选择",
        ),
    ],
)
def test_dashboard_bad_filter_shows_error_summary(
    client: Client, leader: Any, query: dict[str, str], field: str, message: str
) -> None:
    sign_in(client, leader)

    response = client.get(PAGE, query)

    html = response.content.decode()
    assert response.status_code == 400
    assert _title(response).startswith("错误：")
    summary = re.search(r'<div class="error-summary".*?<h2[^>]*>(.*?)</h2>(.*?)</div>', html, re.S)
    assert summary is not None
    assert summary.group(1) == "存在以下问题"
    assert re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary.group(2)) == [
        (f"id_{field}", message)
    ]
    assert "<section" not in html


@pytest.mark.parametrize(
    "role", [Role.BANK_OFFICER, Role.APPLICANT, Role.EXPERT, Role.POLICE_LEGAL_OFFICER]
)
def test_dashboard_is_not_found_outside_leadership(
    client: Client, pledges: Pledges, bank_a: Any, role: str
) -> None:
    sign_in(client, person(role, bank_a))

    page = client.get(PAGE)
    export = client.get(EXPORT)

    assert (page.status_code, export.status_code) == (404, 404)
    assert "登记审查" not in page.content.decode()


def test_dashboard_needs_sign_in(client: Client, pledges: Pledges) -> None:
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_dashboard_programme_officer_sees_it(
    client: Client, pledges: Pledges, officer: Any, frozen_now: Any
) -> None:
    sign_in(client, officer)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert _stage_rows(_section(response.content.decode(), "ip_pledge"))[0][3] == "4"


def test_dashboard_query_count_does_not_grow_with_cases(
    client: Client, file_pledge: Any, banker_a: Any, bank_a: Any, officer: Any, leader: Any
) -> None:
    sign_in(client, leader)
    first = file_pledge(banker_a, bank_a, now=at("2026-11-02 09:00")).case
    case_transition(case=first, action="register", actor=officer, now=at("2026-11-03 09:00"))
    client.get(PAGE)  # warm the calendar cache

    with CaptureQueriesContext(connection) as one:
        client.get(PAGE)
    for day in ("03", "04"):
        case = file_pledge(banker_a, bank_a, now=at(f"2026-11-{day} 09:00")).case
        case_transition(
            case=case, action="return", actor=officer, reason="x", now=at("2026-11-05 09:00")
        )
    with CaptureQueriesContext(connection) as three:
        client.get(PAGE)

    assert len(three) == len(one)


# -- the export ---------------------------------------------------------------------------


def _sheet_rows(book: Any, name: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in book[name].iter_rows(values_only=True)]


def test_export_holds_the_same_numbers(
    client: Client, pledges: Pledges, leader: Any, frozen_now: Any
) -> None:
    sign_in(client, leader)

    response = client.get(EXPORT, {"process": "ip_pledge"})

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="cycle-times-20261116-1000.xlsx"'
    )
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == [
        "环节用时", "时段", "逾期按办理部门", "占比", "办结情况", "筛选条件"
    ]  # fmt: skip
    assert _sheet_rows(book, "占比") == [
        ("事项", "指标", "年份", "分子", "分子数", "分母", "分母数", "占比（%）")
    ]  # IP pledges register no share
    assert _sheet_rows(book, "环节用时") == [
        ("事项", "版本", "环节", "类型", "时限（工作日）", "办理部门", "已完成次数",
         "中位数（工作日）", "第90百分位（工作日）", "办理中", "当前件数", "其中逾期"),
        ("知识产权质押登记", 1, "登记审查", "办理", 2, "项目处工作人员", 4, 2.5, 3.7, 1, 1, 1),
        ("知识产权质押登记", 1, "待补正", "等待申请方（不计时）", "—", "银行经办人", 1, 3, 3, 0, 0, 0),
    ]  # fmt: skip
    assert _sheet_rows(book, "时段") == [
        ("事项", "时段", "已完成件数", "中位数（工作日）", "第90百分位（工作日）", "进行中"),
        ("知识产权质押登记", "受理至办结", 3, 3, 7.8, 1),
    ]
    assert _sheet_rows(book, "逾期按办理部门") == [
        ("事项", "办理部门", "逾期件数"),
        ("知识产权质押登记", "项目处工作人员", 1),
        ("全部事项", "项目处工作人员", 1),
    ]
    assert _sheet_rows(book, "办结情况")[1:] == [
        ("知识产权质押登记", 1, "已登记", 3),
        ("知识产权质押登记", 1, "不予登记", 0),
        ("知识产权质押登记", 1, "已撤回", 0),
    ]
    filters = dict(_sheet_rows(book, "筛选条件")[1:])
    assert (filters["年份"], filters["事项"], filters["统计时点"]) == (
        "全部",
        "知识产权质押登记",
        "2026-11-16 10:00",
    )


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"],
)
def test_export_writes_formula_like_text_as_text(
    client: Client,
    pledges: Pledges,
    leader: Any,
    bank_a: Any,
    bank_dimension: Any,
    frozen_now: Any,
    name: str,
) -> None:
    bank_a.name = name
    bank_a.save()
    sign_in(client, leader)

    response = client.get(
        EXPORT, {"process": "ip_pledge", "dimension": "bank", "value": str(bank_a.pk)}
    )

    book = load_workbook(BytesIO(response.content))
    (cell,) = [c for row in book["筛选条件"].iter_rows() for c in row if c.value == name]
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    assert all(
        c.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for c in row
    )


def test_export_bad_filter_shows_page_with_errors(client: Client, leader: Any) -> None:
    sign_in(client, leader)

    response = client.get(EXPORT, {"year": "1999"})

    assert response.status_code == 400
    assert _title(response).startswith("错误：")
