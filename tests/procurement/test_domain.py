"""procurement/domain.py: set-aside, price deduction and enterprise size, every boundary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.procurement import domain

TODAY = date(2026, 3, 1)
OLD = date(2022, 6, 30)  # last day of the national 30% / 60% and 6–10% sets
NEW = date(2022, 7, 1)  # first day of the Shenzhen 40% / 70% and 10–20% sets


def set_aside(category: str, budget: str, *, suitable: bool = True, exception: str | None = None, on: date = TODAY) -> domain.SetAside:  # fmt: skip
    return domain.decide_set_aside(
        category=category,
        budget=Decimal(budget),
        suitable_for_sme=suitable,
        exception=exception,
        params=domain.parameters_on(domain.SET_ASIDE, on),
    )


# --- set-aside ----------------------------------------------------------------------------

# fmt: off
SET_ASIDE_TABLE = [
    # category, budget, on, outcome, sme_reserved_min, small_micro_reserved_min
    ("goods", "1999999.99", TODAY, "sme_only", "1999999.99", "0.00"),
    ("goods", "2000000.00", TODAY, "sme_only", "2000000.00", "0.00"),
    ("goods", "2000000.01", TODAY, "reserved_share", "800000.01", "560000.01"),
    ("services", "1999999.99", TODAY, "sme_only", "1999999.99", "0.00"),
    ("services", "2000000.00", TODAY, "sme_only", "2000000.00", "0.00"),
    ("services", "2000000.01", TODAY, "reserved_share", "800000.01", "560000.01"),
    ("works", "3999999.99", TODAY, "sme_only", "3999999.99", "0.00"),
    ("works", "4000000.00", TODAY, "sme_only", "4000000.00", "0.00"),
    ("works", "4000000.01", TODAY, "reserved_share", "1600000.01", "1120000.01"),
    # The works threshold is not the goods one.
    ("goods", "4000000.00", TODAY, "reserved_share", "1600000.00", "1120000.00"),
    ("services", "5000000.00", TODAY, "reserved_share", "2000000.00", "1400000.00"),
    # Round up to the fen: 3333333.33 × 40% = 1333333.332 → .34; × 70% = 933333.338 → .34
    ("goods", "3333333.33", TODAY, "reserved_share", "1333333.34", "933333.34"),
    ("works", "0.01", TODAY, "sme_only", "0.01", "0.00"),
    # The national set (财库〔2020〕46号 第八条) up to 2022-06-30; Shenzhen from 2022-07-01.
    ("goods", "2000000.01", OLD, "reserved_share", "600000.01", "360000.01"),
    ("goods", "2000000.01", NEW, "reserved_share", "800000.01", "560000.01"),
    ("works", "4000000.00", OLD, "sme_only", "4000000.00", "0.00"),
    ("works", "10000000.00", OLD, "reserved_share", "3000000.00", "1800000.00"),
    ("works", "10000000.00", NEW, "reserved_share", "4000000.00", "2800000.00"),
]
# fmt: on


@pytest.mark.parametrize(
    ("category", "budget", "on", "outcome", "sme_min", "small_min"), SET_ASIDE_TABLE
)
def test_set_aside_threshold_gives_outcome_and_minimums(
    category: str, budget: str, on: date, outcome: str, sme_min: str, small_min: str
) -> None:
    result = set_aside(category, budget, on=on)

    assert (result.outcome, result.sme_reserved_min, result.small_micro_reserved_min) == (
        outcome,
        Decimal(sme_min),
        Decimal(small_min),
    )
    assert result.decision.outcome == outcome


@pytest.mark.parametrize("exception", domain.EXCEPTIONS)
@pytest.mark.parametrize(("category", "budget"), [("goods", "1000000"), ("works", "9000000")])
def test_set_aside_exception_not_reserved_with_zeros(
    exception: str, category: str, budget: str
) -> None:
    result = set_aside(category, budget, exception=exception)

    assert (result.outcome, result.sme_reserved_min, result.small_micro_reserved_min) == (
        "not_reserved",
        Decimal("0.00"),
        Decimal("0.00"),
    )
    article = domain.EXCEPTION_NAMES[exception][2]
    assert article in result.decision.reasons[0].zh


@pytest.mark.parametrize(("category", "budget"), [("goods", "1000000"), ("services", "3000000")])
def test_set_aside_unsuitable_not_reserved(category: str, budget: str) -> None:
    result = set_aside(category, budget, suitable=False)

    assert (result.outcome, result.sme_reserved_min, result.small_micro_reserved_min) == (
        "not_reserved",
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_set_aside_reasons_and_citations_name_the_shenzhen_notice() -> None:
    result = set_aside("goods", "5000000")

    assert result.decision.reasons_in("zh") == [
        "货物采购项目预算 5,000,000.00元 超过 2,000,000.00元，适宜由中小企业提供的，预留预算总额的 40% 以上专门面向中小企业采购，即不少于 2,000,000.00元",
        "预留份额中给小微企业的比例不低于 70%，即不少于 1,400,000.00元（按分向上取整）",
    ]
    assert [c.text() for c in result.decision.citations] == [domain.SHENZHEN_NOTICE]
    assert (result.decision.parameters_name, result.decision.parameters_version) == (
        "procurement.set_aside",
        "shenzhen-2022",
    )


def test_set_aside_before_any_version_is_422_on_on() -> None:
    with pytest.raises(ValidationError) as caught:
        domain.parameters_on(domain.SET_ASIDE, date(2020, 12, 31))

    assert (caught.value.code, caught.value.field) == ("no_parameters", "on")


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"category": "food"}, "category", "unknown_code"),
        ({"exception": "because"}, "exception", "unknown_code"),
        ({"budget": Decimal("0")}, "budget", "amount_invalid"),
        ({"budget": Decimal("-0.01")}, "budget", "amount_invalid"),
    ],
)
def test_set_aside_bad_input_names_field(kwargs: dict[str, object], field: str, code: str) -> None:
    args: dict[str, object] = {
        "category": "goods",
        "budget": Decimal("100"),
        "suitable_for_sme": True,
        "exception": None,
        "params": domain.parameters_on(domain.SET_ASIDE, TODAY),
        **kwargs,
    }

    with pytest.raises(ValidationError) as caught:
        domain.decide_set_aside(**args)  # type: ignore[arg-type]  # the table holds any type

    assert (caught.value.field, caught.value.code) == (field, code)


@given(cents=st.integers(min_value=200_000_001, max_value=10**14))
def test_set_aside_reserved_minimums_never_below_shares(cents: int) -> None:
    budget = Decimal(cents) / 100

    result = set_aside("goods", str(budget))

    assert result.sme_reserved_min >= budget * Decimal("0.40")
    assert result.sme_reserved_min - budget * Decimal("0.40") < Decimal("0.01")
    assert result.small_micro_reserved_min >= result.sme_reserved_min * Decimal("0.70")
    assert result.small_micro_reserved_min <= result.sme_reserved_min


# --- price deduction ----------------------------------------------------------------------


def deduction(
    category: str = "goods",
    scale: str = "small",
    rate: str = "0.10",
    *,
    share: str | None = None,
    reserved: bool = False,
    price: str = "1000000.00",
    on: date = TODAY,
) -> domain.PriceDeduction:
    return domain.decide_price_deduction(
        category=category,
        bidder_scale=scale,
        bid_price=Decimal(price),
        rate=Decimal(rate),
        small_micro_share=None if share is None else Decimal(share),
        lot_reserved=reserved,
        params=domain.parameters_on(domain.PRICE_DEDUCTION, on),
    )


R = Decimal
# fmt: off
ELIGIBLE = [
    # category, scale, rate, share, on, range, evaluation price of 1,000,000.00
    ("goods", "small", "0.10", None, TODAY, (R("0.10"), R("0.20")), "900000.00"),
    ("goods", "micro", "0.20", None, TODAY, (R("0.10"), R("0.20")), "800000.00"),
    ("services", "small", "0.15", None, TODAY, (R("0.10"), R("0.20")), "850000.00"),
    ("services", "micro", "0.1234", None, TODAY, (R("0.10"), R("0.20")), "876600.00"),
    ("works", "small", "0.03", None, TODAY, (R("0.03"), R("0.05")), "970000.00"),
    ("works", "micro", "0.05", None, TODAY, (R("0.03"), R("0.05")), "950000.00"),
    ("goods", "medium", "0.04", "0.30", TODAY, (R("0.04"), R("0.06")), "960000.00"),
    ("goods", "large", "0.06", "1", TODAY, (R("0.04"), R("0.06")), "940000.00"),
    ("works", "large", "0.01", "0.30", TODAY, (R("0.01"), R("0.02")), "990000.00"),
    ("works", "medium", "0.02", "0.5", TODAY, (R("0.01"), R("0.02")), "980000.00"),
    # Before 财库〔2022〕19号: 6%–10% and 2%–3%.
    ("goods", "small", "0.06", None, OLD, (R("0.06"), R("0.10")), "940000.00"),
    ("services", "micro", "0.10", None, OLD, (R("0.06"), R("0.10")), "900000.00"),
    ("goods", "large", "0.02", "0.30", OLD, (R("0.02"), R("0.03")), "980000.00"),
    ("goods", "large", "0.03", "0.30", OLD, (R("0.02"), R("0.03")), "970000.00"),
    ("goods", "small", "0.20", None, NEW, (R("0.10"), R("0.20")), "800000.00"),
]
OUT_OF_RANGE = [
    ("goods", "small", "0.0999", None, TODAY),
    ("goods", "small", "0.2001", None, TODAY),
    ("services", "micro", "0.09", None, TODAY),
    ("works", "small", "0.0299", None, TODAY),
    ("works", "small", "0.0501", None, TODAY),
    ("goods", "large", "0.0399", "0.30", TODAY),
    ("goods", "large", "0.0601", "0.30", TODAY),
    ("works", "medium", "0.0099", "0.30", TODAY),
    ("works", "medium", "0.0201", "0.30", TODAY),
    ("goods", "small", "0.11", None, OLD),
    ("goods", "small", "0.0599", None, OLD),
    ("goods", "large", "0.0301", "0.30", OLD),
    ("goods", "small", "0.0999", None, NEW),
]
# fmt: on


@pytest.mark.parametrize(
    ("category", "scale", "rate", "share", "on", "rng", "evaluation"), ELIGIBLE
)
def test_price_deduction_eligible_edges(
    category: str,
    scale: str,
    rate: str,
    share: str | None,
    on: date,
    rng: tuple[Decimal, Decimal],
    evaluation: str,
) -> None:
    result = deduction(category, scale, rate, share=share, on=on)

    assert (result.eligible, result.rate_range, result.applied_rate) == (True, rng, Decimal(rate))
    assert (result.evaluation_price, result.contract_price) == (
        Decimal(evaluation),
        Decimal("1000000.00"),
    )


@pytest.mark.parametrize(("category", "scale", "rate", "share", "on"), OUT_OF_RANGE)
def test_price_deduction_rate_outside_range_is_422_on_rate(
    category: str, scale: str, rate: str, share: str | None, on: date
) -> None:
    with pytest.raises(ValidationError) as caught:
        deduction(category, scale, rate, share=share, on=on)

    assert (caught.value.field, caught.value.code) == ("rate", "rate_out_of_range")


@pytest.mark.parametrize(
    ("scale", "share", "reserved"),
    [
        ("medium", None, False),
        ("medium", "0.2999", False),
        ("large", "0.2999", False),
        ("large", "0", False),
        ("small", None, True),
        ("micro", None, True),
        ("large", "0.5", True),
    ],
)
def test_price_deduction_ineligible_ignores_rate_and_keeps_bid(
    scale: str, share: str | None, reserved: bool
) -> None:
    # A rate nobody could use: an ineligible bid ignores it.
    result = deduction("goods", scale, "0.9", share=share, reserved=reserved, price="123456.78")

    assert (result.eligible, result.rate_range, result.applied_rate) == (False, None, Decimal("0"))
    assert (result.evaluation_price, result.contract_price) == (
        Decimal("123456.78"),
        Decimal("123456.78"),
    )


def test_price_deduction_rounds_evaluation_price_half_up() -> None:
    result = deduction("goods", "small", "0.15", price="0.03")

    # 0.03 × 0.85 = 0.0255 → 0.03
    assert result.evaluation_price == Decimal("0.03")


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"rate": "-0.01"}, "rate", "fraction_invalid"),
        ({"rate": "1.01"}, "rate", "fraction_invalid"),
        ({"rate": "0.12345"}, "rate", "fraction_invalid"),
        ({"share": "1.5"}, "small_micro_share", "fraction_invalid"),
        ({"share": "-0.1"}, "small_micro_share", "fraction_invalid"),
        ({"scale": "huge"}, "bidder_scale", "unknown_code"),
        ({"category": "food"}, "category", "unknown_code"),
        ({"price": "0"}, "bid_price", "amount_invalid"),
    ],
)
def test_price_deduction_bad_input_names_field(
    kwargs: dict[str, str], field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        deduction(**kwargs)  # type: ignore[arg-type]  # the table holds keyword strings

    assert (caught.value.field, caught.value.code) == (field, code)


# --- enterprise size ----------------------------------------------------------------------

# 工信部联企业〔2011〕300号 第四条, transcribed here independently of the parameters:
# (SME ceiling, medium lower bound, small lower bound), amounts in 万元.
W = 10000
TABLE = {
    "agriculture": ({"revenue": 20000}, {"revenue": 500}, {"revenue": 50}),
    "industry": ({"employees": 1000, "revenue": 40000}, {"employees": 300, "revenue": 2000}, {"employees": 20, "revenue": 300}),
    "construction": ({"revenue": 80000, "assets": 80000}, {"revenue": 6000, "assets": 5000}, {"revenue": 300, "assets": 300}),
    "wholesale": ({"employees": 200, "revenue": 40000}, {"employees": 20, "revenue": 5000}, {"employees": 5, "revenue": 1000}),
    "retail": ({"employees": 300, "revenue": 20000}, {"employees": 50, "revenue": 500}, {"employees": 10, "revenue": 100}),
    "transport": ({"employees": 1000, "revenue": 30000}, {"employees": 300, "revenue": 3000}, {"employees": 20, "revenue": 200}),
    "warehousing": ({"employees": 200, "revenue": 30000}, {"employees": 100, "revenue": 1000}, {"employees": 20, "revenue": 100}),
    "postal": ({"employees": 1000, "revenue": 30000}, {"employees": 300, "revenue": 2000}, {"employees": 20, "revenue": 100}),
    "accommodation": ({"employees": 300, "revenue": 10000}, {"employees": 100, "revenue": 2000}, {"employees": 10, "revenue": 100}),
    "catering": ({"employees": 300, "revenue": 10000}, {"employees": 100, "revenue": 2000}, {"employees": 10, "revenue": 100}),
    "information_transmission": ({"employees": 2000, "revenue": 100000}, {"employees": 100, "revenue": 1000}, {"employees": 10, "revenue": 100}),
    "software_it": ({"employees": 300, "revenue": 10000}, {"employees": 100, "revenue": 1000}, {"employees": 10, "revenue": 50}),
    "real_estate_development": ({"revenue": 200000, "assets": 10000}, {"revenue": 1000, "assets": 5000}, {"revenue": 100, "assets": 2000}),
    "property_management": ({"employees": 1000, "revenue": 5000}, {"employees": 300, "revenue": 1000}, {"employees": 100, "revenue": 500}),
    "leasing_business_services": ({"employees": 300, "assets": 120000}, {"employees": 100, "assets": 8000}, {"employees": 10, "assets": 100}),
    "other": ({"employees": 300}, {"employees": 100}, {"employees": 10}),
}  # fmt: skip


def _value(measure: str, number: int) -> Decimal:
    return Decimal(number) if measure == "employees" else Decimal(number * W)


def _below(measure: str, value: Decimal) -> Decimal:
    """One person or one fen less."""
    return value - (1 if measure == "employees" else Decimal("0.01"))


def _size_cases() -> list[tuple[str, str, dict[str, Decimal], str]]:
    cases: list[tuple[str, str, dict[str, Decimal], str]] = []
    for industry, (ceiling, medium, small) in TABLE.items():
        tiers = [("ceiling", ceiling, "large", "medium"), ("medium", medium, "medium", "small"), ("small", small, "small", "micro")]  # fmt: skip
        for tier, bounds, at, under in tiers:
            point = {m: _value(m, n) for m, n in bounds.items()}
            cases.append((industry, f"{tier} at bound", point, at))
            for measure in bounds:
                lowered = {**point, measure: _below(measure, point[measure])}
                cases.append((industry, f"{tier} {measure} just under", lowered, under))
    return cases


SIZE_CASES = _size_cases()


def test_size_cases_cover_sixteen_rows_in_order() -> None:
    assert tuple(TABLE) == domain.INDUSTRIES
    assert len(domain.INDUSTRIES) == 16


@pytest.mark.parametrize(
    ("industry", "label", "values", "size"),
    SIZE_CASES,
    ids=[f"{c[0]}-{c[1]}" for c in SIZE_CASES],
)
def test_enterprise_size_each_row_bound_both_sides(
    industry: str, label: str, values: dict[str, Decimal], size: str
) -> None:
    employees = values.get("employees")

    result = domain.classify_enterprise(
        industry=industry,
        employees=None if employees is None else int(employees),
        revenue=values.get("revenue"),
        assets=values.get("assets"),
        params=domain.parameters_on(domain.ENTERPRISE_SIZE, TODAY),
    )

    assert result.size == size
    assert result.measures == tuple(m for m in domain.MEASURES if m in values)


def test_enterprise_size_micro_when_either_measure_under_small_bound() -> None:
    params = domain.parameters_on(domain.ENTERPRISE_SIZE, TODAY)

    few_people = domain.classify_enterprise(
        industry="industry",
        employees=19,
        revenue=Decimal("30000000000"),
        assets=None,
        params=params,
    )
    little_revenue = domain.classify_enterprise(
        industry="industry",
        employees=999,
        revenue=Decimal("2999999.99"),
        assets=None,
        params=params,
    )

    assert (few_people.size, little_revenue.size) == ("micro", "micro")


def test_enterprise_size_many_people_but_revenue_under_ceiling_is_sme() -> None:
    result = domain.classify_enterprise(
        industry="industry",
        employees=5000,
        revenue=Decimal("399999999.99"),
        assets=None,
        params=domain.parameters_on(domain.ENTERPRISE_SIZE, TODAY),
    )

    assert result.size == "medium"


def test_enterprise_size_cites_the_row_of_the_standard() -> None:
    result = domain.classify_enterprise(
        industry="software_it",
        employees=10,
        revenue=Decimal("500000"),
        assets=None,
        params=domain.parameters_on(domain.ENTERPRISE_SIZE, TODAY),
    )

    assert result.size == "small"
    assert [c.article for c in result.decision.citations] == ["第四条第（十二）项"]
    assert result.decision.reasons_in("zh") == [
        "软件和信息技术服务业小型企业须从业人员 10 人且营业收入 50.00万元及以上（含本数）；本企业从业人员 10 人、营业收入 50.00万元，低于中小微型企业上限（从业人员 300 人或营业收入 10,000.00万元以下），满足该下限，划为小型企业"
    ]


@pytest.mark.parametrize(
    ("industry", "kwargs", "field", "code"),
    [
        ("industry", {"employees": 10, "revenue": None}, "revenue", "required"),
        ("construction", {"revenue": Decimal("1")}, "assets", "required"),
        ("other", {}, "employees", "required"),
        ("other", {"employees": -1}, "employees", "negative"),
        ("agriculture", {"revenue": Decimal("-1")}, "revenue", "negative"),
        ("mining", {"employees": 1}, "industry", "unknown_code"),
    ],
)
def test_enterprise_size_bad_input_names_field(
    industry: str, kwargs: dict[str, object], field: str, code: str
) -> None:
    args: dict[str, object] = {"employees": None, "revenue": None, "assets": None, **kwargs}

    with pytest.raises(ValidationError) as caught:
        domain.classify_enterprise(
            industry=industry,
            params=domain.parameters_on(domain.ENTERPRISE_SIZE, TODAY),
            **args,  # type: ignore[arg-type]  # the table holds any type
        )

    assert (caught.value.field, caught.value.code) == (field, code)


def test_every_parameter_set_value_is_cited() -> None:
    for name in domain.PARAMETERS.names():
        for ps in domain.PARAMETERS.versions(name):
            assert set(ps.citations) == set(ps.values)


# --- reversion ----------------------------------------------------------------------------


@pytest.mark.parametrize(("qualified", "reverted"), [(0, True), (2, True), (3, False), (4, False)])
def test_lot_reversion_below_three_qualified_smes(qualified: int, reverted: bool) -> None:
    result = domain.decide_lot_reversion(
        qualified_smes=qualified, params=domain.parameters_on(domain.SET_ASIDE, TODAY)
    )

    assert (result is not None) == reverted
