"""Money in yuan: parsing what people type, formatting it back, rounding to the fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.money import (
    MAX_YUAN,
    format_yuan,
    format_yuan_plain,
    parse_yuan,
    quantize_fen,
)

D = Decimal

# --- parse_yuan: accepted -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,000,000", D("1000000.00")),
        ("1000000", D("1000000.00")),
        ("100万", D("1000000.00")),
        ("100万元", D("1000000.00")),
        ("1.5亿", D("150000000.00")),
        ("1.5亿元", D("150000000.00")),
        ("￥2,000.50", D("2000.50")),
        ("¥2,000.50", D("2000.50")),
        ("¥ 2,000.50", D("2000.50")),
        ("2000.5元", D("2000.50")),
        ("2000.5 元", D("2000.50")),
        ("１，０００，０００．５０", D("1000000.50")),
        ("１００万", D("1000000.00")),
        ("  42  ", D("42.00")),
        ("\u300042\u3000", D("42.00")),
        ("+42", D("42.00")),
        ("0", D("0.00")),
        ("-0", D("0.00")),
        ("0.01", D("0.01")),
        ("0.010", D("0.01")),
        ("007", D("7.00")),
        ("1,000", D("1000.00")),
        ("999", D("999.00")),
        ("1.23456万", D("12345.60")),
        ("1.234567万", D("12345.67")),  # exactly to the fen
        ("1.2345670万元", D("12345.67")),  # trailing zeros do not add precision
        ("0.0000000001亿", D("0.01")),
        ("1,000.00万元", D("10000000.00")),
        ("1000000000000000", D("1000000000000000.00")),  # 10^15: the largest accepted
        ("1000000000000000.00", D("1000000000000000.00")),
        ("10000000亿", D("1000000000000000.00")),
        ("100000000000万", D("1000000000000000.00")),
    ],
)
def test_parse_yuan_text_accepted(raw: str, expected: Decimal) -> None:
    result = parse_yuan(raw)
    assert result == expected
    assert result.as_tuple().exponent == -2
    assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, D("0.00")),
        (2000, D("2000.00")),
        (10**15, D("1000000000000000.00")),
        (D("2000.5"), D("2000.50")),
        (D("1.500"), D("1.50")),
        (D("1E+3"), D("1000.00")),
        (D("-0"), D("0.00")),
        (D("0.01"), D("0.01")),
    ],
)
def test_parse_yuan_int_and_decimal_accepted(raw: int | Decimal, expected: Decimal) -> None:
    result = parse_yuan(raw)
    assert result == expected
    assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("-1", D("-1.00")),
        ("-¥2,000.50", D("-2000.50")),
        ("¥-2,000.50", D("-2000.50")),
        ("-1.5亿", D("-150000000.00")),
        (-5, D("-5.00")),
        (D("-0.01"), D("-0.01")),
        ("-1000000000000000", D("-1000000000000000.00")),
    ],
)
def test_parse_yuan_negative_allowed_when_asked(
    raw: str | int | Decimal, expected: Decimal
) -> None:
    assert parse_yuan(raw, allow_negative=True) == expected


# --- parse_yuan: rejected -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected_en"),
    [
        (
            "",
            "Please enter an amount; write it like 1000000, 1,000,000, 100万, 1.5亿元 or ￥2,000.50.",
        ),
        (
            "   ",
            "Please enter an amount; write it like 1000000, 1,000,000, 100万, 1.5亿元 or ￥2,000.50.",
        ),
        (
            "1,00,000",
            "The thousands separators in '1,00,000' are misplaced: put a comma every three digits, "
            "as in 1,000,000, or leave the commas out.",
        ),
        (
            "1,0000",
            "The thousands separators in '1,0000' are misplaced: put a comma every three digits, "
            "as in 1,000,000, or leave the commas out.",
        ),
        (
            "1,00",
            "The thousands separators in '1,00' are misplaced: put a comma every three digits, "
            "as in 1,000,000, or leave the commas out.",
        ),
        (
            "1000,000",
            "The thousands separators in '1000,000' are misplaced: put a comma every three digits, "
            "as in 1,000,000, or leave the commas out.",
        ),
        (
            ",100",
            "The thousands separators in ',100' are misplaced: put a comma every three digits, "
            "as in 1,000,000, or leave the commas out.",
        ),
        (
            "100,",
            "The thousands separators in '100,' are misplaced: put a comma every three digits, "
            "as in 1,000,000, or leave the commas out.",
        ),
        (
            "1.000,50",
            "The amount '1.000,50' has a comma after the decimal point; thousands separators "
            "belong in the whole-number part only.",
        ),
        (
            "1.2.3",
            "The amount '1.2.3' has more than one decimal point; please keep only one.",
        ),
        (
            ".5",
            "The amount '.5' needs digits on both sides of the decimal point, for example 0.5 or 12.00.",
        ),
        (
            "5.",
            "The amount '5.' needs digits on both sides of the decimal point, for example 0.5 or 12.00.",
        ),
        (
            "0.001",
            "The amount '0.001' has more than two decimal places in yuan (a fraction of a fen); "
            "please round it to the fen (0.01 yuan).",
        ),
        (
            "1.2345678万",
            "The amount '1.2345678万' has more than two decimal places in yuan (a fraction of a fen); "
            "please round it to the fen (0.01 yuan).",
        ),
        (
            "0.00000000001亿",
            "The amount '0.00000000001亿' has more than two decimal places in yuan (a fraction of a fen); "
            "please round it to the fen (0.01 yuan).",
        ),
        (
            "100万5000",
            "The amount '100万5000' mixes units or has text inside the number, which is ambiguous; "
            "please write it as one number, for example 1005000 or 100.5万.",
        ),
        (
            "1亿2000万",
            "The amount '1亿2000万' mixes units or has text inside the number, which is ambiguous; "
            "please write it as one number, for example 1005000 or 100.5万.",
        ),
        (
            "1 000",
            "The amount '1 000' mixes units or has text inside the number, which is ambiguous; "
            "please write it as one number, for example 1005000 or 100.5万.",
        ),
        (
            "100美元",
            "The unit '美元' in '100美元' is not recognised: use 元, 万, 万元, 亿 or 亿元, or no unit (yuan).",
        ),
        (
            "100千元",
            "The unit '千元' in '100千元' is not recognised: use 元, 万, 万元, 亿 or 亿元, or no unit (yuan).",
        ),
        (
            "100万亿",
            "The unit '万亿' in '100万亿' is not recognised: use 元, 万, 万元, 亿 or 亿元, or no unit (yuan).",
        ),
        (
            "100元整",
            "The unit '元整' in '100元整' is not recognised: use 元, 万, 万元, 亿 or 亿元, or no unit (yuan).",
        ),
        (
            "一百万",
            "The amount '一百万' uses Chinese numerals; please use Arabic digits, "
            "for example 100万 or 1000000 instead of 一百万.",
        ),
        (
            "壹佰万元",
            "The amount '壹佰万元' uses Chinese numerals; please use Arabic digits, "
            "for example 100万 or 1000000 instead of 一百万.",
        ),
        (
            "3五万",
            "The amount '3五万' mixes Arabic and Chinese numerals; please use Arabic digits only.",
        ),
        (
            "万元",
            "'万元' is not an amount; please enter a number (write it like 1000000, 1,000,000, 100万, 1.5亿元 or ￥2,000.50).",
        ),
        (
            "abc",
            "'abc' is not an amount; please enter a number (write it like 1000000, 1,000,000, 100万, 1.5亿元 or ￥2,000.50).",
        ),
        (
            "NaN",
            "'NaN' is not an amount; please enter a number (write it like 1000000, 1,000,000, 100万, 1.5亿元 or ￥2,000.50).",
        ),
        (
            "-Infinity",
            "'-Infinity' is not an amount; please enter a number (write it like 1000000, 1,000,000, 100万, 1.5亿元 or ￥2,000.50).",
        ),
        (
            "inf",
            "'inf' is not an amount; please enter a number (write it like 1000000, 1,000,000, 100万, 1.5亿元 or ￥2,000.50).",
        ),
        (
            "-1",
            "The amount '-1' is negative; only zero or positive amounts are accepted here. "
            "Please remove the minus sign.",
        ),
        (
            "-0.01",
            "The amount '-0.01' is negative; only zero or positive amounts are accepted here. "
            "Please remove the minus sign.",
        ),
        (
            "--1",
            "The amount '--1' has more than one sign; please keep only one.",
        ),
        (
            "¥¥1",
            "The amount '¥¥1' has more than one currency sign; please keep only one.",
        ),
        (
            "1000000000000000.01",
            "The amount '1000000000000000.01' is too large: it exceeds the limit of 10^15 yuan. "
            "Please check for extra zeros or a wrong unit.",
        ),
        (
            "10000001亿",
            "The amount '10000001亿' is too large: it exceeds the limit of 10^15 yuan. "
            "Please check for extra zeros or a wrong unit.",
        ),
        (
            "99999999999999999999999999999999999",
            "The amount '99999999999999999999999999999999999' is too large: it exceeds the limit "
            "of 10^15 yuan. Please check for extra zeros or a wrong unit.",
        ),
    ],
)
def test_parse_yuan_text_rejected_with_reason(raw: str, expected_en: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_yuan(raw)
    assert caught.value.message_en == expected_en
    assert caught.value.code == "amount_invalid"
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    ("raw", "expected_zh"),
    [
        ("", "请填写金额，可以写成 1000000、1,000,000、100万、1.5亿元 或 ￥2,000.50。"),
        (
            "1,0000",
            "金额「1,0000」的千分位逗号位置不对：应每三位一个逗号，例如「1,000,000」，也可以不写逗号。",
        ),
        (
            "100万5000",
            "金额「100万5000」混用了多个单位或数字中间夹了文字，含义不明确，请写成一个数，例如「1005000」或「100.5万」。",
        ),
        (
            "一百万",
            "金额「一百万」用了中文数字，请改用阿拉伯数字，例如「一百万」写成「100万」或「1000000」。",
        ),
        ("0.001", "金额「0.001」折算成元后超过两位小数（不足一分），请精确到分。"),
    ],
)
def test_parse_yuan_chinese_message(raw: str, expected_zh: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_yuan(raw)
    assert caught.value.message_zh == expected_zh


@pytest.mark.parametrize(
    ("raw", "expected_en"),
    [
        (
            1.5,
            "The amount was sent as a floating-point number, which loses precision; please send "
            'it as a string (such as "2000.50") or an integer.',
        ),
        (
            0.0,
            "The amount was sent as a floating-point number, which loses precision; please send "
            'it as a string (such as "2000.50") or an integer.',
        ),
        (True, "The amount cannot be true or false; please send a number."),
        (None, 'The amount must be sent as a string (such as "2000.50") or an integer.'),
        (D("NaN"), "'NaN' is not an amount; please send a finite number."),
        (D("Infinity"), "'Infinity' is not an amount; please send a finite number."),
        (
            D("0.005"),
            "The amount '0.005' has more than two decimal places in yuan (a fraction of a fen); "
            "please round it to the fen (0.01 yuan).",
        ),
        (
            10**15 + 1,
            "The amount '1000000000000001' is too large: it exceeds the limit of 10^15 yuan. "
            "Please check for extra zeros or a wrong unit.",
        ),
        (
            D("1E+16"),
            "The amount '1E+16' is too large: it exceeds the limit of 10^15 yuan. "
            "Please check for extra zeros or a wrong unit.",
        ),
        (
            -1,
            "The amount '-1' is negative; only zero or positive amounts are accepted here. "
            "Please remove the minus sign.",
        ),
    ],
)
def test_parse_yuan_non_text_rejected_with_reason(raw: object, expected_en: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_yuan(raw)  # type: ignore[arg-type]
    assert caught.value.message_en == expected_en
    assert caught.value.code == "amount_invalid"


@pytest.mark.parametrize("raw", ["-1", "1,00", "abc", 1.5])
def test_parse_yuan_error_reports_given_field(raw: str | float) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_yuan(raw, field="budget")  # type: ignore[arg-type]
    assert caught.value.field == "budget"


@pytest.mark.parametrize(
    ("raw", "allow_negative"),
    [("-1000000000000000.01", True), ("1000000000000000.01", True)],
)
def test_parse_yuan_too_large_both_signs(raw: str, allow_negative: bool) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_yuan(raw, allow_negative=allow_negative)
    assert caught.value.code == "amount_invalid"


# --- quantize_fen ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        (D("0.005"), "half_up", D("0.01")),
        (D("0.0049"), "half_up", D("0.00")),
        (D("-0.005"), "half_up", D("-0.01")),
        (D("2.675"), "half_up", D("2.68")),
        (D("0.001"), "up", D("0.01")),
        (D("0.000"), "up", D("0.00")),
        (D("-0.001"), "up", D("-0.01")),
        (D("0.019"), "down", D("0.01")),
        (D("-0.019"), "down", D("-0.01")),
        (D("12"), "half_up", D("12.00")),
        (D("1E+20"), "half_up", D("100000000000000000000.00")),
    ],
)
def test_quantize_fen_rounding(value: Decimal, rounding: str, expected: Decimal) -> None:
    result = quantize_fen(value, rounding)  # type: ignore[arg-type]
    assert result == expected
    assert str(result) == str(expected)


def test_quantize_fen_default_is_half_up() -> None:
    assert quantize_fen(D("0.125")) == D("0.13")


def test_quantize_fen_float_refused() -> None:
    with pytest.raises(TypeError, match="needs a Decimal"):
        quantize_fen(0.5)  # type: ignore[arg-type]


def test_quantize_fen_unknown_rounding_refused() -> None:
    with pytest.raises(ValueError, match="rounding must be one of"):
        quantize_fen(D("1"), "bankers")  # type: ignore[arg-type]


def test_quantize_fen_nan_refused() -> None:
    with pytest.raises(ValueError, match="cannot round"):
        quantize_fen(D("NaN"))


# --- format_yuan ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (D("1000000"), "元", "1,000,000.00元"),
        (D("2000.5"), "元", "2,000.50元"),
        (D("0"), "元", "0.00元"),
        (D("-0.00"), "元", "0.00元"),
        (D("-1234.5"), "元", "-1,234.50元"),
        (D("999.99"), "元", "999.99元"),
        (D("1000000"), "万元", "100.00万元"),
        (D("12345.67"), "万元", "1.234567万元"),
        (D("12345.6"), "万元", "1.23456万元"),
        (D("12300"), "万元", "1.23万元"),
        (D("0.01"), "万元", "0.000001万元"),
        (D("10000000000"), "万元", "1,000,000.00万元"),
        (D("150000000"), "亿元", "1.50亿元"),
        (D("100000000"), "亿元", "1.00亿元"),
        (D("123456789.01"), "亿元", "1.2345678901亿元"),
        (D("0.01"), "亿元", "0.0000000001亿元"),
        (D("-150000000"), "亿元", "-1.50亿元"),
        (D("9999.99"), "auto", "9,999.99元"),
        (D("10000"), "auto", "1.00万元"),
        (D("99999999.99"), "auto", "9,999.999999万元"),
        (D("100000000"), "auto", "1.00亿元"),
        (D("-10000"), "auto", "-1.00万元"),
        (D("-9999.99"), "auto", "-9,999.99元"),
        (12, "元", "12.00元"),
    ],
)
def test_format_yuan_units(amount: Decimal, unit: str, expected: str) -> None:
    assert format_yuan(amount, unit) == expected  # type: ignore[arg-type]


def test_format_yuan_default_unit_is_yuan() -> None:
    assert format_yuan(D("5")) == "5.00元"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (D("2000.5"), "2000.50"),
        (D("1000000"), "1000000.00"),
        (D("0"), "0.00"),
        (D("-0"), "0.00"),
        (D("-3.1"), "-3.10"),
        (D("1E+3"), "1000.00"),
    ],
)
def test_format_yuan_plain_two_decimals_no_grouping(amount: Decimal, expected: str) -> None:
    assert format_yuan_plain(amount) == expected


@pytest.mark.parametrize("formatter", [format_yuan, format_yuan_plain])
def test_format_refuses_fraction_of_fen(formatter: object) -> None:
    with pytest.raises(ValueError, match="not a whole number of fen"):
        formatter(D("0.005"))  # type: ignore[operator]


@pytest.mark.parametrize("formatter", [format_yuan, format_yuan_plain])
def test_format_refuses_float(formatter: object) -> None:
    with pytest.raises(TypeError, match="needs a Decimal"):
        formatter(1.5)  # type: ignore[operator]


def test_format_yuan_unknown_unit_refused() -> None:
    with pytest.raises(ValueError, match="unit must be one of"):
        format_yuan(D("1"), "千元")  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------

amounts = st.decimals(
    min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False
)


@pytest.mark.parametrize("unit", ["元", "万元", "亿元", "auto"])
@given(amount=amounts)
def test_format_then_parse_round_trip(unit: str, amount: Decimal) -> None:
    assert parse_yuan(format_yuan(amount, unit)) == amount  # type: ignore[arg-type]


@given(amount=amounts)
def test_format_plain_then_parse_round_trip(amount: Decimal) -> None:
    text = format_yuan_plain(amount)
    assert parse_yuan(text) == amount
    assert text == f"{amount:.2f}"


@given(
    amount=st.decimals(
        min_value=-MAX_YUAN, max_value=MAX_YUAN, places=2, allow_nan=False, allow_infinity=False
    )
)
def test_format_then_parse_round_trip_signed_full_range(amount: Decimal) -> None:
    assert parse_yuan(format_yuan(amount, "auto"), allow_negative=True) == amount


@given(amount=amounts)
def test_parse_yuan_result_always_has_two_places(amount: Decimal) -> None:
    assert parse_yuan(amount).as_tuple().exponent == -2


@given(
    value=st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9
    )
)
def test_quantize_fen_within_half_fen(value: Decimal) -> None:
    assert abs(quantize_fen(value) - value) <= D("0.005")
    assert abs(quantize_fen(value, "up")) >= abs(value)
    assert abs(quantize_fen(value, "down")) <= abs(value)
