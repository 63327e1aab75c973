"""enterprises/domain.py: the HNTE self-check and the R&D super-deduction, every boundary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.enterprises import domain
from rainforest.enterprises.domain import HnteFacts, Holding, RdFacts

D = Decimal
CRITERIA = list(domain.HNTE_CRITERIA)


def hnte(**change: Any) -> HnteFacts:
    """Facts that pass every criterion, with ``change`` applied."""
    base = HnteFacts(
        registered_on=date(2020, 5, 20),
        assessed_on=date(2025, 6, 30),
        owns_core_ip=True,
        tech_in_key_fields=True,
        staff_total=100,
        staff_rd=20,
        sales_last_year=D("40000000.00"),
        sales_3y_total=D("100000000.00"),
        rd_3y_total=D("6000000.00"),
        rd_3y_domestic=D("6000000.00"),
        high_tech_revenue_last_year=D("30000000.00"),
        revenue_last_year=D("40000000.00"),
        innovation_score=80,
        major_violation_last_year=False,
    )
    return replace(base, **change)


def passed(facts: HnteFacts, code: str) -> bool:
    result = domain.hnte_check(facts)
    return next(c for c in result.criteria if c.code == code).passed


def test_hnte_all_pass_is_eligible_with_every_criterion_in_order() -> None:
    result = domain.hnte_check(hnte())

    assert (result.eligible, [c.code for c in result.criteria]) == (True, CRITERIA)
    assert [c.passed for c in result.criteria] == [True] * 9
    assert result.decision.outcome == "eligible"
    assert (result.decision.parameters_name, result.decision.parameters_version) == (
        "enterprises.hnte",
        "2016.1",
    )


def test_hnte_cites_each_item_of_article_eleven_once() -> None:
    result = domain.hnte_check(hnte())

    assert [c.text() for c in result.decision.citations] == [
        f"国科发火〔2016〕32号《高新技术企业认定管理办法》 第十一条（{n}）"
        for n in "一二三四五六七八"
    ]


@pytest.mark.parametrize(
    ("registered_on", "assessed_on", "ok"),
    [
        (date(2024, 3, 15), date(2025, 3, 15), True),  # exactly one year
        (date(2024, 3, 15), date(2025, 3, 14), False),  # one day short
        (date(2024, 3, 15), date(2025, 3, 16), True),
        (date(2024, 2, 29), date(2025, 2, 28), True),  # no 29 February: month end
        (date(2024, 2, 29), date(2025, 2, 27), False),
        (date(2025, 3, 15), date(2025, 3, 15), False),  # registered today
    ],
)
def test_hnte_registered_one_year_boundary(
    registered_on: date, assessed_on: date, ok: bool
) -> None:
    facts = hnte(registered_on=registered_on, assessed_on=assessed_on)

    assert passed(facts, "registered_one_year") is ok


@pytest.mark.parametrize(
    ("staff_total", "staff_rd", "ok"),
    [
        (10000, 999, False),  # 9.99%
        (10000, 1000, True),  # 10.00%
        (10000, 1001, True),
        (10, 1, True),
        (11, 1, False),  # 9.09%
        (1, 0, False),
        (1, 1, True),
    ],
)
def test_hnte_tech_staff_ratio_boundary(staff_total: int, staff_rd: int, ok: bool) -> None:
    assert passed(hnte(staff_total=staff_total, staff_rd=staff_rd), "tech_staff_ratio") is ok


def test_hnte_tech_staff_detail_gives_the_figures() -> None:
    result = domain.hnte_check(hnte(staff_total=10000, staff_rd=999))

    detail = result.criteria[3].detail
    assert detail.zh == (
        "从事研发和相关技术创新活动的科技人员 999 人，占当年职工总数 10000 人的 9.99%，低于要求的 10%。"
    )
    assert detail.en == (
        "999 science and technology staff out of 10000 staff in all is 9.99%, below the required 10%."
    )


@pytest.mark.parametrize(
    ("sales_last_year", "sales_3y_total", "rd_3y_total", "ok"),
    [
        # up to 50,000,000 (inclusive): 5%
        ("50000000.00", "100000000.00", "5000000.00", True),
        ("50000000.00", "100000000.00", "4999999.99", False),
        ("0.00", "100000000.00", "5000000.00", True),
        # above 50,000,000: 4%
        ("50000000.01", "100000000.00", "4999999.99", True),
        ("50000000.01", "100000000.00", "4000000.00", True),
        ("50000000.01", "100000000.00", "3999999.99", False),
        # up to 200,000,000 (inclusive): still 4%
        ("200000000.00", "500000000.00", "20000000.00", True),
        ("200000000.00", "500000000.00", "19999999.99", False),
        # above 200,000,000: 3%
        ("200000000.01", "500000000.00", "19999999.99", True),
        ("200000000.01", "500000000.00", "15000000.00", True),
        ("200000000.01", "500000000.00", "14999999.99", False),
    ],
)
def test_hnte_rd_intensity_bands_and_boundaries(
    sales_last_year: str, sales_3y_total: str, rd_3y_total: str, ok: bool
) -> None:
    facts = hnte(
        sales_last_year=D(sales_last_year),
        sales_3y_total=D(sales_3y_total),
        rd_3y_total=D(rd_3y_total),
        rd_3y_domestic=D(rd_3y_total),
    )

    assert passed(facts, "rd_intensity") is ok


@pytest.mark.parametrize(
    ("sales_last_year", "needed"),
    [
        ("50000000.00", "5%"),
        ("50000000.01", "4%"),
        ("200000000.00", "4%"),
        ("200000000.01", "3%"),
    ],
)
def test_hnte_rd_intensity_detail_names_the_rate_that_applies(
    sales_last_year: str, needed: str
) -> None:
    facts = hnte(sales_last_year=D(sales_last_year), sales_3y_total=D("600000000.00"))

    detail = domain.hnte_check(facts).criteria[4].detail.zh

    assert detail.split("；")[0].endswith(f"研发费用占同期销售收入的比例应不低于 {needed}")


def test_hnte_rd_intensity_detail_in_full() -> None:
    facts = hnte(
        sales_last_year=D("50000000.00"),
        sales_3y_total=D("100000000.00"),
        rd_3y_total=D("4999999.99"),
        rd_3y_domestic=D("4999999.99"),
    )

    detail = domain.hnte_check(facts).criteria[4].detail

    assert detail.zh == (
        "最近一年销售收入 50,000,000.00元，在 5,000.00万元以下（含），研发费用占同期销售收入的比例应不低于 5%；"
        "近三年研发费用 4,999,999.99元，占近三年销售收入 100,000,000.00元 的 4.99%，未达到要求。"
    )


def test_hnte_rd_intensity_with_no_sales_fails_and_says_why() -> None:
    facts = hnte(sales_last_year=D("0"), sales_3y_total=D("0"))

    criterion = domain.hnte_check(facts).criteria[4]

    assert criterion.passed is False
    assert criterion.detail.zh.endswith(
        "近三年销售收入合计为零，无法计算研发费用占比，不符合该项条件。"
    )


@pytest.mark.parametrize(
    ("domestic", "total", "ok"),
    [
        ("6000000.00", "10000000.00", True),
        ("5999999.99", "10000000.00", False),
        ("10000000.00", "10000000.00", True),
        ("0.00", "0.00", False),  # no R&D at all
    ],
)
def test_hnte_rd_domestic_share_boundary(domestic: str, total: str, ok: bool) -> None:
    facts = hnte(rd_3y_domestic=D(domestic), rd_3y_total=D(total))

    assert passed(facts, "rd_domestic_share") is ok


@pytest.mark.parametrize(
    ("high_tech", "revenue", "ok"),
    [
        ("6000000.00", "10000000.00", True),
        ("5999999.99", "10000000.00", False),
        ("0.00", "0.00", False),
    ],
)
def test_hnte_high_tech_revenue_share_boundary(high_tech: str, revenue: str, ok: bool) -> None:
    facts = hnte(high_tech_revenue_last_year=D(high_tech), revenue_last_year=D(revenue))

    assert passed(facts, "high_tech_revenue_share") is ok


@pytest.mark.parametrize(("score", "ok"), [(0, False), (70, False), (71, True), (100, True)])
def test_hnte_innovation_score_boundary(score: int, ok: bool) -> None:
    assert passed(hnte(innovation_score=score), "innovation_score") is ok


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"owns_core_ip": False}, "core_ip"),
        ({"tech_in_key_fields": False}, "key_field"),
        ({"major_violation_last_year": True}, "no_major_violation"),
    ],
)
def test_hnte_yes_no_criteria_fail_alone(change: dict[str, Any], code: str) -> None:
    result = domain.hnte_check(hnte(**change))

    assert (result.eligible, [c.code for c in result.failed()]) == (False, [code])


def test_hnte_not_eligible_reasons_summarise_then_explain_each_failure() -> None:
    result = domain.hnte_check(hnte(innovation_score=70, owns_core_ip=False))

    assert result.decision.outcome == "not_eligible"
    assert [r.zh for r in result.decision.reasons] == [
        "2 项条件不符合（拥有核心自主知识产权、创新能力评价），暂不符合国家高新技术企业认定条件。",
        result.criteria[1].detail.zh,
        "创新能力评价得分 70 分（满分 100 分），低于要求的 71 分。",
    ]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"assessed_on": date(2020, 5, 19)}, "assessed_on", "dates_out_of_order"),
        ({"staff_total": 0, "staff_rd": 0}, "staff_total", "out_of_range"),
        ({"staff_total": 10_000_001}, "staff_total", "out_of_range"),
        ({"staff_rd": -1}, "staff_rd", "negative"),
        ({"staff_rd": 101}, "staff_rd", "part_exceeds_whole"),
        ({"sales_last_year": D("-0.01")}, "sales_last_year", "negative"),
        ({"sales_3y_total": D("-1")}, "sales_3y_total", "negative"),
        ({"rd_3y_total": D("-1")}, "rd_3y_total", "negative"),
        ({"rd_3y_domestic": D("-1")}, "rd_3y_domestic", "negative"),
        ({"high_tech_revenue_last_year": D("-1")}, "high_tech_revenue_last_year", "negative"),
        ({"revenue_last_year": D("-1")}, "revenue_last_year", "negative"),
        ({"sales_last_year": D("100000000.01")}, "sales_last_year", "part_exceeds_whole"),
        ({"rd_3y_domestic": D("6000000.01")}, "rd_3y_domestic", "part_exceeds_whole"),
        (
            {"high_tech_revenue_last_year": D("40000000.01")},
            "high_tech_revenue_last_year",
            "part_exceeds_whole",
        ),
        ({"innovation_score": -1}, "innovation_score", "out_of_range"),
        ({"innovation_score": 101}, "innovation_score", "out_of_range"),
    ],
)
def test_hnte_impossible_facts_are_refused_naming_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        domain.hnte_check(hnte(**change))

    assert (raised.value.field, raised.value.code) == (field, code)


def test_hnte_staff_rd_above_total_message_gives_both_numbers() -> None:
    with pytest.raises(ValidationError) as raised:
        domain.hnte_check(hnte(staff_total=100, staff_rd=101))

    assert raised.value.message_zh == (
        "科技人员数（101 人）不能多于职工总数（100 人），它是其中的一部分，请检查。"
    )


def test_hnte_before_2016_has_no_parameters() -> None:
    with pytest.raises(ValidationError) as raised:
        domain.hnte_check(hnte(registered_on=date(2010, 1, 1), assessed_on=date(2015, 12, 31)))

    assert raised.value.code == "no_parameters"


@given(total=st.integers(1, 10**6), data=st.data())
def test_hnte_tech_staff_passes_exactly_at_one_in_ten(total: int, data: Any) -> None:
    rd = data.draw(st.integers(0, total))

    ok = passed(hnte(staff_total=total, staff_rd=rd), "tech_staff_ratio")

    assert ok is (rd * 10 >= total)


@given(score=st.integers(0, 100), ip=st.booleans(), violation=st.booleans())
def test_hnte_eligible_exactly_when_every_criterion_passes(
    score: int, ip: bool, violation: bool
) -> None:
    result = domain.hnte_check(
        hnte(innovation_score=score, owns_core_ip=ip, major_violation_last_year=violation)
    )

    assert result.eligible is all(c.passed for c in result.criteria)
    assert result.decision.outcome == ("eligible" if result.eligible else "not_eligible")


# --- R&D super-deduction ----------------------------------------------------------------


def rd(**change: Any) -> RdFacts:
    base = RdFacts(
        tax_year=2024,
        industry="manufacturing",
        special_sector="none",
        expensed_rd=D("1000000.00"),
        capitalised_rd_cost=D("500000.00"),
    )
    return replace(base, **change)


@pytest.mark.parametrize(
    ("industry", "eligible"),
    [
        ("manufacturing", True),
        ("software_it", True),
        ("scientific_research", True),
        ("tobacco", False),
        ("accommodation_catering", False),
        ("wholesale_retail", False),
        ("real_estate", False),
        ("leasing_business_services", False),
        ("entertainment", False),
        ("other", True),
    ],
)
def test_rd_every_industry_code(industry: str, eligible: bool) -> None:
    result = domain.rd_deduction(rd(industry=industry))

    figures = (result.additional_deduction, result.amortisation_base, result.rate)
    expected = (D("1000000.00"), D("1000000.00"), D("1.00")) if eligible else (D("0"),) * 3
    assert (result.eligible, figures) == (eligible, expected)


def test_rd_industry_list_is_every_code_tested() -> None:
    assert list(domain.INDUSTRIES) == [
        "manufacturing",
        "software_it",
        "scientific_research",
        "tobacco",
        "accommodation_catering",
        "wholesale_retail",
        "real_estate",
        "leasing_business_services",
        "entertainment",
        "other",
    ]


def test_rd_excluded_industry_gets_zeros_with_the_reason_and_citation() -> None:
    result = domain.rd_deduction(rd(industry="real_estate", special_sector="integrated_circuit"))

    assert result.decision.outcome == "not_eligible"
    assert [r.zh for r in result.decision.reasons] == [
        "房地产业不适用研发费用税前加计扣除政策，加计扣除额和加计摊销基数均为零。"
    ]
    assert [c.text() for c in result.decision.citations] == ["财税〔2015〕119号 第四条"]
    assert result.special_rate_applied is False


@pytest.mark.parametrize(
    ("tax_year", "sector", "rate", "amortisation", "version"),
    [
        (2023, "integrated_circuit", "1.20", "2.20", "2023.1"),
        (2025, "integrated_circuit", "1.20", "2.20", "2023.1"),
        (2027, "integrated_circuit", "1.20", "2.20", "2023.1"),
        (2028, "integrated_circuit", "1.00", "2.00", "2028.1"),
        (2023, "machine_tool", "1.20", "2.20", "2023.1"),
        (2027, "machine_tool", "1.20", "2.20", "2023.1"),
        (2028, "machine_tool", "1.00", "2.00", "2028.1"),
        (2023, "none", "1.00", "2.00", "2023.1"),
        (2027, "none", "1.00", "2.00", "2023.1"),
        (2028, "none", "1.00", "2.00", "2028.1"),
    ],
)
def test_rd_special_sector_rates_by_tax_year(
    tax_year: int, sector: str, rate: str, amortisation: str, version: str
) -> None:
    result = domain.rd_deduction(rd(tax_year=tax_year, special_sector=sector))

    assert (result.rate, result.amortisation_rate, result.decision.parameters_version) == (
        D(rate),
        D(amortisation),
        version,
    )
    assert result.additional_deduction == D("1000000.00") * D(rate)
    assert result.amortisation_base == D("500000.00") * D(amortisation)


@pytest.mark.parametrize("sector", ["integrated_circuit", "machine_tool", "none"])
def test_rd_tax_year_2022_is_refused_on_tax_year(sector: str) -> None:
    with pytest.raises(ValidationError) as raised:
        domain.rd_deduction(rd(tax_year=2022, special_sector=sector))

    assert (raised.value.field, raised.value.code) == ("tax_year", "tax_year_unsupported")


def test_rd_special_sector_after_2027_says_the_special_rate_ended() -> None:
    result = domain.rd_deduction(rd(tax_year=2028, special_sector="integrated_circuit"))

    assert result.decision.reasons[0].zh == (
        "集成电路企业的 120% / 220% 优惠适用于 2023 年至 2027 年，2028 年度按一般规定 100% / 200% 计算。"
    )
    assert result.special_rate_applied is False


def test_rd_special_sector_cites_notice_44() -> None:
    result = domain.rd_deduction(rd(special_sector="machine_tool"))

    assert [c.text() for c in result.decision.citations] == [
        "财政部 税务总局 国家发展改革委 工业和信息化部公告2023年第44号 第一条"
    ]


@pytest.mark.parametrize(
    ("expensed", "sector", "additional"),
    [
        ("0.00", "none", "0.00"),
        ("0.01", "integrated_circuit", "0.01"),  # 0.012 rounds down
        ("0.04", "integrated_circuit", "0.05"),  # 0.048 rounds up
        ("0.05", "integrated_circuit", "0.06"),
        ("1000000.01", "integrated_circuit", "1200000.01"),
    ],
)
def test_rd_additional_deduction_rounds_to_the_fen(
    expensed: str, sector: str, additional: str
) -> None:
    result = domain.rd_deduction(rd(expensed_rd=D(expensed), special_sector=sector))

    assert result.additional_deduction == D(additional)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"industry": "mining"}, "industry", "unknown_code"),
        ({"special_sector": "biotech"}, "special_sector", "unknown_code"),
        ({"expensed_rd": D("-0.01")}, "expensed_rd", "negative"),
        ({"capitalised_rd_cost": D("-1")}, "capitalised_rd_cost", "negative"),
        ({"tax_year": 2101}, "tax_year", "tax_year_unsupported"),
        ({"tax_year": 1999}, "tax_year", "tax_year_unsupported"),
    ],
)
def test_rd_bad_facts_are_refused_naming_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        domain.rd_deduction(rd(**change))

    assert (raised.value.field, raised.value.code) == (field, code)


@given(
    expensed=st.decimals(min_value=0, max_value=10**12, places=2),
    capitalised=st.decimals(min_value=0, max_value=10**12, places=2),
    year=st.integers(2023, 2100),
    sector=st.sampled_from(list(domain.SPECIAL_SECTORS)),
)
def test_rd_amounts_are_whole_fen_and_never_below_the_general_rate(
    expensed: Decimal, capitalised: Decimal, year: int, sector: str
) -> None:
    result = domain.rd_deduction(
        rd(
            tax_year=year,
            special_sector=sector,
            expensed_rd=expensed,
            capitalised_rd_cost=capitalised,
        )
    )

    assert result.additional_deduction == result.additional_deduction.quantize(D("0.01"))
    assert result.additional_deduction >= expensed
    assert result.amortisation_base >= 2 * capitalised


# --- dates and next steps ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2024, 3, 15), 1, date(2025, 3, 15)),
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2023, 12, 31), 3, date(2026, 12, 31)),
    ],
)
def test_add_years(day: date, years: int, expected: date) -> None:
    assert domain.add_years(day, years) == expected


TODAY = date(2026, 6, 1)


def _tiers(*pairs: tuple[str, date | None]) -> list[Holding]:
    return [Holding(tier, until) for tier, until in pairs]


@pytest.mark.parametrize(
    ("held", "size", "industry", "expected"),
    [
        ([], "small", "software_it", [("hnte", "apply"), ("sme_specialised", "apply")]),
        ([], "large", "software_it", [("hnte", "apply")]),
        ([], "large", "manufacturing", [("hnte", "apply"), ("single_champion", "apply")]),
        (
            [("sme_specialised", date(2027, 7, 1))],
            "small",
            "software_it",
            [("hnte", "apply"), ("little_giant", "apply")],
        ),
        (
            [("sme_specialised", date(2026, 6, 1)), ("hnte", None)],  # valid through today
            "medium",
            "software_it",
            [("little_giant", "apply")],
        ),
        (
            [("sme_specialised", date(2026, 5, 31)), ("hnte", date(2027, 1, 1))],  # expired
            "medium",
            "software_it",
            [("sme_specialised", "renew")],
        ),
        (
            [("hnte", date(2026, 5, 31))],
            "micro",
            "other",
            [("hnte", "renew"), ("sme_specialised", "apply")],
        ),
        (
            [("sme_specialised", None), ("little_giant", None), ("hnte", None)],
            "small",
            "manufacturing",
            [("single_champion", "apply")],
        ),
        (
            [("sme_specialised", None), ("little_giant", None), ("hnte", None)],
            "small",
            "software_it",
            [],
        ),
        (
            [
                ("sme_specialised", None),
                ("little_giant", None),
                ("hnte", None),
                ("single_champion", None),
            ],
            "small",
            "manufacturing",
            [],
        ),
    ],
)
def test_next_steps(
    held: list[tuple[str, date | None]], size: str, industry: str, expected: list[tuple[str, str]]
) -> None:
    steps = domain.next_steps(_tiers(*held), size=size, industry=industry, today=TODAY)

    assert [(s.tier, s.action) for s in steps] == expected


def test_next_steps_holding_sme_specialised_suggests_little_giant_in_words() -> None:
    steps = domain.next_steps(
        _tiers(("sme_specialised", None), ("hnte", None)),
        size="small",
        industry="software_it",
        today=TODAY,
    )

    assert [s.reason.zh for s in steps] == ["已是专精特新中小企业，可申请专精特新“小巨人”企业。"]
