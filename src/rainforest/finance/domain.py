"""IP-pledge registration rules (知识产权质押登记), pure: no Django.

Patent application numbers (专利申请号) carry a check character; trademark
registration numbers (商标注册号) are plain digits. A loan is inclusive (普惠) when
its amount is at or below the threshold in force (「及以下」 includes the number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan
from rainforest.core.policy import (
    Citation,
    Decision,
    ParameterRegistry,
    ParameterSet,
    Reason,
    decide,
)

SEED_LETTER = "深圳市科技创新局关于市七届人大六次会议第20250968号建议答复的函（2025年10月29日）"

PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name="finance.ip_pledge",
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                # The letter says "2日"; working days is our reading (POLICY.md §5, default).
                "review_time_limit_workdays": 2,
                "inclusive_loan_max": Decimal("20000000.00"),
            },
            citations={
                "review_time_limit_workdays": Citation(SEED_LETTER, "二（二）"),
                "inclusive_loan_max": Citation(SEED_LETTER, "二（二）"),
            },
        ),
    ]
)

IP_KINDS = ("patent", "trademark")
IP_KIND_NAMES = {"patent": ("专利", "patent"), "trademark": ("商标", "trademark")}

# Weights of the application-number check character (国家知识产权局 专利申请号标准 ZC 0006-2003).
_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_PATENT_TYPES = {"1", "2", "3", "8", "9"}


def patent_check_char(digits: str) -> str:
    """The check character of an 8- or 12-digit application number body."""
    total = sum(int(d) * w for d, w in zip(digits, _PATENT_WEIGHTS, strict=False))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


def validate_patent_number(raw: str, *, field: str = "ip_numbers") -> str:
    """Normalise ``ZL 202310123456.7`` to ``202310123456.7`` and check it."""
    text = re.sub(r"\s+", "", raw or "").upper().replace("．", ".")
    text = text.removeprefix("ZL").removeprefix("CN")
    m = re.fullmatch(r"(\d{8}|\d{12})\.?([0-9X])", text)
    if not m:
        raise ValidationError(
            f"专利号“{raw}”格式不对：应为 12 位数字加 1 位校验位，如 202310123456.7",
            f"Patent number {raw!r} is not in the form of 12 digits and a check character, "
            "such as 202310123456.7",
            field=field,
            code="patent_number_invalid",
        )
    body, check = m.groups()
    if len(body) == 12 and body[4] not in _PATENT_TYPES:
        raise ValidationError(
            f"专利号“{raw}”的第 5 位（专利类型）应为 1、2、3、8 或 9",
            f"Patent number {raw!r}: the 5th digit (patent type) must be 1, 2, 3, 8 or 9",
            field=field,
            code="patent_number_invalid",
        )
    if patent_check_char(body) != check:
        raise ValidationError(
            f"专利号“{raw}”的校验位不符，请核对号码",
            f"Patent number {raw!r}: the check character does not match; please check the number",
            field=field,
            code="patent_number_invalid",
        )
    return f"{body}.{check}"


def validate_trademark_number(raw: str, *, field: str = "ip_numbers") -> str:
    text = re.sub(r"\s+", "", raw or "")
    if not re.fullmatch(r"\d{1,10}", text):
        raise ValidationError(
            f"商标注册号“{raw}”应为 1 至 10 位数字",
            f"Trademark registration number {raw!r} must be 1 to 10 digits",
            field=field,
            code="trademark_number_invalid",
        )
    return text


@dataclass(frozen=True)
class IpItem:
    kind: str
    number: str


def parse_ip_items(lines: list[tuple[str, str]], *, field: str = "ip_numbers") -> list[IpItem]:
    """Check each (kind, number); at least one; no number twice."""
    if not lines:
        raise ValidationError(
            "请至少填写一项专利号或商标注册号",
            "Enter at least one patent or trademark number",
            field=field,
            code="ip_required",
        )
    items: list[IpItem] = []
    seen: set[tuple[str, str]] = set()
    for kind, number in lines:
        if kind not in IP_KINDS:
            raise ValidationError(
                f"知识产权类型“{kind}”不可用，应为专利（patent）或商标（trademark）",
                f"IP kind {kind!r} is not one of patent, trademark",
                field=field,
                code="ip_kind_invalid",
            )
        clean = (
            validate_patent_number(number, field=field)
            if kind == "patent"
            else validate_trademark_number(number, field=field)
        )
        if (kind, clean) in seen:
            raise ValidationError(
                f"{IP_KIND_NAMES[kind][0]}号 {clean} 重复填写",
                f"{IP_KIND_NAMES[kind][1]} number {clean} is listed twice",
                field=field,
                code="ip_duplicate",
            )
        seen.add((kind, clean))
        items.append(IpItem(kind, clean))
    return items


def validate_term_months(term: int, *, field: str = "term_months") -> int:
    if not 1 <= term <= 360:
        raise ValidationError(
            "贷款期限应为 1 至 360 个月",
            "The loan term must be 1 to 360 months",
            field=field,
            code="term_invalid",
        )
    return term


def parameters_on(day: date) -> ParameterSet:
    return PARAMETERS.in_force("finance.ip_pledge", day)


def decide_inclusive(loan_amount: Decimal, params: ParameterSet) -> Decision:
    """普惠 when the loan is at or below the threshold (「及以下」 includes it)."""
    limit = params.decimal("inclusive_loan_max")
    amount_text = format_yuan(loan_amount, "万元")
    limit_text = format_yuan(limit, "万元")
    if loan_amount <= limit:
        return decide(
            "inclusive",
            params,
            reasons=[
                Reason(
                    f"贷款金额 {amount_text} 不超过 {limit_text}（含），属普惠贷款",
                    f"The loan of {amount_text} is at or below {limit_text}, so it is inclusive",
                )
            ],
            cite=["inclusive_loan_max"],
            facts={"loan_amount": loan_amount},
        )
    return decide(
        "standard",
        params,
        reasons=[
            Reason(
                f"贷款金额 {amount_text} 超过 {limit_text}，不属普惠贷款",
                f"The loan of {amount_text} is above {limit_text}, so it is not inclusive",
            )
        ],
        cite=["inclusive_loan_max"],
        facts={"loan_amount": loan_amount},
    )


def registration_number(year: int, sequence: int) -> str:
    """知识产权质押登记号, e.g. ZYDJ-2026-000042."""
    return f"ZYDJ-{year}-{sequence:06d}"
