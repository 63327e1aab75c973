"""Unified social credit codes (GB 32100-2015) and resident ID numbers (GB 11643-1999)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rainforest.core.errors import ValidationError
from rainforest.core.ids import (
    RESIDENT_ID_WEIGHTS,
    USCC_ALPHABET,
    USCC_WEIGHTS,
    is_valid_resident_id,
    is_valid_uscc,
    make_resident_id,
    make_uscc,
    normalise_resident_id,
    normalise_uscc,
    resident_id_birth_date,
    resident_id_check_char,
    uscc_check_char,
    validate_resident_id,
    validate_uscc,
)

# The widely published example of a USCC, and the standard example in GB 11643-1999.
PUBLISHED_USCC = "91350100M000100Y43"
STANDARD_ID = "11010519491231002X"


# --- constants ------------------------------------------------------------------------


def test_uscc_weights_match_standard() -> None:
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_uscc_alphabet_excludes_ambiguous_letters() -> None:
    assert USCC_ALPHABET == "0123456789ABCDEFGHJKLMNPQRTUWXY"
    assert len(USCC_ALPHABET) == 31


def test_resident_id_weights_match_standard() -> None:
    assert RESIDENT_ID_WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


# --- USCC: good codes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body17", "expected_check"),
    [
        ("91350100M000100Y4", "3"),
        ("91440300MA5DC1234", "1"),
        ("12100000400000001", "0"),  # sum divisible by 31: check 31 maps to '0'
    ],
)
def test_uscc_check_char_known_bodies(body17: str, expected_check: str) -> None:
    assert uscc_check_char(body17) == expected_check


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (PUBLISHED_USCC, PUBLISHED_USCC),
        (" 91350100m000100y43 ", PUBLISHED_USCC),
        ("9135 0100 M000 100Y 43", PUBLISHED_USCC),
        ("91350100M000100Y43\u3000", PUBLISHED_USCC),
        ("\ufeff91350100M000100Y43\u200b", PUBLISHED_USCC),
        ("\t91350100M000100Y43\n", PUBLISHED_USCC),
        ("９１３５０１００Ｍ０００１００Ｙ４３", PUBLISHED_USCC),
        ("９１３５０１００ｍ０００１００ｙ４３", PUBLISHED_USCC),
        ("91440300MA5DC12341", "91440300MA5DC12341"),
        ("121000004000000010", "121000004000000010"),
    ],
)
def test_validate_uscc_accepts_and_normalises(raw: str, expected: str) -> None:
    assert validate_uscc(raw) == expected
    assert is_valid_uscc(raw) is True


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ab c\u3000d ", "ABCD"),
        ("ＡＢＣ１２３", "ABC123"),
        ("", ""),
    ],
)
def test_normalise_uscc_strips_and_upper_cases(raw: str, expected: str) -> None:
    assert normalise_uscc(raw) == expected


def test_make_uscc_appends_check_char() -> None:
    assert make_uscc("91350100M000100Y4") == PUBLISHED_USCC


def test_make_uscc_normalises_body() -> None:
    assert make_uscc(" 91350100m000100y4") == PUBLISHED_USCC


@pytest.mark.parametrize("body", ["", "91350100M000100Y", "91350100M000100Y43"])
def test_uscc_check_char_wrong_length_raises(body: str) -> None:
    with pytest.raises(ValueError, match="exactly 17 characters"):
        uscc_check_char(body)


def test_uscc_check_char_illegal_character_raises() -> None:
    with pytest.raises(ValueError, match="not in the USCC alphabet"):
        uscc_check_char("91350100I000100Y4")


# --- USCC: bad codes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected_zh"),
    [
        ("", "请填写统一社会信用代码（18位，见营业执照）。"),
        ("   ", "请填写统一社会信用代码（18位，见营业执照）。"),
        (
            "91350100M000100Y4",
            "统一社会信用代码应为18位，您填写的是17位，请对照营业执照核对。",
        ),
        (
            "91350100M000100Y433",
            "统一社会信用代码应为18位，您填写的是19位，请对照营业执照核对。",
        ),
        (
            "91350100I000100Y43",
            "第9位的字符「I」不能出现在统一社会信用代码中：统一社会信用代码不使用字母I"
            "（I、O、Z、S、V均不使用），可能是数字误写成了字母。请核对后重新填写。",
        ),
        (
            "9135010OM000100Y43",
            "第8位的字符「O」不能出现在统一社会信用代码中：统一社会信用代码不使用字母O"
            "（I、O、Z、S、V均不使用），可能是数字误写成了字母。请核对后重新填写。",
        ),
        (
            "91350100M000100Y4-",
            "第18位的字符「-」不能出现在统一社会信用代码中：统一社会信用代码只由数字0–9和大写字母"
            "（不含I、O、Z、S、V）组成。请核对后重新填写。",
        ),
        (
            "91350100M000100Y44",
            "统一社会信用代码的校验位（第18位）与前17位不符，请核对是否有字符抄错。",
        ),
        (
            "91350100M000101Y43",
            "统一社会信用代码的校验位（第18位）与前17位不符，请核对是否有字符抄错。",
        ),
    ],
)
def test_validate_uscc_rejects_with_specific_message(raw: str, expected_zh: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_uscc(raw)
    assert caught.value.message_zh == expected_zh
    assert caught.value.code == "uscc_invalid"
    assert caught.value.field == "uscc"
    assert is_valid_uscc(raw) is False


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_validate_uscc_excluded_letter_names_it(letter: str) -> None:
    raw = "9" + letter + PUBLISHED_USCC[2:]
    with pytest.raises(ValidationError) as caught:
        validate_uscc(raw)
    assert caught.value.message_en == (
        f"The 2nd character '{letter}' cannot appear in a unified social credit code: "
        f"the code never uses the letter {letter} (I, O, Z, S and V are not used); "
        "a digit may have been typed as a letter. Please check and re-enter it."
    )


def test_validate_uscc_check_mismatch_english_message() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_uscc("91350100M000100Y44")
    assert caught.value.message_en == (
        "The check character (the 18th) does not match the first 17 characters; "
        "please check the code for a mistyped character."
    )


def test_validate_uscc_reports_given_field() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_uscc("123", field="supplier_uscc")
    assert caught.value.field == "supplier_uscc"


def test_validate_uscc_non_string_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_uscc(913501001234567890)  # type: ignore[arg-type]
    assert caught.value.code == "uscc_invalid"


@pytest.mark.parametrize("position", range(18))
def test_validate_uscc_published_example_single_substitution_fails(position: int) -> None:
    original = PUBLISHED_USCC[position]
    replacement = USCC_ALPHABET[(USCC_ALPHABET.index(original) + 1) % 31]
    mutated = PUBLISHED_USCC[:position] + replacement + PUBLISHED_USCC[position + 1 :]
    assert is_valid_uscc(mutated) is False


uscc_bodies = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(body=uscc_bodies)
def test_make_uscc_any_body_validates(body: str) -> None:
    code = make_uscc(body)
    assert validate_uscc(code) == code
    assert code[:17] == body


@given(
    body=uscc_bodies,
    position=st.integers(min_value=0, max_value=17),
    shift=st.integers(min_value=1, max_value=30),
)
def test_make_uscc_any_single_substitution_fails(body: str, position: int, shift: int) -> None:
    code = make_uscc(body)
    replacement = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + shift) % 31]
    mutated = code[:position] + replacement + code[position + 1 :]
    assert is_valid_uscc(mutated) is False


@given(body=uscc_bodies)
def test_validate_uscc_lower_case_and_spaces_normalise(body: str) -> None:
    code = make_uscc(body)
    messy = " " + " ".join(code[i : i + 4] for i in range(0, 18, 4)).lower() + "\u3000"
    assert validate_uscc(messy) == code


# --- resident ID: good numbers --------------------------------------------------------


@pytest.mark.parametrize(
    ("body17", "expected_check"),
    [
        ("11010519491231002", "X"),
        ("44030420000229123", "6"),
        ("11010119800101001", "0"),
    ],
)
def test_resident_id_check_char_known_bodies(body17: str, expected_check: str) -> None:
    assert resident_id_check_char(body17) == expected_check


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (STANDARD_ID, STANDARD_ID),
        ("11010519491231002x", STANDARD_ID),
        (" 110105 19491231 002x ", STANDARD_ID),
        ("１１０１０５１９４９１２３１００２Ｘ", STANDARD_ID),
        ("11010519491231002ｘ\u3000", STANDARD_ID),
        ("440304200002291236", "440304200002291236"),  # 29 February in a leap year
        ("110101198001010010", "110101198001010010"),
    ],
)
def test_validate_resident_id_accepts_and_normalises(raw: str, expected: str) -> None:
    assert validate_resident_id(raw) == expected
    assert is_valid_resident_id(raw) is True


def test_normalise_resident_id_upper_cases_x() -> None:
    assert normalise_resident_id(" 11010519491231002x") == STANDARD_ID


def test_make_resident_id_appends_check_char() -> None:
    assert make_resident_id("11010519491231002") == STANDARD_ID


def test_make_resident_id_rejects_impossible_date() -> None:
    with pytest.raises(ValueError, match="not a real date"):
        make_resident_id("11010519490229002")


@pytest.mark.parametrize("body", ["1101051949123100", "110105194912310021", "1101051949123100X"])
def test_resident_id_check_char_rejects_non_17_digits(body: str) -> None:
    with pytest.raises(ValueError, match="exactly 17 digits"):
        resident_id_check_char(body)


def test_resident_id_birth_date_reads_positions_7_to_14() -> None:
    assert resident_id_birth_date(STANDARD_ID) == date(1949, 12, 31)


# --- resident ID: bad numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected_zh"),
    [
        ("", "请填写18位居民身份证号码。"),
        (
            "11010519491231002",
            "居民身份证号码应为18位，您填写的是17位。请对照身份证核对。",
        ),
        (
            "11010519491231002X1",
            "居民身份证号码应为18位，您填写的是19位。请对照身份证核对。",
        ),
        (
            "110105491231002",
            "居民身份证号码应为18位，您填写的是15位；15位的第一代身份证号码不再受理，"
            "请填写第二代身份证上的18位号码。请对照身份证核对。",
        ),
        (
            "1101051949123100XX",
            "身份证号码第17位的「X」不正确：前17位只能是数字。请核对后重新填写。",
        ),
        (
            "11010519491231002Y",
            "身份证号码第18位的「Y」不正确：最后一位只能是数字或X。请核对后重新填写。",
        ),
        (
            "110105194902290028",
            "身份证号码第7至14位应为出生日期（年月日），「19490229」不是有效日期，请核对。",
        ),
        (
            "110105194913010023",
            "身份证号码第7至14位应为出生日期（年月日），「19491301」不是有效日期，请核对。",
        ),
        (
            "11010519491231002Y"[:17] + "1",
            "身份证号码的校验位（第18位）与前17位不符，请核对是否有数字抄错。",
        ),
    ],
)
def test_validate_resident_id_rejects_with_specific_message(raw: str, expected_zh: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_resident_id(raw)
    assert caught.value.message_zh == expected_zh
    assert caught.value.code == "id_number_invalid"
    assert caught.value.field == "id_number"
    assert is_valid_resident_id(raw) is False


@pytest.mark.parametrize(
    ("yyyymmdd", "valid"),
    [
        ("20000229", True),  # divisible by 400: leap
        ("19000229", False),  # divisible by 100 only: not leap
        ("20240229", True),
        ("20230229", False),
        ("20231231", True),
        ("20231232", False),
        ("20230430", True),
        ("20230431", False),
        ("20230101", True),
        ("20230100", False),
        ("20231201", True),
        ("20231301", False),
        ("20230001", False),
    ],
)
def test_validate_resident_id_birth_date_boundaries(yyyymmdd: str, valid: bool) -> None:
    body = "110105" + yyyymmdd + "002"
    raw = body + resident_id_check_char(body)
    assert is_valid_resident_id(raw) is valid


@pytest.mark.parametrize(
    ("today", "valid"),
    [
        (date(1949, 12, 30), False),
        (date(1949, 12, 31), True),
        (date(1950, 1, 1), True),
    ],
)
def test_validate_resident_id_future_birth_date_rejected_when_today_given(
    today: date, valid: bool
) -> None:
    if valid:
        assert validate_resident_id(STANDARD_ID, today=today) == STANDARD_ID
    else:
        with pytest.raises(ValidationError) as caught:
            validate_resident_id(STANDARD_ID, today=today)
        assert caught.value.message_en == (
            "The date of birth in the ID number, 1949-12-31, is after today; "
            "please check characters 7 to 14."
        )


def test_validate_resident_id_reports_given_field() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_resident_id("123", field="legal_rep_id")
    assert caught.value.field == "legal_rep_id"


@pytest.mark.parametrize("position", range(18))
def test_validate_resident_id_standard_example_single_substitution_fails(position: int) -> None:
    original = STANDARD_ID[position]
    replacement = "0" if original == "X" else str((int(original) + 1) % 10)
    mutated = STANDARD_ID[:position] + replacement + STANDARD_ID[position + 1 :]
    assert is_valid_resident_id(mutated) is False


@st.composite
def resident_id_bodies(draw: st.DrawFn) -> str:
    region = draw(st.integers(min_value=110000, max_value=829999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return f"{region:06d}{born:%Y%m%d}{sequence:03d}"


@given(body=resident_id_bodies())
def test_make_resident_id_any_body_validates(body: str) -> None:
    number = make_resident_id(body)
    assert validate_resident_id(number) == number
    assert validate_resident_id(number.lower()) == number


@given(
    body=resident_id_bodies(),
    position=st.integers(min_value=0, max_value=17),
    shift=st.integers(min_value=1, max_value=9),
)
def test_make_resident_id_any_single_substitution_fails(
    body: str, position: int, shift: int
) -> None:
    number = make_resident_id(body)
    digits = "0123456789X" if position == 17 else "0123456789"
    replacement = digits[(digits.index(number[position]) + shift) % len(digits)]
    mutated = number[:position] + replacement + number[position + 1 :]
    assert is_valid_resident_id(mutated) is False
