"""enterprises/importer.py and services.enterprise_import: all rows or none, with a report."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest

from rainforest.audit.models import AuditRecord
from rainforest.enterprises.importer import read_workbook, template_workbook
from rainforest.enterprises.models import Enterprise, TierHolding
from rainforest.enterprises.services import enterprise_import_file
from tests.enterprises.conftest import HEADERS, registry_uscc, row, xlsx

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return Enterprise.objects.count(), TierHolding.objects.count(), AuditRecord.objects.count()


def _errors(result: Any) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message_zh) for e in result.errors]


def test_import_good_file_creates_enterprises_and_tiers(officer: Any) -> None:
    rows = [
        row(1),
        row(1, tier="专精特新中小企业", certificate_number="ZJTX-1"),
        row(2, tier=None, certificate_number=None, awarded_on=None, valid_until=None),
    ]

    result = enterprise_import_file(actor=officer, stream=xlsx(rows), source="a.xlsx")

    assert (result.ok, result.created, result.holdings_created) == (True, 2, 2)
    first = Enterprise.objects.get(uscc=registry_uscc(1))
    assert (first.industry, first.size, first.district, first.founded_on) == (
        "manufacturing",
        "small",
        "nanshan",
        date(2015, 3, 1),
    )
    assert sorted(first.holdings.values_list("tier", flat=True)) == ["hnte", "sme_specialised"]
    assert AuditRecord.objects.get().action == "enterprises.import"


def test_import_one_bad_row_imports_nothing_and_reports_row_and_column(officer: Any) -> None:
    rows = [row(1), row(2, industry="采矿"), row(3)]
    before = _counts()

    result = enterprise_import_file(actor=officer, stream=xlsx(rows))

    assert _counts() == before
    assert _errors(result) == [
        (
            3,
            "C",
            "「行业」的「采矿」不在可选范围内，应为：制造业、软件和信息技术服务业、科学研究和技术服务业、"
            "烟草制品业、住宿和餐饮业、批发和零售业、房地产业、租赁和商务服务业、娱乐业、其他行业。",
        )
    ]


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"uscc": ""}, "A", "请填写「统一社会信用代码」。"),
        ({"name": "  "}, "B", "请填写「企业名称」。"),
        ({"name": "@恶意公司"}, "B", "「企业名称」不能以 = + - @ 开头。"),
        ({"size": "巨型"}, "D", "「规模」的「巨型」不在可选范围内，应为：大型、中型、小型、微型。"),
        ({"founded_on": "去年"}, "F", "「成立日期」应为日期，例如 2024-12-01，填写的是「去年」。"),
        (
            {"tier": "独角兽"},
            "G",
            "「梯度类型」的「独角兽」不在可选范围内，应为：单项冠军企业、专精特新“小巨人”企业、专精特新中小企业、国家高新技术企业。",
        ),
        ({"certificate_number": None}, "H", "填写了梯度资质的行须同时填写「证书编号」。"),
        ({"awarded_on": None}, "I", "填写了梯度资质的行须同时填写「认定日期」。"),
        (
            {"valid_until": date(2024, 11, 30)},
            "J",
            "「有效期至」（2024-11-30）早于「认定日期」（2024-12-01），请检查两个日期。",
        ),
        (
            {"founded_on": date(2025, 1, 1)},
            "I",
            "「认定日期」（2024-12-01）早于「成立日期」（2025-01-01），请检查两个日期。",
        ),
    ],
)
def test_import_cell_errors_name_row_and_column(
    officer: Any, change: dict[str, Any], column: str, message: str
) -> None:
    result = enterprise_import_file(actor=officer, stream=xlsx([row(1), row(2, **change)]))

    assert _errors(result) == [(3, column, message)]
    assert _counts() == (0, 0, 0)


def test_import_bad_uscc_check_character_is_reported(officer: Any) -> None:
    code = registry_uscc(1)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")

    result = enterprise_import_file(actor=officer, stream=xlsx([row(1, uscc=wrong)]))

    assert [(e.row, e.column) for e in result.errors] == [(2, "A")]


def test_import_rows_of_one_enterprise_that_disagree_are_reported(officer: Any) -> None:
    rows = [row(1), row(1, name="别名有限公司", tier="小巨人", certificate_number="XJR-1")]

    result = enterprise_import_file(actor=officer, stream=xlsx(rows))

    assert _errors(result) == [
        (
            3,
            "B",
            "同一企业（"
            + registry_uscc(1)
            + "）在第 2 行的「企业名称」是「测试企业1有限公司」，两行不一致。",
        )
    ]


def test_import_certificate_twice_in_the_file_is_reported(officer: Any) -> None:
    rows = [row(1), row(2, certificate_number=row(1)[7])]

    result = enterprise_import_file(actor=officer, stream=xlsx(rows))

    assert [(e.row, e.column) for e in result.errors] == [(3, "H")]


def test_import_certificate_of_another_enterprise_in_registry_is_reported(
    officer: Any, make_enterprise: Any
) -> None:
    make_enterprise(7, tiers=[("hnte", "GR-TAKEN", date(2024, 1, 1), None)])
    before = _counts()

    result = enterprise_import_file(
        actor=officer, stream=xlsx([row(1), row(2, certificate_number="GR-TAKEN")])
    )

    assert _counts() == before
    assert _errors(result) == [
        (3, "H", f"证书编号「GR-TAKEN」已登记在测试企业7有限公司（{registry_uscc(7)}）名下。")
    ]


def test_import_again_updates_and_is_otherwise_idempotent(officer: Any) -> None:
    enterprise_import_file(actor=officer, stream=xlsx([row(1), row(2)]))
    audits = AuditRecord.objects.count()

    same = enterprise_import_file(actor=officer, stream=xlsx([row(1), row(2)]))
    changed = enterprise_import_file(
        actor=officer, stream=xlsx([row(1, district="宝安", valid_until=date(2028, 1, 1)), row(2)])
    )

    assert (same.created, same.updated, same.unchanged, AuditRecord.objects.count()) == (
        0,
        0,
        2,
        audits + 1,
    )
    assert (changed.updated, changed.holdings_updated) == (1, 1)
    one = Enterprise.objects.get(uscc=registry_uscc(1))
    assert (one.district, one.holdings.get().valid_until) == ("baoan", date(2028, 1, 1))


def test_import_links_organisation_with_the_same_code(officer: Any, firm_a_org: Any) -> None:
    enterprise_import_file(actor=officer, stream=xlsx([row(901)]))

    assert Enterprise.objects.get(uscc=firm_a_org.uscc).organisation == firm_a_org


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("manufacturing", "manufacturing"),
        ("软件和信息技术服务业", "software_it"),
        (" 科学研究和技术服务业 ", "scientific_research"),
    ],
)
def test_import_accepts_codes_and_names(officer: Any, value: str, code: str) -> None:
    enterprise_import_file(actor=officer, stream=xlsx([row(1, industry=value)]))

    assert Enterprise.objects.get().industry == code


@pytest.mark.parametrize(
    ("value", "tier"),
    [
        ('专精特新"小巨人"', "little_giant"),
        ("专精特新“小巨人”企业", "little_giant"),
        ("单项冠军", "single_champion"),
        ("hnte", "hnte"),
    ],
)
def test_import_tier_names_with_any_quotes(officer: Any, value: str, tier: str) -> None:
    enterprise_import_file(actor=officer, stream=xlsx([row(1, tier=value)]))

    assert TierHolding.objects.get().tier == tier


def test_import_dates_as_text(officer: Any) -> None:
    enterprise_import_file(
        actor=officer,
        stream=xlsx([row(1, founded_on="2015/3/1", awarded_on="2024年12月1日", valid_until="")]),
    )

    holding = TierHolding.objects.get()
    assert (holding.enterprise.founded_on, holding.awarded_on, holding.valid_until) == (
        date(2015, 3, 1),
        date(2024, 12, 1),
        None,
    )


def test_import_missing_column_is_reported_on_the_header(officer: Any) -> None:
    headers = [h for h in HEADERS if h != "所在区"]
    rows = [[v for h, v in zip(HEADERS, row(1), strict=True) if h != "所在区"]]

    result = enterprise_import_file(actor=officer, stream=xlsx(rows, headers))

    assert _errors(result) == [(1, "", "第 1 行（表头）缺少「所在区」列。")]


@pytest.mark.parametrize("data", [b"not a spreadsheet", b"PK\x03\x04 broken zip", b""])
def test_import_unreadable_file_is_reported(officer: Any, data: bytes) -> None:
    result = enterprise_import_file(actor=officer, stream=io.BytesIO(data))

    assert _errors(result) == [
        (0, "", "无法读取该文件：请上传 Excel 2007 及以后版本的 .xlsx 文件。")
    ]


def test_import_header_only_is_reported(officer: Any) -> None:
    result = enterprise_import_file(actor=officer, stream=xlsx([]))

    assert _errors(result) == [(2, "", "表中没有数据行。")]


def test_import_by_applicant_is_refused(firm_a_user: Any) -> None:
    from rainforest.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        enterprise_import_file(actor=firm_a_user, stream=xlsx([row(1)]))

    assert _counts() == (0, 0, 0)


def test_template_workbook_reads_back_as_one_good_row() -> None:
    sheet = read_workbook(io.BytesIO(template_workbook()))

    assert (sheet.errors, len(sheet.rows)) == ([], 1)
    assert sheet.rows[0].tier is not None
    assert sheet.rows[0].tier.tier == "sme_specialised"
