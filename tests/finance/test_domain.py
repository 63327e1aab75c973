"""finance/domain.py: patent and trademark numbers, the term, the inclusive-loan decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rainforest.core.errors import ValidationError
from rainforest.core.policy import Citation, NoParametersInForce
from rainforest.finance.domain import (
    SEED_LETTER,
    IpItem,
    decide_inclusive,
    parameters_on,
    parse_ip_items,
    patent_check_char,
    registration_number,
    validate_patent_number,
    validate_term_months,
    validate_trademark_number,
)

# Bodies of application numbers; the check characters are computed, never copied.
BODY = "202310123456"  # 2023, type 1 (invention), serial 0123456
BODY_X = "202310123402"  # a body whose check character is X
OLD_BODY = "98123456"  # the 8-digit numbers used before 2003
CHECK = patent_check_char(BODY)
OLD_CHECK = patent_check_char(OLD_BODY)


def test_patent_check_char_is_weighted_sum_mod_11() -> None:
    # 2*2+0*3+2*4+3*5+1*6+0*7+1*8+2*9+3*2+4*3+5*4+6*5 = 127; 127 % 11 = 6
    assert patent_check_char(BODY) == "6"


def test_patent_check_char_remainder_10_is_x() -> None:
    assert patent_check_char(BODY_X) == "X"


def test_patent_check_char_old_format_uses_first_eight_weights() -> None:
    # 9*2+8*3+1*4+2*5+3*6+4*7+5*8+6*9 = 196; 196 % 11 = 9
    assert patent_check_char(OLD_BODY) == "9"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"{BODY}.{CHECK}", f"{BODY}.{CHECK}"),
        (f"{BODY}{CHECK}", f"{BODY}.{CHECK}"),
        (f"ZL{BODY}.{CHECK}", f"{BODY}.{CHECK}"),
        (f"zl{BODY}.{CHECK}", f"{BODY}.{CHECK}"),
        (f"ZL {BODY[:4]} {BODY[4:]}.{CHECK}", f"{BODY}.{CHECK}"),
        (f"  {BODY} . {CHECK}  ", f"{BODY}.{CHECK}"),
        (f"CN{BODY}.{CHECK}", f"{BODY}.{CHECK}"),
        (f"{BODY}．{CHECK}", f"{BODY}.{CHECK}"),  # full-width dot
        (f"{BODY_X}.X", f"{BODY_X}.X"),
        (f"{BODY_X}.x", f"{BODY_X}.X"),
        (f"ZL{BODY_X}x", f"{BODY_X}.X"),
        (f"{OLD_BODY}.{OLD_CHECK}", f"{OLD_BODY}.{OLD_CHECK}"),
    ],
)
def test_validate_patent_number_accepts_and_normalises(raw: str, expected: str) -> None:
    assert validate_patent_number(raw) == expected


@pytest.mark.parametrize("type_digit", ["1", "2", "3", "8", "9"])
def test_validate_patent_number_accepts_each_patent_type(type_digit: str) -> None:
    body = BODY[:4] + type_digit + BODY[5:]
    check = patent_check_char(body)
    assert validate_patent_number(f"{body}.{check}") == f"{body}.{check}"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (f"{BODY}.{(int(CHECK) + 1) % 10}", "wrong check character"),
        (f"{BODY_X}.0", "X expected, digit given"),
        (f"{BODY}.X", "digit expected, X given"),
        (f"{OLD_BODY}.{(int(OLD_CHECK) + 1) % 10}", "wrong check character, old format"),
        (f"{BODY[:4]}4{BODY[5:]}.{patent_check_char(BODY[:4] + '4' + BODY[5:])}", "type 4"),
        (f"{BODY[:4]}0{BODY[5:]}.{patent_check_char(BODY[:4] + '0' + BODY[5:])}", "type 0"),
        (f"{BODY[:11]}.{patent_check_char(BODY[:11])}", "11 digits"),
        (f"{BODY}1.{patent_check_char(BODY + '1')}", "13 digits"),
        (f"{OLD_BODY[:7]}.{patent_check_char(OLD_BODY[:7])}", "7 digits"),
        (f"{BODY}.", "no check character"),
        (f"{BODY}.{CHECK}{CHECK}", "two check characters"),
        (f"ZL{BODY}.Y", "letter other than X"),
        ("", "empty"),
        ("ZL", "prefix only"),
    ],
)
def test_validate_patent_number_rejects(raw: str, why: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_patent_number(raw)
    assert (info.value.field, info.value.code) == ("ip_numbers", "patent_number_invalid")


def test_validate_patent_number_wrong_check_says_so() -> None:
    raw = f"{BODY}.{(int(CHECK) + 1) % 10}"
    with pytest.raises(ValidationError) as info:
        validate_patent_number(raw)
    assert info.value.message_zh == f"专利号“{raw}”的校验位不符，请核对号码"


def test_validate_patent_number_wrong_type_says_so() -> None:
    body = BODY[:4] + "4" + BODY[5:]
    raw = f"{body}.{patent_check_char(body)}"
    with pytest.raises(ValidationError) as info:
        validate_patent_number(raw)
    assert info.value.message_en == (
        f"Patent number {raw!r}: the 5th digit (patent type) must be 1, 2, 3, 8 or 9"
    )


def test_validate_patent_number_reports_the_given_field() -> None:
    with pytest.raises(ValidationError) as info:
        validate_patent_number("123", field="patents")
    assert info.value.field == "patents"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", "1"),
        ("12345678", "12345678"),
        (" 1234 5678 ", "12345678"),
        ("1234567890", "1234567890"),  # 10 digits: the longest accepted
    ],
)
def test_validate_trademark_number_accepts(raw: str, expected: str) -> None:
    assert validate_trademark_number(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "12345678901", "1234567A", "第12345678号", "-1"])
def test_validate_trademark_number_rejects(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_trademark_number(raw)
    assert (info.value.field, info.value.code) == ("ip_numbers", "trademark_number_invalid")


def test_parse_ip_items_normalises_each_item() -> None:
    items = parse_ip_items([("patent", f"ZL {BODY}.{CHECK}"), ("trademark", " 12345678 ")])
    assert items == [IpItem("patent", f"{BODY}.{CHECK}"), IpItem("trademark", "12345678")]


def test_parse_ip_items_same_number_as_patent_and_trademark_is_not_duplicate() -> None:
    items = parse_ip_items([("trademark", "98123456"), ("patent", f"{OLD_BODY}{OLD_CHECK}")])
    assert items == [IpItem("trademark", "98123456"), IpItem("patent", f"{OLD_BODY}.{OLD_CHECK}")]


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], "ip_required"),
        ([("copyright", "123")], "ip_kind_invalid"),
        ([("Patent", f"{BODY}.{CHECK}")], "ip_kind_invalid"),
        ([("patent", f"{BODY}.{CHECK}"), ("patent", f"ZL{BODY}{CHECK}")], "ip_duplicate"),
        ([("trademark", "123"), ("trademark", " 123")], "ip_duplicate"),
        ([("trademark", "123"), ("patent", "123")], "patent_number_invalid"),
    ],
)
def test_parse_ip_items_rejects(lines: list[tuple[str, str]], code: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_ip_items(lines)
    assert (info.value.field, info.value.code) == ("ip_numbers", code)


@pytest.mark.parametrize(
    ("term", "ok"), [(0, False), (1, True), (360, True), (361, False), (-1, False)]
)
def test_validate_term_months_bounds(term: int, ok: bool) -> None:
    if ok:
        assert validate_term_months(term) == term
    else:
        with pytest.raises(ValidationError) as info:
            validate_term_months(term)
        assert (info.value.field, info.value.code) == ("term_months", "term_invalid")


def test_parameters_on_first_day_is_version_2025_1() -> None:
    assert parameters_on(date(2025, 1, 1)).version == "2025.1"


def test_parameters_on_day_before_first_version_raises_no_parameters() -> None:
    with pytest.raises(NoParametersInForce) as info:
        parameters_on(date(2024, 12, 31))
    assert (info.value.code, info.value.http_status) == ("no_parameters", 422)


@pytest.mark.parametrize(
    ("amount", "outcome"),
    [
        ("0.01", "inclusive"),
        ("19999999.99", "inclusive"),
        ("20000000.00", "inclusive"),  # 「及以下」: the threshold itself is inclusive
        ("20000000.01", "standard"),
        ("100000000.00", "standard"),
    ],
)
def test_decide_inclusive_at_threshold(amount: str, outcome: str) -> None:
    decision = decide_inclusive(Decimal(amount), parameters_on(date(2026, 9, 30)))
    assert decision.outcome == outcome


def test_decide_inclusive_at_threshold_records_reason_citation_and_version() -> None:
    decision = decide_inclusive(Decimal("20000000.00"), parameters_on(date(2026, 9, 30)))
    assert [r.to_dict() for r in decision.reasons] == [
        {
            "zh": "贷款金额 2,000.00万元 不超过 2,000.00万元（含），属普惠贷款",
            "en": "The loan of 2,000.00万元 is at or below 2,000.00万元, so it is inclusive",
        }
    ]
    assert decision.citations == (Citation(SEED_LETTER, "二（二）"),)
    assert (decision.parameters_name, decision.parameters_version) == (
        "finance.ip_pledge",
        "2025.1",
    )
    assert dict(decision.facts) == {"loan_amount": Decimal("20000000.00")}


def test_decide_inclusive_above_threshold_gives_standard_reason() -> None:
    decision = decide_inclusive(Decimal("20000000.01"), parameters_on(date(2026, 9, 30)))
    assert [r.to_dict() for r in decision.reasons] == [
        {
            "zh": "贷款金额 2,000.000001万元 超过 2,000.00万元，不属普惠贷款",
            "en": "The loan of 2,000.000001万元 is above 2,000.00万元, so it is not inclusive",
        }
    ]
    assert decision.citations == (Citation(SEED_LETTER, "二（二）"),)
    assert decision.parameters_version == "2025.1"


def test_decision_round_trips_through_dict() -> None:
    decision = decide_inclusive(Decimal("19999999.99"), parameters_on(date(2026, 9, 30)))
    assert type(decision).from_dict(decision.to_dict()) == decision


@pytest.mark.parametrize(
    ("year", "sequence", "expected"),
    [
        (2026, 1, "ZYDJ-2026-000001"),
        (2026, 999999, "ZYDJ-2026-999999"),
        (2027, 42, "ZYDJ-2027-000042"),
    ],
)
def test_registration_number_format(year: int, sequence: int, expected: str) -> None:
    assert registration_number(year, sequence) == expected
