"""Identifiers people type: the unified social credit code and the resident ID number.

统一社会信用代码 follows GB 32100-2015: 17 characters from a 31-character alphabet and a
check character computed modulo 31. 居民身份证号码 follows GB 11643-1999: 17 digits,
of which positions 7–14 are the date of birth, and a check character computed modulo 11.

Input is normalised first (spaces of any width removed, full-width characters turned
into their half-width forms, letters upper-cased), so a code pasted from a Word document
or typed with a Chinese input method still validates.
"""

from __future__ import annotations

from datetime import date

from rainforest.core.errors import ValidationError

__all__ = [
    "RESIDENT_ID_WEIGHTS",
    "USCC_ALPHABET",
    "USCC_WEIGHTS",
    "is_valid_resident_id",
    "is_valid_uscc",
    "make_resident_id",
    "make_uscc",
    "normalise_resident_id",
    "normalise_uscc",
    "resident_id_birth_date",
    "resident_id_check_char",
    "uscc_check_char",
    "validate_resident_id",
    "validate_uscc",
]

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
_USCC_EXCLUDED = "IOZSV"

RESIDENT_ID_WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
_RESIDENT_ID_CHECK = "10X98765432"
_DIGITS = "0123456789"

# Characters that copy and paste leave behind but that are not whitespace to Python.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")


def _halfwidth(raw: str) -> str:
    """Full-width ASCII forms (Ａ, １, －) become their ASCII counterparts."""
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


def _normalise(raw: str) -> str:
    text = _halfwidth(raw)
    return "".join(ch for ch in text if not ch.isspace() and ch not in _INVISIBLE).upper()


def _position_zh(index: int) -> str:
    return f"第{index + 1}位"


def _ordinal_en(index: int) -> str:
    n = index + 1
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- 统一社会信用代码 -----------------------------------------------------------------


def normalise_uscc(raw: str) -> str:
    """Remove all whitespace (full-width too), turn full-width characters half-width, upper-case."""
    return _normalise(raw)


def uscc_check_char(body17: str) -> str:
    """The check character for the first 17 characters of a code (already normalised)."""
    if len(body17) != 17:
        raise ValueError(f"uscc_check_char needs exactly 17 characters, got {len(body17)}")
    total = 0
    for index, ch in enumerate(body17):
        value = USCC_ALPHABET.find(ch)
        if value < 0:
            raise ValueError(f"{ch!r} at position {index + 1} is not in the USCC alphabet")
        total += value * USCC_WEIGHTS[index]
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(body17: str) -> str:
    """Append the check character to 17 characters (for factories and demo data)."""
    body = normalise_uscc(body17)
    return body + uscc_check_char(body)


def _uscc_error(message_zh: str, message_en: str, field: str) -> ValidationError:
    return ValidationError(message_zh, message_en, field=field, code="uscc_invalid")


def validate_uscc(raw: str, *, field: str = "uscc") -> str:
    """Return the normalised code, or raise ``ValidationError`` (code ``uscc_invalid``)."""
    if not isinstance(raw, str):
        raise _uscc_error(
            "统一社会信用代码应以文字形式填写（18位数字和大写字母）。",
            "The unified social credit code must be sent as text (18 digits and capital letters).",
            field,
        )
    code = normalise_uscc(raw)
    if not code:
        raise _uscc_error(
            "请填写统一社会信用代码（18位，见营业执照）。",
            "Please enter the unified social credit code (18 characters, printed on the business licence).",
            field,
        )
    if len(code) != 18:
        raise _uscc_error(
            f"统一社会信用代码应为18位，您填写的是{len(code)}位，请对照营业执照核对。",
            f"A unified social credit code has 18 characters; this one has {len(code)}. "
            "Please check it against the business licence.",
            field,
        )
    for index, ch in enumerate(code):
        if ch in USCC_ALPHABET:
            continue
        if ch in _USCC_EXCLUDED:
            zh_hint = (
                f"统一社会信用代码不使用字母{ch}（I、O、Z、S、V均不使用），可能是数字误写成了字母"
            )
            en_hint = (
                f"the code never uses the letter {ch} (I, O, Z, S and V are not used); "
                "a digit may have been typed as a letter"
            )
        else:
            zh_hint = "统一社会信用代码只由数字0–9和大写字母（不含I、O、Z、S、V）组成"
            en_hint = (
                "the code contains only digits 0–9 and capital letters other than I, O, Z, S and V"
            )
        raise _uscc_error(
            f"{_position_zh(index)}的字符「{ch}」不能出现在统一社会信用代码中：{zh_hint}。请核对后重新填写。",
            f"The {_ordinal_en(index)} character '{ch}' cannot appear in a unified social credit code: "
            f"{en_hint}. Please check and re-enter it.",
            field,
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise _uscc_error(
            "统一社会信用代码的校验位（第18位）与前17位不符，请核对是否有字符抄错。",
            "The check character (the 18th) does not match the first 17 characters; "
            "please check the code for a mistyped character.",
            field,
        )
    return code


def is_valid_uscc(raw: str) -> bool:
    try:
        validate_uscc(raw)
    except ValidationError:
        return False
    return True


# --- 居民身份证号码 -------------------------------------------------------------------


def normalise_resident_id(raw: str) -> str:
    """Remove all whitespace (full-width too), turn full-width characters half-width, upper-case x."""
    return _normalise(raw)


def resident_id_check_char(body17: str) -> str:
    """The check character ('0'–'9' or 'X') for the first 17 digits."""
    if len(body17) != 17 or any(ch not in _DIGITS for ch in body17):
        raise ValueError("resident_id_check_char needs exactly 17 digits")
    total = sum(int(ch) * weight for ch, weight in zip(body17, RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK[total % 11]


def _birth_date(digits8: str) -> date | None:
    try:
        return date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None


def make_resident_id(body17: str) -> str:
    """Append the check character to 17 digits whose positions 7–14 are a real date."""
    body = normalise_resident_id(body17)
    check = resident_id_check_char(body)
    if _birth_date(body[6:14]) is None:
        raise ValueError(f"positions 7-14 of {body!r} are not a real date (YYYYMMDD)")
    return body + check


def _id_error(message_zh: str, message_en: str, field: str) -> ValidationError:
    return ValidationError(message_zh, message_en, field=field, code="id_number_invalid")


def validate_resident_id(raw: str, *, field: str = "id_number", today: date | None = None) -> str:
    """Return the normalised number, or raise ``ValidationError`` (code ``id_number_invalid``).

    Pass ``today`` to also refuse a date of birth in the future (the core reads no clock).
    """
    if not isinstance(raw, str):
        raise _id_error(
            "身份证号码应以文字形式填写（18位，最后一位可以是X）。",
            "The ID number must be sent as text (18 characters; the last may be X).",
            field,
        )
    number = normalise_resident_id(raw)
    if not number:
        raise _id_error(
            "请填写18位居民身份证号码。",
            "Please enter the 18-character resident ID number.",
            field,
        )
    if len(number) != 18:
        extra_zh = (
            "；15位的第一代身份证号码不再受理，请填写第二代身份证上的18位号码"
            if len(number) == 15
            else ""
        )
        extra_en = (
            "; 15-digit first-generation numbers are no longer accepted, please use the "
            "18-character number on the second-generation card"
            if len(number) == 15
            else ""
        )
        raise _id_error(
            f"居民身份证号码应为18位，您填写的是{len(number)}位{extra_zh}。请对照身份证核对。",
            f"A resident ID number has 18 characters; this one has {len(number)}{extra_en}. "
            "Please check it against the ID card.",
            field,
        )
    for index, ch in enumerate(number):
        if ch in _DIGITS or (index == 17 and ch == "X"):
            continue
        rule_zh = "最后一位只能是数字或X" if index == 17 else "前17位只能是数字"
        rule_en = (
            "the last character may only be a digit or X"
            if index == 17
            else "the first 17 characters must be digits"
        )
        raise _id_error(
            f"身份证号码{_position_zh(index)}的「{ch}」不正确：{rule_zh}。请核对后重新填写。",
            f"The {_ordinal_en(index)} character '{ch}' of the ID number is wrong: {rule_en}. "
            "Please check and re-enter it.",
            field,
        )
    born = _birth_date(number[6:14])
    if born is None:
        raise _id_error(
            f"身份证号码第7至14位应为出生日期（年月日），「{number[6:14]}」不是有效日期，请核对。",
            f"Characters 7 to 14 of the ID number are the date of birth (YYYYMMDD); "
            f"'{number[6:14]}' is not a real date. Please check them.",
            field,
        )
    if today is not None and born > today:
        raise _id_error(
            f"身份证号码中的出生日期 {born.isoformat()} 晚于今天，请核对第7至14位。",
            f"The date of birth in the ID number, {born.isoformat()}, is after today; "
            "please check characters 7 to 14.",
            field,
        )
    if resident_id_check_char(number[:17]) != number[17]:
        raise _id_error(
            "身份证号码的校验位（第18位）与前17位不符，请核对是否有数字抄错。",
            "The check character (the 18th) does not match the first 17 digits; "
            "please check the number for a mistyped digit.",
            field,
        )
    return number


def is_valid_resident_id(raw: str) -> bool:
    try:
        validate_resident_id(raw)
    except ValidationError:
        return False
    return True


def resident_id_birth_date(raw: str) -> date:
    """The date of birth in a valid ID number (raises ``ValidationError`` if not valid)."""
    number = validate_resident_id(raw)
    born = _birth_date(number[6:14])
    assert born is not None  # validate_resident_id checked it
    return born
