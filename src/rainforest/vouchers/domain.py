"""AI vouchers (训力券 / 模型券 / 语料券), pure: parameters, eligibility, redemption, flags.

Three kinds of voucher pay part of what an enterprise spends on compute for training and
inference (训力券, ``compute``), on model services (模型券, ``model``) and on corpora
(语料券, ``corpus``), within a yearly budget per kind. This module holds the rules; the
money itself moves on the ledger (``rainforest.ledger``), and the account codes it uses
are named here so that every layer agrees on them.

Chinese legal usage (POLICY.md): 「以上」「以下」「以内」 include the number, 「超过」
excludes it. So the per-enterprise cap is reached, not exceeded, by a voucher that brings
the year's total exactly to it; a shareholder holding exactly 25% does not hold 「超过25%」.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan, quantize_fen
from rainforest.core.policy import (
    Citation,
    Decision,
    ParameterRegistry,
    ParameterSet,
    Reason,
    decide,
)

__all__ = [
    "FUNDING_ACCOUNT",
    "PARAMETERS",
    "PLATFORM_DEFAULT",
    "SEED_LETTER",
    "TYPE_NAMES",
    "TYPE_PREFIX",
    "VOUCHER_TYPES",
    "EligibilityFacts",
    "Flag",
    "Holder",
    "IssuedVoucher",
    "Party",
    "RedemptionQuote",
    "RuleResult",
    "budget_account",
    "decide_eligibility",
    "expires_on",
    "invoice_flags",
    "is_expired",
    "near_cap_flags",
    "normalise_invoice_number",
    "paid_account",
    "parameters_on",
    "parse_holders",
    "quote_redemption",
    "receivable_account",
    "validate_voucher_type",
    "voucher_account",
    "voucher_number",
    "yearly_budget",
    "yearly_cap",
]

SEED_LETTER = "深圳市科技创新局关于市七届人大六次会议第20250968号建议答复的函（2025年10月29日）"
# The letter's answer to part two, (一), third point: 「每年发放5亿元“训力券”、1亿元“模型券”、
# 5000万元“语料券”」.
SEED_ARTICLE = "二（一）三是"
PLATFORM_DEFAULT = "科创雨林平台默认参数（管理员可调整）"
# 失信被执行人 are barred from government subsidy funds under the joint-punishment memorandum.
JOINT_PUNISHMENT = "关于对失信被执行人实施联合惩戒的合作备忘录（发改财金〔2016〕141号）"

VOUCHER_TYPES = ("compute", "model", "corpus")
TYPE_NAMES: Mapping[str, tuple[str, str]] = {
    "compute": ("训力券", "compute voucher"),
    "model": ("模型券", "model voucher"),
    "corpus": ("语料券", "corpus voucher"),
}
# Voucher numbers: 训力券 XLQ, 模型券 MXQ, 语料券 YLQ (the pinyin initials).
TYPE_PREFIX: Mapping[str, str] = {"compute": "XLQ", "model": "MXQ", "corpus": "YLQ"}

FUNDING_ACCOUNT = "vouchers:funding"


def _default(article: str) -> Citation:
    return Citation(PLATFORM_DEFAULT, article)


PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name="vouchers",
            version="2025.1",
            effective_from=date(2025, 1, 1),
            effective_to=None,
            values={
                "budget_compute": Decimal("500000000.00"),
                "budget_model": Decimal("100000000.00"),
                "budget_corpus": Decimal("50000000.00"),
                # The voucher pays this share of an eligible invoice.
                "subsidy_share": Decimal("0.50"),
                # Face value issued to one enterprise per kind and year, at most (含本数).
                "cap_compute": Decimal("10000000.00"),
                "cap_model": Decimal("2000000.00"),
                "cap_corpus": Decimal("2000000.00"),
                # Related parties: a shared shareholder holding 「超过」 this percentage.
                "related_share_percent": Decimal("25"),
                # Registered in the city: the administrative-division code in characters
                # 3 to 8 of the USCC (GB 32100-2015) starts with this (4403: 深圳市).
                "city_division_prefix": "4403",
                "city_name": "深圳市",
                "dishonest_excluded": True,
                "validity_days": 365,
                "review_time_limit_workdays": 10,
                "provider_review_time_limit_workdays": 10,
                "flag_expiry_window_days": 7,
                "flag_round_unit": Decimal("10000.00"),
                "flag_near_cap_min_vouchers": 3,
                "flag_near_cap_share": Decimal("0.90"),
            },
            citations={
                "budget_compute": Citation(SEED_LETTER, SEED_ARTICLE),
                "budget_model": Citation(SEED_LETTER, SEED_ARTICLE),
                "budget_corpus": Citation(SEED_LETTER, SEED_ARTICLE),
                "subsidy_share": _default("补贴比例"),
                "cap_compute": _default("单个企业年度额度上限"),
                "cap_model": _default("单个企业年度额度上限"),
                "cap_corpus": _default("单个企业年度额度上限"),
                "related_share_percent": _default("关联方认定：共同股东持股比例"),
                "city_division_prefix": _default("注册地：统一社会信用代码行政区划码"),
                "city_name": _default("注册地：统一社会信用代码行政区划码"),
                "dishonest_excluded": Citation(JOINT_PUNISHMENT, "限制政府补贴性资金支持"),
                "validity_days": _default("券的有效期"),
                "review_time_limit_workdays": _default("申领审核时限"),
                "provider_review_time_limit_workdays": _default("服务商登记审核时限"),
                "flag_expiry_window_days": _default("监管提示：临近到期的发票"),
                "flag_round_unit": _default("监管提示：整数金额发票"),
                "flag_near_cap_min_vouchers": _default("监管提示：同一服务商多张接近上限的券"),
                "flag_near_cap_share": _default("监管提示：同一服务商多张接近上限的券"),
            },
        ),
    ]
)


def parameters_on(day: date) -> ParameterSet:
    return PARAMETERS.in_force("vouchers", day)


def validate_voucher_type(value: str, *, field: str = "voucher_type") -> str:
    if value not in VOUCHER_TYPES:
        raise ValidationError(
            f"券种「{value}」无法识别，应为 compute（训力券）、model（模型券）或 corpus（语料券）。",
            f"The voucher type '{value}' is not recognised; use compute, model or corpus.",
            field=field,
            code="voucher_type_invalid",
        )
    return value


def yearly_budget(voucher_type: str, params: ParameterSet) -> Decimal:
    return params.decimal(f"budget_{validate_voucher_type(voucher_type)}")


def yearly_cap(voucher_type: str, params: ParameterSet) -> Decimal:
    return params.decimal(f"cap_{validate_voucher_type(voucher_type)}")


def _type_zh(voucher_type: str) -> str:
    return TYPE_NAMES[voucher_type][0]


def _type_en(voucher_type: str) -> str:
    return TYPE_NAMES[voucher_type][1]


# --- account codes and numbers ----------------------------------------------------------


def budget_account(voucher_type: str, year: int) -> str:
    """The year's budget of one kind of voucher (预算), e.g. ``vouchers:budget:compute:2026``."""
    return f"vouchers:budget:{validate_voucher_type(voucher_type)}:{year}"


def voucher_account(number: str) -> str:
    """One voucher's remaining value (券余额)."""
    return f"vouchers:voucher:{number}"


def receivable_account(provider_uscc: str) -> str:
    """What the city owes a provider for confirmed redemptions (应收)."""
    return f"vouchers:receivable:{provider_uscc}"


def paid_account(provider_uscc: str) -> str:
    """What has been settled and paid to a provider (已结算)."""
    return f"vouchers:paid:{provider_uscc}"


def voucher_number(voucher_type: str, year: int, sequence: int) -> str:
    """券号, e.g. XLQ-2026-000042."""
    return f"{TYPE_PREFIX[validate_voucher_type(voucher_type)]}-{year}-{sequence:06d}"


def expires_on(issued_on: date, params: ParameterSet) -> date:
    """The last day the voucher can pay for a service: ``validity_days`` after issue."""
    return issued_on + timedelta(days=params.integer("validity_days"))


def is_expired(expiry: date, today: date) -> bool:
    """Usable through its expiry date, expired from the day after."""
    return today > expiry


# --- parties ------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


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


def _name_key(name: str) -> str:
    """Names compared as people write them: without spaces, half-width, upper case."""
    return _SPACES.sub("", _halfwidth(name)).upper()


@dataclass(frozen=True)
class Holder:
    """A shareholder (股东): a person's or organisation's name (or USCC) and a percentage."""

    name: str
    percent: Decimal


@dataclass(frozen=True)
class Party:
    """An enterprise or a provider, as the related-party rule sees it."""

    uscc: str
    name: str
    legal_representative: str
    holders: tuple[Holder, ...] = ()


def parse_holders(
    lines: Iterable[tuple[str, str | Decimal | int]], *, field: str = "shareholders"
) -> tuple[Holder, ...]:
    """Check shareholders given as (name, percent): a name, 0 < percent <= 100, total <= 100."""
    holders: list[Holder] = []
    seen: set[str] = set()
    for name, raw in lines:
        clean = _SPACES.sub(" ", _halfwidth(str(name))).strip()
        if not clean or len(clean) > 200:
            raise ValidationError(
                "请填写股东名称（不超过200个字）。",
                "Enter the shareholder's name (at most 200 characters).",
                field=field,
                code="holder_name_invalid",
            )
        try:
            percent = Decimal(str(raw).strip().rstrip("%％"))
        except ArithmeticError:
            percent = Decimal("NaN")
        if not percent.is_finite() or not Decimal(0) < percent <= Decimal(100):
            raise ValidationError(
                f"股东「{clean}」的持股比例「{raw}」应为大于0、不超过100的百分数，例如 25.5。",
                f"The share of '{clean}' ('{raw}') must be a percentage above 0 and at most 100, "
                "such as 25.5.",
                field=field,
                code="holder_percent_invalid",
            )
        if percent != percent.quantize(Decimal("0.01")):
            raise ValidationError(
                f"股东「{clean}」的持股比例最多保留两位小数。",
                f"The share of '{clean}' may have at most two decimal places.",
                field=field,
                code="holder_percent_invalid",
            )
        key = _name_key(clean)
        if key in seen:
            raise ValidationError(
                f"股东「{clean}」重复填写，请合并为一行。",
                f"The shareholder '{clean}' is listed twice; combine the lines.",
                field=field,
                code="holder_duplicate",
            )
        seen.add(key)
        holders.append(Holder(clean, percent))
    total = sum((h.percent for h in holders), Decimal(0))
    if total > 100:
        raise ValidationError(
            f"股东持股比例合计为 {total}%，超过了100%。",
            f"The shareholders' percentages add up to {total}%, more than 100%.",
            field=field,
            code="holders_over_100",
        )
    return tuple(holders)


# --- eligibility --------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityFacts:
    """What the eligibility rules look at for one application."""

    voucher_type: str
    year: int
    amount: Decimal
    enterprise: Party
    provider: Party
    on_dishonest_list: bool
    # Face value of this kind already issued to the enterprise in ``year``.
    issued_this_year: Decimal


@dataclass(frozen=True)
class RuleResult:
    code: str
    passed: bool
    reason: Reason
    cite: tuple[str, ...]


def rule_registered_in_city(uscc: str, params: ParameterSet) -> RuleResult:
    """Characters 3 to 8 of the USCC are the registering authority's division code."""
    prefix = str(params.value("city_division_prefix"))
    city = str(params.value("city_name"))
    division = uscc[2:8]
    cite = ("city_division_prefix",)
    if division.startswith(prefix):
        return RuleResult(
            "registered_in_city",
            True,
            Reason(
                f"统一社会信用代码的登记管理机关行政区划码为 {division}，属于{city}（{prefix}），注册地符合要求。",
                f"The division code in the credit code is {division}, within {prefix}: "
                "registered in the city.",
            ),
            cite,
        )
    return RuleResult(
        "registered_in_city",
        False,
        Reason(
            f"统一社会信用代码的登记管理机关行政区划码为 {division}，不属于{city}（{prefix}开头），"
            f"只有在{city}注册的企业可以申领。",
            f"The division code in the credit code is {division}, not within {prefix}: only "
            "enterprises registered in the city may apply.",
        ),
        cite,
    )


def rule_not_dishonest(on_list: bool, params: ParameterSet) -> RuleResult:
    cite = ("dishonest_excluded",)
    if on_list and params.value("dishonest_excluded"):
        return RuleResult(
            "not_dishonest",
            False,
            Reason(
                "企业在失信被执行人名单中，不能申领。",
                "The enterprise is on the list of dishonest judgment debtors and may not apply.",
            ),
            cite,
        )
    return RuleResult(
        "not_dishonest",
        True,
        Reason(
            "企业不在失信被执行人名单中。",
            "The enterprise is not on the list of dishonest judgment debtors.",
        ),
        cite,
    )


def _related_because(enterprise: Party, provider: Party, threshold: Decimal) -> list[Reason]:
    found: list[Reason] = []
    e_rep, p_rep = (
        _name_key(enterprise.legal_representative),
        _name_key(provider.legal_representative),
    )
    if e_rep and e_rep == p_rep:
        found.append(
            Reason(
                f"企业与服务商的法定代表人相同（{enterprise.legal_representative}）。",
                "The enterprise and the provider have the same legal representative "
                f"({enterprise.legal_representative}).",
            )
        )
    e_holders = {_name_key(h.name): h for h in enterprise.holders}
    p_holders = {_name_key(h.name): h for h in provider.holders}
    for key in sorted(e_holders.keys() & p_holders.keys()):
        e, p = e_holders[key], p_holders[key]
        if e.percent > threshold or p.percent > threshold:
            found.append(
                Reason(
                    f"股东「{e.name}」同时持有企业 {e.percent}% 和服务商 {p.percent}% 的股份，"
                    f"其中持股超过 {threshold}%。",
                    f"Shareholder '{e.name}' holds {e.percent}% of the enterprise and "
                    f"{p.percent}% of the provider, more than {threshold}% in at least one.",
                )
            )
    # One holding the other directly, named by name or by credit code.
    for owner, owned in ((provider, enterprise), (enterprise, provider)):
        names = {_name_key(owner.name), _name_key(owner.uscc)}
        for h in owned.holders:
            if _name_key(h.name) in names and h.percent > threshold:
                found.append(
                    Reason(
                        f"「{owner.name}」直接持有「{owned.name}」{h.percent}% 的股份，超过 {threshold}%。",
                        f"'{owner.name}' holds {h.percent}% of '{owned.name}' directly, more than "
                        f"{threshold}%.",
                    )
                )
    return found


def rule_not_related(enterprise: Party, provider: Party, params: ParameterSet) -> RuleResult:
    """Related: the same legal representative, or a shared shareholder holding more than the
    threshold of either (「超过」: exactly the threshold is not more), or one holding the other."""
    threshold = params.decimal("related_share_percent")
    cite = ("related_share_percent",)
    if enterprise.uscc and enterprise.uscc == provider.uscc:
        return RuleResult(
            "not_related",
            False,
            Reason(
                "企业不能向自己申领服务券。",
                "An enterprise cannot use a voucher with itself as the provider.",
            ),
            cite,
        )
    because = _related_because(enterprise, provider, threshold)
    if because:
        return RuleResult(
            "not_related",
            False,
            Reason(
                "企业与服务商存在关联关系，不能使用券向关联方购买服务："
                + "".join(r.zh for r in because),
                "The enterprise and the provider are related parties, and a voucher cannot pay a "
                "related party: " + " ".join(r.en for r in because),
            ),
            cite,
        )
    return RuleResult(
        "not_related",
        True,
        Reason(
            f"企业与服务商的法定代表人不同，且没有持股超过 {threshold}% 的共同股东，不存在关联关系。",
            "The enterprise and the provider have different legal representatives and no shared "
            f"shareholder holding more than {threshold}%: they are not related.",
        ),
        cite,
    )


def rule_within_cap(
    voucher_type: str, amount: Decimal, issued_this_year: Decimal, params: ParameterSet
) -> RuleResult:
    """Already issued this year plus this amount may reach the cap, not exceed it."""
    cap = yearly_cap(voucher_type, params)
    total = issued_this_year + amount
    key = f"cap_{voucher_type}"
    zh, en = _type_zh(voucher_type), _type_en(voucher_type)
    if total <= cap:
        return RuleResult(
            "within_cap",
            True,
            Reason(
                f"本年度已发放{zh} {format_yuan(issued_this_year)}，加上本次申领 {format_yuan(amount)}"
                f"共 {format_yuan(total)}，未超过单个企业年度上限 {format_yuan(cap)}。",
                f"Issued this year {issued_this_year:,.2f} plus {amount:,.2f} requested makes "
                f"{total:,.2f}, within the yearly cap per enterprise of {cap:,.2f} for {en}s.",
            ),
            (key,),
        )
    room = max(cap - issued_this_year, Decimal("0.00"))
    return RuleResult(
        "within_cap",
        False,
        Reason(
            f"本年度已发放{zh} {format_yuan(issued_this_year)}，加上本次申领 {format_yuan(amount)}"
            f"共 {format_yuan(total)}，超过单个企业年度上限 {format_yuan(cap)}；"
            f"本年度最多还可申领 {format_yuan(room)}。",
            f"Issued this year {issued_this_year:,.2f} plus {amount:,.2f} requested makes "
            f"{total:,.2f}, above the yearly cap per enterprise of {cap:,.2f} for {en}s; at most "
            f"{room:,.2f} more can be requested this year.",
        ),
        (key,),
    )


def decide_eligibility(facts: EligibilityFacts, params: ParameterSet) -> Decision:
    """Every rule, each with its reason; eligible only when all pass.

    The reasons of the rules that passed are kept as well, so the decision shows what was
    checked, not only what failed.
    """
    validate_voucher_type(facts.voucher_type)
    results = [
        rule_registered_in_city(facts.enterprise.uscc, params),
        rule_not_dishonest(facts.on_dishonest_list, params),
        rule_not_related(facts.enterprise, facts.provider, params),
        rule_within_cap(facts.voucher_type, facts.amount, facts.issued_this_year, params),
    ]
    failed = tuple(r.code for r in results if not r.passed)
    cite: list[str] = [f"budget_{facts.voucher_type}"]
    for r in results:
        cite.extend(r.cite)
    ordered = [r for r in results if not r.passed] + [r for r in results if r.passed]
    return decide(
        "ineligible" if failed else "eligible",
        params,
        reasons=[r.reason for r in ordered],
        cite=cite,
        facts={
            "voucher_type": facts.voucher_type,
            "year": facts.year,
            "amount": facts.amount,
            "enterprise_uscc": facts.enterprise.uscc,
            "provider_uscc": facts.provider.uscc,
            "on_dishonest_list": facts.on_dishonest_list,
            "issued_this_year": facts.issued_this_year,
            "failed": failed,
        },
    )


# --- redemption ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RedemptionQuote:
    invoice_amount: Decimal
    subsidy: Decimal  # the subsidised share of the invoice, rounded down to the fen
    pay: Decimal  # what the voucher pays: the subsidy, up to the voucher's remaining value
    capped: bool  # True when the remaining value, not the share, set the amount


def quote_redemption(
    invoice_amount: Decimal, remaining: Decimal, params: ParameterSet
) -> RedemptionQuote:
    """min(subsidised share of the invoice, remaining value), to the fen.

    The share is rounded *down*: a fraction of a fen stays in the budget rather than being
    paid out, so a long run of redemptions can never pay more than the share.
    """
    if invoice_amount <= 0:
        raise ValidationError(
            "发票金额必须大于零。",
            "The invoice amount must be greater than zero.",
            field="invoice_amount",
            code="amount_not_positive",
        )
    subsidy = quantize_fen(invoice_amount * params.decimal("subsidy_share"), "down")
    pay = min(subsidy, max(remaining, Decimal("0.00")))
    return RedemptionQuote(invoice_amount, subsidy, pay, pay < subsidy)


_INVOICE = re.compile(r"[0-9A-Z]{8,30}")


def normalise_invoice_number(raw: str, *, field: str = "invoice_number") -> str:
    """An invoice number without spaces or dashes, in upper case: 8 to 30 digits or letters.

    数电发票 numbers have 20 digits; older invoices an 8-digit number under a 10- or
    12-digit code, written together here. The same invoice typed with spaces is the same
    invoice, so the duplicate check sees through them.
    """
    text = re.sub(r"[\s\-－—_]+", "", _halfwidth(raw or "")).upper()
    if not _INVOICE.fullmatch(text):
        raise ValidationError(
            f"发票号码「{raw}」格式不对：应为8至30位数字或字母，例如 25442000000123456789。",
            f"The invoice number '{raw}' is not valid: use 8 to 30 digits or letters, such as "
            "25442000000123456789.",
            field=field,
            code="invoice_number_invalid",
        )
    return text


# --- oversight flags ----------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """A pattern worth a second look (监管提示). A flag is a prompt, never a refusal."""

    code: str
    reason: Reason
    subject: Mapping[str, str]


def invoice_flags(
    invoice_amount: Decimal, invoice_date: date, expiry: date, params: ParameterSet
) -> tuple[Flag, ...]:
    """Invoices dated in the last days before the voucher expires, and round-number invoices."""
    flags: list[Flag] = []
    window = params.integer("flag_expiry_window_days")
    days_left = (expiry - invoice_date).days
    if 0 <= days_left <= window:
        flags.append(
            Flag(
                "near_expiry",
                Reason(
                    f"发票日期距券到期仅 {days_left} 天（提示阈值 {window} 天）。",
                    f"The invoice is dated {days_left} days before the voucher expires "
                    f"(flagged within {window} days).",
                ),
                {"invoice_date": invoice_date.isoformat(), "expires_on": expiry.isoformat()},
            )
        )
    unit = params.decimal("flag_round_unit")
    if invoice_amount >= unit and invoice_amount % unit == 0:
        flags.append(
            Flag(
                "round_number",
                Reason(
                    f"发票金额 {format_yuan(invoice_amount)} 是 {format_yuan(unit)} 的整数倍。",
                    f"The invoice amount {invoice_amount:,.2f} is a whole multiple of {unit:,.2f}.",
                ),
                {"invoice_amount": str(invoice_amount)},
            )
        )
    return tuple(flags)


@dataclass(frozen=True)
class IssuedVoucher:
    """A voucher as the near-cap pattern sees it."""

    enterprise: str
    provider: str
    voucher_type: str
    year: int
    face_value: Decimal


def near_cap_flags(vouchers: Iterable[IssuedVoucher], params: ParameterSet) -> list[Flag]:
    """One enterprise holding many vouchers with one provider that together sit just below the cap.

    Splitting a purchase into several vouchers that stop short of the yearly cap is the
    pattern: at least ``flag_near_cap_min_vouchers`` vouchers of a kind and year with the
    same provider, totalling at least ``flag_near_cap_share`` of the cap.
    """
    groups: dict[tuple[str, str, str, int], list[Decimal]] = {}
    for v in vouchers:
        groups.setdefault((v.enterprise, v.provider, v.voucher_type, v.year), []).append(
            v.face_value
        )
    least = params.integer("flag_near_cap_min_vouchers")
    share = params.decimal("flag_near_cap_share")
    flags: list[Flag] = []
    for (enterprise, provider, kind, year), values in sorted(groups.items()):
        cap = yearly_cap(kind, params)
        total = sum(values, Decimal("0.00"))
        if len(values) >= least and share * cap <= total <= cap:
            flags.append(
                Flag(
                    "near_cap",
                    Reason(
                        f"{year}年同一服务商的{_type_zh(kind)} {len(values)} 张，合计 "
                        f"{format_yuan(total)}，接近单个企业年度上限 {format_yuan(cap)}。",
                        f"{len(values)} {_type_en(kind)}s of {year} with one provider total "
                        f"{total:,.2f}, just below the yearly cap of {cap:,.2f}.",
                    ),
                    {
                        "enterprise": enterprise,
                        "provider": provider,
                        "voucher_type": kind,
                        "year": str(year),
                        "count": str(len(values)),
                        "total": str(total),
                    },
                )
            )
    return flags
