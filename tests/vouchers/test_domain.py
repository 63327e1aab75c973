"""vouchers/domain.py: parameters, every eligibility rule on both sides, redemption, flags."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.ids import make_uscc
from rainforest.vouchers import domain
from rainforest.vouchers.domain import EligibilityFacts, Holder, IssuedVoucher, Party

D = Decimal
P = domain.parameters_on(date(2026, 1, 1))
SHENZHEN = make_uscc("91440300000000101")
PROVIDER = make_uscc("91440300000000901")


def party(uscc: str = SHENZHEN, rep: str = "张三", *holders: tuple[str, str]) -> Party:
    return Party(uscc, f"企业{uscc[-4:]}", rep, tuple(Holder(n, D(p)) for n, p in holders))


def facts(**change: object) -> EligibilityFacts:
    base: dict[str, object] = {
        "voucher_type": "compute",
        "year": 2026,
        "amount": D("1000000.00"),
        "enterprise": party(SHENZHEN, "张三", ("张三", "70"), ("李四", "30")),
        "provider": party(PROVIDER, "王五", ("深圳算力投资", "100")),
        "on_dishonest_list": False,
        "issued_this_year": D("0.00"),
    }
    base.update(change)
    return EligibilityFacts(**base)  # type: ignore[arg-type]


# --- parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("voucher_type", "budget", "cap"),
    [
        ("compute", D("500000000"), D("10000000")),
        ("model", D("100000000"), D("2000000")),
        ("corpus", D("50000000"), D("2000000")),
    ],
)
def test_parameters_budget_and_cap_per_type(
    voucher_type: str, budget: Decimal, cap: Decimal
) -> None:
    assert domain.yearly_budget(voucher_type, P) == budget
    assert domain.yearly_cap(voucher_type, P) == cap


def test_parameters_budgets_cite_the_seed_letter_section() -> None:
    for key in ("budget_compute", "budget_model", "budget_corpus"):
        assert P.citation(key).text() == f"{domain.SEED_LETTER} 二（一）三是"


def test_parameters_defaults_are_marked_as_defaults() -> None:
    for key in ("subsidy_share", "cap_compute", "related_share_percent", "city_division_prefix"):
        assert P.citation(key).document == domain.PLATFORM_DEFAULT
    assert P.decimal("subsidy_share") == D("0.50")
    assert P.decimal("related_share_percent") == D("25")


def test_parameters_before_2025_not_in_force() -> None:
    with pytest.raises(ValidationError) as info:
        domain.parameters_on(date(2024, 12, 31))

    assert info.value.code == "no_parameters"


@pytest.mark.parametrize("value", ["", "Compute", "训力券", "gpu"])
def test_validate_voucher_type_refuses_unknown(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        domain.validate_voucher_type(value)

    assert (info.value.code, info.value.field) == ("voucher_type_invalid", "voucher_type")


def test_account_codes_and_number() -> None:
    assert domain.budget_account("model", 2026) == "vouchers:budget:model:2026"
    assert domain.voucher_account("XLQ-2026-000001") == "vouchers:voucher:XLQ-2026-000001"
    assert domain.receivable_account(PROVIDER) == f"vouchers:receivable:{PROVIDER}"
    assert domain.paid_account(PROVIDER) == f"vouchers:paid:{PROVIDER}"
    assert domain.voucher_number("corpus", 2026, 42) == "YLQ-2026-000042"


@pytest.mark.parametrize(
    ("expiry", "today", "expired"),
    [(date(2026, 6, 30), date(2026, 6, 30), False), (date(2026, 6, 30), date(2026, 7, 1), True)],
)
def test_is_expired_from_the_day_after(expiry: date, today: date, expired: bool) -> None:
    assert domain.is_expired(expiry, today) is expired


def test_expires_on_validity_days_after_issue() -> None:
    assert domain.expires_on(date(2026, 3, 1), P) == date(2027, 3, 1)


# --- eligibility: each rule on both sides ---------------------------------------------------


@pytest.mark.parametrize(
    ("division", "passed"),
    [
        ("440300", True),  # 深圳市
        ("440304", True),  # 福田区
        ("440399", True),
        ("440100", False),  # 广州市
        ("440400", False),  # 珠海市
        ("110000", False),  # 北京市
        ("443000", False),  # starts 443, not 4403
    ],
)
def test_rule_registered_in_city_reads_uscc_division(division: str, passed: bool) -> None:
    uscc = make_uscc(f"91{division}000000101")

    decision = domain.decide_eligibility(facts(enterprise=party(uscc)), P)

    assert ("registered_in_city" not in decision.facts["failed"]) is passed


def test_rule_registered_in_city_prefix_is_a_parameter() -> None:
    result = domain.rule_registered_in_city(make_uscc("91440100000000101"), P)
    other = domain.ParameterSet(
        name="vouchers",
        version="guangzhou",
        effective_from=date(2025, 1, 1),
        effective_to=None,
        values={**P.values, "city_division_prefix": "4401", "city_name": "广州市"},
        citations=P.citations,
    )

    assert result.passed is False
    assert domain.rule_registered_in_city(make_uscc("91440100000000101"), other).passed is True


@pytest.mark.parametrize(("listed", "outcome"), [(False, "eligible"), (True, "ineligible")])
def test_rule_not_dishonest(listed: bool, outcome: str) -> None:
    decision = domain.decide_eligibility(facts(on_dishonest_list=listed), P)

    assert decision.outcome == outcome
    assert any("失信被执行人" in c.document for c in decision.citations)


@pytest.mark.parametrize(
    ("e_rep", "p_rep", "related"),
    [
        ("张三", "王五", False),
        ("张三", "张三", True),
        ("张 三", "张三", True),  # spaces do not hide the same person
        ("", "", False),  # nobody named is nobody shared
    ],
)
def test_rule_not_related_same_legal_representative(e_rep: str, p_rep: str, related: bool) -> None:
    decision = domain.decide_eligibility(
        facts(enterprise=party(SHENZHEN, e_rep), provider=party(PROVIDER, p_rep)), P
    )

    assert ("not_related" in decision.facts["failed"]) is related


@pytest.mark.parametrize(
    ("in_enterprise", "in_provider", "related"),
    [
        ("25", "25", False),  # 「超过25%」: exactly 25% is not more
        ("25.01", "1", True),
        ("1", "25.01", True),
        ("25", "10", False),
        ("24.99", "25", False),
        ("100", "25.01", True),
    ],
)
def test_rule_not_related_shared_shareholder_boundary(
    in_enterprise: str, in_provider: str, related: bool
) -> None:
    decision = domain.decide_eligibility(
        facts(
            enterprise=party(SHENZHEN, "张三", ("共同股东有限公司", in_enterprise)),
            provider=party(PROVIDER, "王五", ("共同股东有限公司", in_provider)),
        ),
        P,
    )

    assert ("not_related" in decision.facts["failed"]) is related
    assert decision.outcome == ("ineligible" if related else "eligible")


@pytest.mark.parametrize(("percent", "related"), [("25", False), ("25.01", True)])
def test_rule_not_related_provider_holds_enterprise_directly(percent: str, related: bool) -> None:
    provider = party(PROVIDER, "王五")
    enterprise = party(SHENZHEN, "张三", (PROVIDER, percent))

    decision = domain.decide_eligibility(facts(enterprise=enterprise, provider=provider), P)

    assert ("not_related" in decision.facts["failed"]) is related


def test_rule_not_related_enterprise_is_its_own_provider() -> None:
    decision = domain.decide_eligibility(facts(provider=party(SHENZHEN, "王五")), P)

    assert decision.facts["failed"] == ("not_related",)


@pytest.mark.parametrize(
    ("voucher_type", "issued", "amount", "passed"),
    [
        ("compute", "0", "10000000.00", True),  # exactly the cap: reached, not exceeded
        ("compute", "0", "10000000.01", False),
        ("compute", "9000000", "1000000.00", True),
        ("compute", "9000000", "1000000.01", False),
        ("model", "0", "2000000.00", True),
        ("model", "0", "2000000.01", False),
        ("corpus", "1999999.99", "0.01", True),
        ("corpus", "1999999.99", "0.02", False),
    ],
)
def test_rule_within_cap_boundary(
    voucher_type: str, issued: str, amount: str, passed: bool
) -> None:
    decision = domain.decide_eligibility(
        facts(voucher_type=voucher_type, issued_this_year=D(issued), amount=D(amount)), P
    )

    assert ("within_cap" not in decision.facts["failed"]) is passed


def test_rule_within_cap_says_how_much_is_left() -> None:
    result = domain.rule_within_cap("model", D("600000"), D("1500000"), P)

    assert result.passed is False
    assert result.reason.zh == (
        "本年度已发放模型券 1,500,000.00元，加上本次申领 600,000.00元共 2,100,000.00元，"
        "超过单个企业年度上限 2,000,000.00元；本年度最多还可申领 500,000.00元。"
    )


def test_decide_eligibility_lists_failures_first_with_citations() -> None:
    decision = domain.decide_eligibility(facts(on_dishonest_list=True, amount=D("10000000.01")), P)

    assert decision.outcome == "ineligible"
    assert decision.facts["failed"] == ("not_dishonest", "within_cap")
    assert [r.zh for r in decision.reasons][:2] == [
        domain.rule_not_dishonest(True, P).reason.zh,
        domain.rule_within_cap("compute", D("10000000.01"), D("0"), P).reason.zh,
    ]
    assert len(decision.reasons) == 4
    assert decision.citations[0].text() == f"{domain.SEED_LETTER} 二（一）三是"
    assert (decision.parameters_name, decision.parameters_version) == ("vouchers", "2025.1")


def test_decision_round_trips_through_storage() -> None:
    decision = domain.decide_eligibility(facts(), P)

    assert domain.Decision.from_dict(decision.to_dict()) == decision


# --- shareholders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([("", "10")], "holder_name_invalid"),
        ([("甲", "0")], "holder_percent_invalid"),
        ([("甲", "-1")], "holder_percent_invalid"),
        ([("甲", "100.01")], "holder_percent_invalid"),
        ([("甲", "abc")], "holder_percent_invalid"),
        ([("甲", "1.005")], "holder_percent_invalid"),
        ([("甲", "60"), ("乙", "40.01")], "holders_over_100"),
        ([("甲", "10"), (" 甲 ", "10")], "holder_duplicate"),
    ],
)
def test_parse_holders_refuses(lines: list[tuple[str, str]], code: str) -> None:
    with pytest.raises(ValidationError) as info:
        domain.parse_holders(lines)

    assert (info.value.code, info.value.field) == (code, "shareholders")


def test_parse_holders_accepts_percent_signs_and_full_width() -> None:
    assert domain.parse_holders([("甲公司", "60%"), ("乙", "４０")]) == (
        Holder("甲公司", D("60")),
        Holder("乙", D("40")),
    )


# --- redemption -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("invoice", "remaining", "pay", "capped"),
    [
        ("600.00", "1000.00", "300.00", False),
        ("2000.00", "1000.00", "1000.00", False),  # exactly the remaining value
        ("2000.02", "1000.00", "1000.00", True),
        ("2000.00", "700.00", "700.00", True),
        ("0.01", "1000.00", "0.00", False),  # half a fen rounds down to nothing
        ("0.03", "1000.00", "0.01", False),  # 0.015 rounds down, never up
        ("333.33", "1000.00", "166.66", False),
        ("100.00", "0.00", "0.00", True),
    ],
)
def test_quote_redemption_min_of_share_and_remaining_rounded_down(
    invoice: str, remaining: str, pay: str, capped: bool
) -> None:
    quote = domain.quote_redemption(D(invoice), D(remaining), P)

    assert (quote.pay, quote.capped) == (D(pay), capped)


@pytest.mark.parametrize("invoice", ["0", "-1"])
def test_quote_redemption_refuses_non_positive_invoice(invoice: str) -> None:
    with pytest.raises(ValidationError):
        domain.quote_redemption(D(invoice), D("10"), P)


@given(
    invoice=st.decimals(min_value=D("0.01"), max_value=D("100000000"), places=2),
    remaining=st.decimals(min_value=D("0"), max_value=D("100000000"), places=2),
)
def test_quote_redemption_never_pays_more_than_share_or_remaining(
    invoice: Decimal, remaining: Decimal
) -> None:
    quote = domain.quote_redemption(invoice, remaining, P)

    assert quote.pay <= remaining
    assert quote.pay <= invoice * P.decimal("subsidy_share")
    assert quote.pay == quote.pay.quantize(D("0.01"))
    assert invoice * P.decimal("subsidy_share") - quote.subsidy < D("0.01")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("25442000000123456789", "25442000000123456789"),
        ("2544 2000 0001 2345 6789", "25442000000123456789"),
        ("0440-0123 4567", "044001234567"),
        ("abc12345", "ABC12345"),
    ],
)
def test_normalise_invoice_number(raw: str, clean: str) -> None:
    assert domain.normalise_invoice_number(raw) == clean


@pytest.mark.parametrize("raw", ["", "1234567", "1" * 31, "12345678!", "发票12345678"])
def test_normalise_invoice_number_refuses(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        domain.normalise_invoice_number(raw)

    assert info.value.code == "invoice_number_invalid"


# --- flags ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("invoice_date", "codes"),
    [
        (date(2026, 6, 22), []),  # 8 days before expiry
        (date(2026, 6, 23), ["near_expiry"]),  # 7 days: within the window
        (date(2026, 6, 30), ["near_expiry"]),  # the expiry day itself
    ],
)
def test_invoice_flags_near_expiry_window(invoice_date: date, codes: list[str]) -> None:
    flags = domain.invoice_flags(D("1234.56"), invoice_date, date(2026, 6, 30), P)

    assert [f.code for f in flags] == codes


@pytest.mark.parametrize(
    ("amount", "codes"),
    [
        ("10000.00", ["round_number"]),
        ("500000.00", ["round_number"]),
        ("10000.01", []),
        ("9999.99", []),
        ("5000.00", []),  # below the unit: small invoices are often round
    ],
)
def test_invoice_flags_round_numbers(amount: str, codes: list[str]) -> None:
    flags = domain.invoice_flags(D(amount), date(2026, 1, 1), date(2026, 12, 31), P)

    assert [f.code for f in flags] == codes


def _vouchers(*values: str, provider: str = "P") -> list[IssuedVoucher]:
    return [IssuedVoucher("E", provider, "model", 2026, D(v)) for v in values]


@pytest.mark.parametrize(
    ("vouchers", "flagged"),
    [
        (_vouchers("600000", "600000", "600000"), True),  # 1.8m of 2m, three vouchers: 90%
        (_vouchers("600000", "600000", "599999.99"), False),  # just under 90%
        (_vouchers("900000", "900000"), False),  # two vouchers only
        (_vouchers("600000", "600000") + _vouchers("600000", provider="Q"), False),
        (_vouchers("700000", "700000", "600000"), True),  # exactly at the cap
    ],
)
def test_near_cap_flags(vouchers: list[IssuedVoucher], flagged: bool) -> None:
    flags = domain.near_cap_flags(vouchers, P)

    assert [f.code for f in flags] == (["near_cap"] if flagged else [])
