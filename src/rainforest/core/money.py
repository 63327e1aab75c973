"""Amounts of money in yuan: always ``Decimal`` quantised to the fen (0.01), never float.

``parse_yuan`` reads what people write in forms and spreadsheets ("1,000,000", "100万",
"1.5亿元", "￥2,000.50") and refuses anything it would have to guess about. ``format_yuan``
writes amounts back, and ``parse_yuan`` accepts every string ``format_yuan`` produces.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal, localcontext
from typing import Literal

from rainforest.core.errors import ValidationError

__all__ = [
    "FEN",
    "MAX_YUAN",
    "format_yuan",
    "format_yuan_plain",
    "parse_yuan",
    "quantize_fen",
]

FEN = Decimal("0.01")
MAX_YUAN = Decimal(10) ** 15
"""The largest amount accepted: 10^15 yuan (a thousand trillion). Anything above is a typo."""

_UNITS: dict[str, Decimal] = {
    "": Decimal(1),
    "元": Decimal(1),
    "万": Decimal(10) ** 4,
    "万元": Decimal(10) ** 4,
    "亿": Decimal(10) ** 8,
    "亿元": Decimal(10) ** 8,
}
_UNIT_SHIFT = {"": 0, "元": 0, "万": 4, "万元": 4, "亿": 8, "亿元": 8}
_CURRENCY_SIGNS = "¥￥"
_CHINESE_NUMERALS = frozenset("零〇一二三四五六七八九十两百千壹贰叁肆伍陆柒捌玖拾佰仟")
_NUMBER_PREFIX = re.compile(r"[0-9.,]*")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})*")
_NOT_NUMBERS = frozenset({"nan", "snan", "inf", "infinity"})
# Generous bounds on raw digits, checked before any arithmetic so nothing is rounded silently.
_MAX_INT_DIGITS = 16
_PRECISION = 60

Rounding = Literal["half_up", "up", "down"]
YuanUnit = Literal["元", "万元", "亿元", "auto"]

_ACCEPTED_ZH = "可以写成 1000000、1,000,000、100万、1.5亿元 或 ￥2,000.50"
_ACCEPTED_EN = "write it like 1000000, 1,000,000, 100万, 1.5亿元 or ￥2,000.50"


def _error(message_zh: str, message_en: str, field: str) -> ValidationError:
    return ValidationError(message_zh, message_en, field=field, code="amount_invalid")


def _halfwidth(raw: str) -> str:
    out: list[str] = []
    for ch in raw:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif code == 0x3000:
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _check_range(amount: Decimal, text: str, field: str, allow_negative: bool) -> Decimal:
    if amount.is_zero():
        return abs(amount).quantize(FEN)
    if amount < 0 and not allow_negative:
        raise _error(
            f"金额「{text}」是负数，这里只接受零或正数金额，请去掉负号。",
            f"The amount '{text}' is negative; only zero or positive amounts are accepted here. "
            "Please remove the minus sign.",
            field,
        )
    if abs(amount) > MAX_YUAN:
        raise _error(
            f"金额「{text}」太大，超过了10^15元（一千万亿元）的上限，请检查是否多写了零或单位写错。",
            f"The amount '{text}' is too large: it exceeds the limit of 10^15 yuan. "
            "Please check for extra zeros or a wrong unit.",
            field,
        )
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if amount != amount.quantize(FEN):
            raise _error(
                f"金额「{text}」折算成元后超过两位小数（不足一分），请精确到分。",
                f"The amount '{text}' has more than two decimal places in yuan (a fraction of a fen); "
                "please round it to the fen (0.01 yuan).",
                field,
            )
        return amount.quantize(FEN)


def _parse_text(raw: str, field: str, allow_negative: bool) -> Decimal:
    text = raw.strip()
    s = _halfwidth(raw).strip()
    if not s:
        raise _error(
            f"请填写金额，{_ACCEPTED_ZH}。",
            f"Please enter an amount; {_ACCEPTED_EN}.",
            field,
        )
    if s.lower().lstrip("+-") in _NOT_NUMBERS:
        raise _error(
            f"「{text}」不是一个金额，请填写具体数字，{_ACCEPTED_ZH}。",
            f"'{text}' is not an amount; please enter a number ({_ACCEPTED_EN}).",
            field,
        )
    negative = False
    rest = s
    seen_sign = False
    seen_currency = False
    while rest and rest[0] in "+-" + _CURRENCY_SIGNS:
        ch = rest[0]
        if ch in "+-":
            if seen_sign:
                raise _error(
                    f"金额「{text}」中有多个正负号，请只保留一个。",
                    f"The amount '{text}' has more than one sign; please keep only one.",
                    field,
                )
            seen_sign = True
            negative = ch == "-"
        else:
            if seen_currency:
                raise _error(
                    f"金额「{text}」中有多个货币符号，请只保留一个。",
                    f"The amount '{text}' has more than one currency sign; please keep only one.",
                    field,
                )
            seen_currency = True
        rest = rest[1:].lstrip()

    prefix = _NUMBER_PREFIX.match(rest)
    number = prefix.group(0) if prefix else ""
    unit = rest[len(number) :].strip()

    if not any(ch.isdigit() for ch in number):
        if any(ch in _CHINESE_NUMERALS for ch in rest):
            raise _error(
                f"金额「{text}」用了中文数字，请改用阿拉伯数字，例如「一百万」写成「100万」或「1000000」。",
                f"The amount '{text}' uses Chinese numerals; please use Arabic digits, "
                "for example 100万 or 1000000 instead of 一百万.",
                field,
            )
        raise _error(
            f"「{text}」不是一个金额，请填写数字，{_ACCEPTED_ZH}。",
            f"'{text}' is not an amount; please enter a number ({_ACCEPTED_EN}).",
            field,
        )
    if any(ch.isdigit() for ch in unit):
        raise _error(
            f"金额「{text}」混用了多个单位或数字中间夹了文字，含义不明确，请写成一个数，例如「1005000」或「100.5万」。",
            f"The amount '{text}' mixes units or has text inside the number, which is ambiguous; "
            "please write it as one number, for example 1005000 or 100.5万.",
            field,
        )
    if unit not in _UNITS:
        if any(ch in _CHINESE_NUMERALS for ch in unit) and not unit.startswith(("百", "千")):
            raise _error(
                f"金额「{text}」混用了阿拉伯数字和中文数字，请全部使用阿拉伯数字。",
                f"The amount '{text}' mixes Arabic and Chinese numerals; please use Arabic digits only.",
                field,
            )
        raise _error(
            f"金额「{text}」的单位「{unit}」无法识别：只能用 元、万、万元、亿、亿元，或不写单位（按元计）。",
            f"The unit '{unit}' in '{text}' is not recognised: use 元, 万, 万元, 亿 or 亿元, "
            "or no unit (yuan).",
            field,
        )

    if number.count(".") > 1:
        raise _error(
            f"金额「{text}」中有多个小数点，请只保留一个。",
            f"The amount '{text}' has more than one decimal point; please keep only one.",
            field,
        )
    int_part, dot, frac_part = number.partition(".")
    if dot and (not int_part or not frac_part):
        raise _error(
            f"金额「{text}」的小数点前后都要有数字，例如「0.5」「12.00」。",
            f"The amount '{text}' needs digits on both sides of the decimal point, for example 0.5 or 12.00.",
            field,
        )
    if "," in frac_part:
        raise _error(
            f"金额「{text}」的小数部分不能有逗号；千分位逗号只用在整数部分。",
            f"The amount '{text}' has a comma after the decimal point; thousands separators "
            "belong in the whole-number part only.",
            field,
        )
    if "," in int_part:
        if not _GROUPED.fullmatch(int_part):
            raise _error(
                f"金额「{text}」的千分位逗号位置不对：应每三位一个逗号，例如「1,000,000」，也可以不写逗号。",
                f"The thousands separators in '{text}' are misplaced: put a comma every three digits, "
                "as in 1,000,000, or leave the commas out.",
                field,
            )
        int_part = int_part.replace(",", "")

    shift = _UNIT_SHIFT[unit]
    significant_int = int_part.lstrip("0")
    significant_frac = frac_part.rstrip("0")
    if len(significant_int) + shift > _MAX_INT_DIGITS:
        raise _error(
            f"金额「{text}」太大，超过了10^15元（一千万亿元）的上限，请检查是否多写了零或单位写错。",
            f"The amount '{text}' is too large: it exceeds the limit of 10^15 yuan. "
            "Please check for extra zeros or a wrong unit.",
            field,
        )
    if len(significant_frac) > 2 + shift:
        raise _error(
            f"金额「{text}」折算成元后超过两位小数（不足一分），请精确到分。",
            f"The amount '{text}' has more than two decimal places in yuan (a fraction of a fen); "
            "please round it to the fen (0.01 yuan).",
            field,
        )
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        amount = Decimal(f"{int_part or '0'}.{frac_part or '0'}") * _UNITS[unit]
        if negative:
            amount = -amount
    return _check_range(amount, text, field, allow_negative)


def parse_yuan(
    value: str | int | Decimal, *, field: str = "amount", allow_negative: bool = False
) -> Decimal:
    """Read an amount in yuan; return a ``Decimal`` quantised to 0.01.

    Raises ``ValidationError`` (code ``amount_invalid``, reported against ``field``) for
    anything ambiguous: floats, misplaced thousands separators, mixed units, fractions of
    a fen, Chinese numerals, negatives (unless ``allow_negative``), NaN, infinity, and
    amounts above 10^15 yuan.
    """
    if isinstance(value, float):
        raise _error(
            '金额不能以浮点数传入（会丢失精度），请以字符串（如 "2000.50"）或整数传入。',
            "The amount was sent as a floating-point number, which loses precision; please send "
            'it as a string (such as "2000.50") or an integer.',
            field,
        )
    if isinstance(value, bool):
        raise _error(
            "金额不能是真/假值，请填写数字。",
            "The amount cannot be true or false; please send a number.",
            field,
        )
    if isinstance(value, int):
        return _check_range(Decimal(value), str(value), field, allow_negative)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _error(
                f"「{value}」不是一个金额，请填写具体数字。",
                f"'{value}' is not an amount; please send a finite number.",
                field,
            )
        return _check_range(value, str(value), field, allow_negative)
    if isinstance(value, str):
        return _parse_text(value, field, allow_negative)
    raise _error(
        '金额应以字符串（如 "2000.50"）或整数传入。',
        'The amount must be sent as a string (such as "2000.50") or an integer.',
        field,
    )


_ROUNDING = {"half_up": ROUND_HALF_UP, "up": ROUND_UP, "down": ROUND_DOWN}


def quantize_fen(d: Decimal, rounding: Rounding = "half_up") -> Decimal:
    """Round to the fen. ``half_up``: 0.005 → 0.01; ``up``: away from zero; ``down``: toward zero."""
    if not isinstance(d, Decimal) or isinstance(d, bool):
        raise TypeError(f"quantize_fen needs a Decimal, got {type(d).__name__}")
    if not d.is_finite():
        raise ValueError(f"cannot round {d} to the fen")
    if rounding not in _ROUNDING:
        raise ValueError(f"rounding must be one of {sorted(_ROUNDING)}, got {rounding!r}")
    with localcontext() as ctx:
        ctx.prec = max(_PRECISION, d.adjusted() + 10)
        return d.quantize(FEN, rounding=_ROUNDING[rounding])


def _exact_fen(amount: Decimal | int, caller: str) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"{caller} needs a Decimal, got {type(amount).__name__}")
    d = Decimal(amount)
    if not d.is_finite():
        raise ValueError(f"{caller} cannot format {d}")
    q = quantize_fen(d)
    if q != d:
        raise ValueError(
            f"{caller} got {d}, which is not a whole number of fen; round it with quantize_fen first"
        )
    if q.is_zero():
        q = abs(q)
    return q


def _scaled(amount: Decimal, shift: int) -> str:
    """``amount`` / 10^shift with thousands separators, at least two decimals, no trailing zeros beyond."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        scaled = amount.scaleb(-shift).quantize(Decimal(1).scaleb(-(2 + shift)))
        text = f"{scaled:,f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    frac = frac.ljust(2, "0")
    return f"{whole}.{frac}"


def format_yuan(amount: Decimal, unit: YuanUnit = "元") -> str:
    """Write an amount for people: ``1,000,000.00元``, ``100.00万元``, ``1.50亿元``.

    In 万元 and 亿元 as many decimals are shown as the fen needs (``1.234567万元`` for
    12,345.67元), never fewer than two. ``auto`` picks 亿元 from 1亿, 万元 from 1万, else 元.
    """
    q = _exact_fen(amount, "format_yuan")
    if unit == "auto":
        magnitude = abs(q)
        if magnitude >= _UNITS["亿"]:
            unit = "亿元"
        elif magnitude >= _UNITS["万"]:
            unit = "万元"
        else:
            unit = "元"
    if unit == "元":
        return f"{q:,.2f}元"
    if unit == "万元":
        return f"{_scaled(q, 4)}万元"
    if unit == "亿元":
        return f"{_scaled(q, 8)}亿元"
    raise ValueError(f"unit must be one of 元, 万元, 亿元, auto; got {unit!r}")


def format_yuan_plain(amount: Decimal) -> str:
    """Two decimals, no grouping, no unit (``2000.50``): for JSON and CSV."""
    q = _exact_fen(amount, "format_yuan_plain")
    return f"{q:.2f}"
