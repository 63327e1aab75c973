"""Government procurement for SMEs (政府采购促进中小企业发展), pure: no Django.

Three rules, each a function of facts and a parameter set in force on a day:

- ``decide_set_aside``: whether a project is procured only from SMEs (专门面向中小企业),
  has a share reserved (预留份额), or is not reserved;
- ``decide_price_deduction``: the price deduction (价格扣除) a bid gets in evaluation;
- ``classify_enterprise``: an enterprise's size (企业划型) per 工信部联企业〔2011〕300号.

Boundaries. The procurement thresholds use 「以下（含）」/「超过」: 2,000,000.00 is still
「200万元（含）以下」, 2,000,000.01 is above (POLICY.md, top; 刑法第九十九条 for the
convention). The size table is different: its own text reads "以上包括本数，以下不包括本数"
(统计上大中小微型企业划分办法), so an SME ceiling is strict (999 of "1000人以下" is under it,
1000 is not) and a lower bound (「及以上」) includes the number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

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

# --- codes ---------------------------------------------------------------------------------

CATEGORIES: Final = ("goods", "services", "works")
CATEGORY_NAMES: Final = {
    "goods": ("货物", "goods"),
    "services": ("服务", "services"),
    "works": ("工程", "works"),
}

# 财库〔2020〕46号 第六条 (一)–(五): where a share need not be reserved.
EXCEPTIONS: Final = (
    "non_enterprise_required",
    "irreplaceable_supplier",
    "insufficient_supply",
    "framework_agreement",
    "provincial_other",
)
EXCEPTION_NAMES: Final = {
    "non_enterprise_required": (
        "法律法规和国家有关政策明确规定优先或者应当面向事业单位、社会组织等非企业主体采购",
        "law or national policy requires buying from non-enterprise suppliers",
        "第六条第（一）项",
    ),
    "irreplaceable_supplier": (
        "因确需使用不可替代的专利、专有技术，基础设施限制，或者提供特定公共服务等原因，只能从中小企业之外的供应商处采购",
        "irreplaceable patents or technology, infrastructure limits or a special public "
        "service mean only suppliers other than SMEs can supply",
        "第六条第（二）项",
    ),
    "insufficient_supply": (
        "按照规定预留采购份额无法确保充分供应、充分竞争，或者存在可能影响政府采购目标实现的情形",
        "a reservation would not ensure sufficient supply or competition, or would put the "
        "aims of the procurement at risk",
        "第六条第（三）项",
    ),
    "framework_agreement": (
        "框架协议采购项目",
        "a framework-agreement procurement",
        "第六条第（四）项",
    ),
    "provincial_other": (
        "省级以上人民政府财政部门规定的其他情形",
        "another case set by a finance department at provincial level or above",
        "第六条第（五）项",
    ),
}

OUTCOMES: Final = ("sme_only", "reserved_share", "not_reserved")
OUTCOME_NAMES: Final = {
    "sme_only": ("专门面向中小企业采购", "procured only from SMEs"),
    "reserved_share": ("预留份额专门面向中小企业", "a share reserved for SMEs"),
    "not_reserved": ("不预留份额", "not reserved"),
}

SCALES: Final = ("micro", "small", "medium", "large")
SCALE_NAMES: Final = {
    "micro": ("微型企业", "micro enterprise"),
    "small": ("小型企业", "small enterprise"),
    "medium": ("中型企业", "medium enterprise"),
    "large": ("大型企业", "large enterprise"),
}
SME_SCALES: Final = frozenset({"micro", "small", "medium"})
SMALL_MICRO_SCALES: Final = frozenset({"micro", "small"})

# OCDS partyScale codelist has "micro", "sme" and "large": our small and medium are "sme".
OCDS_SCALE: Final = {"micro": "micro", "small": "sme", "medium": "sme", "large": "large"}

# The 16 rows of 工信部联企业〔2011〕300号 第四条, in the order of the document.
INDUSTRIES: Final = (
    "agriculture",
    "industry",
    "construction",
    "wholesale",
    "retail",
    "transport",
    "warehousing",
    "postal",
    "accommodation",
    "catering",
    "information_transmission",
    "software_it",
    "real_estate_development",
    "property_management",
    "leasing_business_services",
    "other",
)
INDUSTRY_NAMES: Final = {
    "agriculture": ("农、林、牧、渔业", "agriculture, forestry, animal husbandry and fishery"),
    "industry": ("工业", "industry"),
    "construction": ("建筑业", "construction"),
    "wholesale": ("批发业", "wholesale"),
    "retail": ("零售业", "retail"),
    "transport": ("交通运输业", "transport"),
    "warehousing": ("仓储业", "warehousing"),
    "postal": ("邮政业", "postal services"),
    "accommodation": ("住宿业", "accommodation"),
    "catering": ("餐饮业", "catering"),
    "information_transmission": ("信息传输业", "information transmission"),
    "software_it": ("软件和信息技术服务业", "software and IT services"),
    "real_estate_development": ("房地产开发经营", "real estate development"),
    "property_management": ("物业管理", "property management"),
    "leasing_business_services": ("租赁和商务服务业", "leasing and business services"),
    "other": ("其他未列明行业", "other industries not listed"),
}
MEASURES: Final = ("employees", "revenue", "assets")
MEASURE_NAMES: Final = {
    "employees": ("从业人员", "employees"),
    "revenue": ("营业收入", "revenue"),
    "assets": ("资产总额", "total assets"),
}

# --- parameters ----------------------------------------------------------------------------

SET_ASIDE: Final = "procurement.set_aside"
PRICE_DEDUCTION: Final = "procurement.price_deduction"
ENTERPRISE_SIZE: Final = "procurement.enterprise_size"

MEASURES_2020: Final = (
    "财政部 工业和信息化部关于印发《政府采购促进中小企业发展管理办法》的通知（财库〔2020〕46号）"
)
MEASURES_2022: Final = "财政部关于进一步加大政府采购支持中小企业力度的通知（财库〔2022〕19号）"
SHENZHEN_NOTICE: Final = "深圳市财政局关于贯彻落实进一步加大政府采购支持中小企业力度有关事宜的通知"
SIZE_STANDARD: Final = "工业和信息化部 国家统计局 国家发展和改革委员会 财政部关于印发中小企业划型标准规定的通知（工信部联企业〔2011〕300号）"

_ART7 = Citation(MEASURES_2020, "第七条")
_ART8 = Citation(MEASURES_2020, "第八条")
_ART9 = Citation(MEASURES_2020, "第九条")
_ART10 = Citation(MEASURES_2020, "第十条")
_ART14 = Citation(MEASURES_2020, "第十四条")
_SZ = Citation(SHENZHEN_NOTICE)


def _set_aside(
    version: str, start: date, end: date | None, share: str, small: str, cite: Citation
) -> ParameterSet:
    return ParameterSet(
        name=SET_ASIDE,
        version=version,
        effective_from=start,
        effective_to=end,
        values={
            # 「200万元（含）以下」: the threshold itself is still "SME only".
            "goods_services_sme_only_max": Decimal("2000000.00"),
            "works_sme_only_max": Decimal("4000000.00"),
            "reserved_share_min": Decimal(share),
            "small_micro_share_min": Decimal(small),
            "min_qualified_smes": 3,
            "reserved_contract_mark": "中小企业预留合同",
        },
        citations={
            "goods_services_sme_only_max": cite if cite is _SZ else _ART7,
            "works_sme_only_max": cite if cite is _SZ else _ART7,
            "reserved_share_min": cite,
            "small_micro_share_min": cite,
            # Article numbers as in POLICY.md §4.
            "min_qualified_smes": _ART10,
            "reserved_contract_mark": _ART14,
        },
    )


def _deduction(
    version: str,
    start: date,
    end: date | None,
    small_micro: tuple[str, str],
    consortium: tuple[str, str],
    cite: Citation,
) -> ParameterSet:
    return ParameterSet(
        name=PRICE_DEDUCTION,
        version=version,
        effective_from=start,
        effective_to=end,
        values={
            "goods_services_small_micro": (Decimal(small_micro[0]), Decimal(small_micro[1])),
            "goods_services_consortium": (Decimal(consortium[0]), Decimal(consortium[1])),
            # Works 3%–5% and 1%–2%: reported, not verified against the text (POLICY.md [unv]).
            "works_small_micro": (Decimal("0.03"), Decimal("0.05")),
            "works_consortium": (Decimal("0.01"), Decimal("0.02")),
            # 「30%以上」 includes 30%.
            "consortium_small_micro_share_min": Decimal("0.30"),
        },
        citations={
            "goods_services_small_micro": cite,
            "goods_services_consortium": cite,
            "works_small_micro": _ART9,
            "works_consortium": _ART9,
            "consortium_small_micro_share_min": _ART9,
        },
    )


def _t(wan: int) -> Decimal:
    """万元 → yuan."""
    return Decimal(wan) * 10000


def _row(
    sme_ceiling: Mapping[str, int | Decimal],
    medium: Mapping[str, int | Decimal],
    small: Mapping[str, int | Decimal],
) -> dict[str, object]:
    return {"sme_ceiling": dict(sme_ceiling), "medium_min": dict(medium), "small_min": dict(small)}


E, R, A = "employees", "revenue", "assets"

# 工信部联企业〔2011〕300号 第四条 (一)–(十六). Amounts in the document are in 万元.
# One row per line reads as the document's table.
# fmt: off
SIZE_TABLE_2011: Final[dict[str, dict[str, object]]] = {
    "agriculture": _row({R: _t(20000)}, {R: _t(500)}, {R: _t(50)}),
    "industry": _row({E: 1000, R: _t(40000)}, {E: 300, R: _t(2000)}, {E: 20, R: _t(300)}),
    "construction": _row({R: _t(80000), A: _t(80000)}, {R: _t(6000), A: _t(5000)}, {R: _t(300), A: _t(300)}),
    "wholesale": _row({E: 200, R: _t(40000)}, {E: 20, R: _t(5000)}, {E: 5, R: _t(1000)}),
    "retail": _row({E: 300, R: _t(20000)}, {E: 50, R: _t(500)}, {E: 10, R: _t(100)}),
    "transport": _row({E: 1000, R: _t(30000)}, {E: 300, R: _t(3000)}, {E: 20, R: _t(200)}),
    "warehousing": _row({E: 200, R: _t(30000)}, {E: 100, R: _t(1000)}, {E: 20, R: _t(100)}),
    "postal": _row({E: 1000, R: _t(30000)}, {E: 300, R: _t(2000)}, {E: 20, R: _t(100)}),
    "accommodation": _row({E: 300, R: _t(10000)}, {E: 100, R: _t(2000)}, {E: 10, R: _t(100)}),
    "catering": _row({E: 300, R: _t(10000)}, {E: 100, R: _t(2000)}, {E: 10, R: _t(100)}),
    "information_transmission": _row({E: 2000, R: _t(100000)}, {E: 100, R: _t(1000)}, {E: 10, R: _t(100)}),
    "software_it": _row({E: 300, R: _t(10000)}, {E: 100, R: _t(1000)}, {E: 10, R: _t(50)}),
    "real_estate_development": _row({R: _t(200000), A: _t(10000)}, {R: _t(1000), A: _t(5000)}, {R: _t(100), A: _t(2000)}),
    "property_management": _row({E: 1000, R: _t(5000)}, {E: 300, R: _t(1000)}, {E: 100, R: _t(500)}),
    "leasing_business_services": _row({E: 300, A: _t(120000)}, {E: 100, A: _t(8000)}, {E: 10, A: _t(100)}),
    "other": _row({E: 300}, {E: 100}, {E: 10}),
}
# fmt: on

_CN_NUMERALS: Final = "一二三四五六七八九十"


def _item_number(n: int) -> str:
    """1 → 一, 10 → 十, 16 → 十六."""
    if n <= 10:
        return _CN_NUMERALS[n - 1]
    return "十" + _CN_NUMERALS[n - 11]


def _size_params() -> ParameterSet:
    return ParameterSet(
        name=ENTERPRISE_SIZE,
        version="2011.300",
        effective_from=date(2011, 6, 18),
        effective_to=None,
        values=SIZE_TABLE_2011,
        citations={
            code: Citation(SIZE_STANDARD, f"第四条第（{_item_number(i)}）项")
            for i, code in enumerate(INDUSTRIES, start=1)
        },
    )


PARAMETERS: Final = ParameterRegistry(
    [
        # 财库〔2020〕46号 is in force from 2021-01-01 (第三十三条).
        _set_aside("national-2021", date(2021, 1, 1), date(2022, 6, 30), "0.30", "0.60", _ART8),
        # The Shenzhen notice carries out 财库〔2022〕19号, in force from 2022-07-01; that the
        # notice applies from the same day is our reading (POLICY.md [default]).
        _set_aside("shenzhen-2022", date(2022, 7, 1), None, "0.40", "0.70", _SZ),
        _deduction(
            "national-2021",
            date(2021, 1, 1),
            date(2022, 6, 30),
            ("0.06", "0.10"),
            ("0.02", "0.03"),
            _ART9,
        ),
        _deduction(
            "national-2022",
            date(2022, 7, 1),
            None,
            ("0.10", "0.20"),
            ("0.04", "0.06"),
            Citation(MEASURES_2022),
        ),
        _size_params(),
    ]
)


def parameters_on(name: str, day: date) -> ParameterSet:
    """The version of ``name`` in force on ``day`` (422 on ``on`` when there is none)."""
    try:
        return PARAMETERS.in_force(name, day)
    except ValidationError as exc:
        raise exc.with_field("on") from None


# --- input checks -------------------------------------------------------------------------


def check_code(value: object, allowed: tuple[str, ...], *, field: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(
            f"「{value}」不是可选的值，应为：{'、'.join(allowed)}",
            f"{value!r} is not one of: {', '.join(allowed)}",
            field=field,
            code="unknown_code",
        )
    return value


def check_fraction(value: Decimal, *, field: str) -> Decimal:
    """A share or a rate: from 0 to 1 inclusive, at most four decimals."""
    if not value.is_finite() or value < 0 or value > 1:
        raise ValidationError(
            f"「{value}」应为 0 到 1 之间的小数，例如 0.15 表示 15%",
            f"{value} must be a fraction from 0 to 1, such as 0.15 for 15%",
            field=field,
            code="fraction_invalid",
        )
    if value != value.quantize(Decimal("0.0001")):
        raise ValidationError(
            f"「{value}」最多保留四位小数",
            f"{value} may have at most four decimal places",
            field=field,
            code="fraction_invalid",
        )
    return value


def check_positive_amount(amount: Decimal, *, field: str) -> Decimal:
    if amount <= 0:
        raise ValidationError(
            "金额应大于零", "The amount must be more than zero", field=field, code="amount_invalid"
        )
    return amount


def percent(fraction: Decimal) -> str:
    """0.4 → 40%, 0.125 → 12.5%."""
    text = format(fraction * 100, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def fraction_text(fraction: Decimal) -> str:
    """A fraction for JSON: at least two decimals, no trailing zeros beyond (0.10, 0.125)."""
    two = fraction.quantize(Decimal("0.01"))
    if two == fraction:
        return format(two, "f")
    return format(fraction.normalize(), "f")


# --- set-aside ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SetAside:
    outcome: str
    sme_reserved_min: Decimal
    small_micro_reserved_min: Decimal
    decision: Decision


def decide_set_aside(
    *,
    category: str,
    budget: Decimal,
    suitable_for_sme: bool,
    exception: str | None,
    params: ParameterSet,
) -> SetAside:
    """财库〔2020〕46号 第六–八条 with the shares in force (Shenzhen 40% / 70%)."""
    check_code(category, CATEGORIES, field="category")
    if exception is not None:
        check_code(exception, EXCEPTIONS, field="exception")
    check_positive_amount(budget, field="budget")
    zero = Decimal("0.00")
    cat_zh, cat_en = CATEGORY_NAMES[category]
    limit_key = "works_sme_only_max" if category == "works" else "goods_services_sme_only_max"
    limit = params.decimal(limit_key)
    share = params.decimal("reserved_share_min")
    small_share = params.decimal("small_micro_share_min")
    facts: dict[str, object] = {
        "category": category,
        "budget": budget,
        "suitable_for_sme": suitable_for_sme,
        "exception": exception,
    }
    budget_text, limit_text = format_yuan(budget), format_yuan(limit)

    def result(
        outcome: str, sme: Decimal, small: Decimal, reasons: list[Reason], cite: list[str]
    ) -> SetAside:
        facts_out = {**facts, "sme_reserved_min": sme, "small_micro_reserved_min": small}
        return SetAside(
            outcome,
            sme,
            small,
            decide(outcome, params, reasons=reasons, cite=cite, facts=facts_out),
        )

    if exception is not None:
        zh, en, article = EXCEPTION_NAMES[exception]
        return result(
            "not_reserved",
            zero,
            zero,
            [
                Reason(
                    f"项目属于可不预留采购份额的情形：{zh}（财库〔2020〕46号{article}），不专门面向中小企业预留份额；评审时对小微企业报价给予价格扣除",
                    f"The project falls under an exception ({en}; 财库〔2020〕46号 Art. 6), so no "
                    "share is reserved for SMEs; small and micro bidders get a price deduction",
                )
            ],
            ["reserved_share_min"],
        )
    if not suitable_for_sme:
        return result(
            "not_reserved",
            zero,
            zero,
            [
                Reason(
                    f"采购人认定该{cat_zh}采购项目不适宜由中小企业提供，不预留份额；评审时对小微企业报价给予价格扣除",
                    f"The buyer found this {cat_en} project not suitable for SMEs, so no share is "
                    "reserved; small and micro bidders get a price deduction",
                )
            ],
            [limit_key],
        )
    if budget <= limit:
        return result(
            "sme_only",
            budget,
            zero,
            [
                Reason(
                    f"{cat_zh}采购项目预算 {budget_text} 在 {limit_text}（含）以下，且适宜由中小企业提供，应当专门面向中小企业采购，全部预算 {budget_text} 预留给中小企业",
                    f"The {cat_en} budget of {budget_text} is at or below {limit_text} and the "
                    f"project is suitable for SMEs, so it is procured only from SMEs: the whole "
                    f"{budget_text} is reserved for them",
                )
            ],
            [limit_key],
        )
    sme_min = quantize_fen(budget * share, "up")
    small_min = quantize_fen(sme_min * small_share, "up")
    return result(
        "reserved_share",
        sme_min,
        small_min,
        [
            Reason(
                f"{cat_zh}采购项目预算 {budget_text} 超过 {limit_text}，适宜由中小企业提供的，预留预算总额的 {percent(share)} 以上专门面向中小企业采购，即不少于 {format_yuan(sme_min)}",
                f"The {cat_en} budget of {budget_text} is above {limit_text}, so at least "
                f"{percent(share)} of it, {format_yuan(sme_min)}, is reserved for SMEs",
            ),
            Reason(
                f"预留份额中给小微企业的比例不低于 {percent(small_share)}，即不少于 {format_yuan(small_min)}（按分向上取整）",
                f"Of the reserved part at least {percent(small_share)}, "
                f"{format_yuan(small_min)}, goes to small and micro enterprises (rounded up to "
                "the fen)",
            ),
        ],
        # 第八条 states the "above" threshold together with the shares.
        ["reserved_share_min", "small_micro_share_min"],
    )


def decide_lot_reversion(*, qualified_smes: int, params: ParameterSet) -> Decision | None:
    """A reserved lot with fewer than 3 qualified SMEs is run as non-reserved (第十条)."""
    minimum = params.integer("min_qualified_smes")
    if qualified_smes >= minimum:
        return None
    return decide(
        "reverted",
        params,
        reasons=[
            Reason(
                f"预留采购包中符合条件的中小企业只有 {qualified_smes} 家，不足 {minimum} 家，该采购包转为非预留采购包，对小微企业报价给予价格扣除",
                f"Only {qualified_smes} qualified SMEs bid for the reserved lot, fewer than "
                f"{minimum}, so the lot is run as non-reserved with price deductions for small "
                "and micro bidders",
            )
        ],
        cite=["min_qualified_smes"],
        facts={"qualified_smes": qualified_smes},
    )


# --- price deduction ----------------------------------------------------------------------


@dataclass(frozen=True)
class PriceDeduction:
    eligible: bool
    rate_range: tuple[Decimal, Decimal] | None
    applied_rate: Decimal
    evaluation_price: Decimal
    contract_price: Decimal
    decision: Decision


def rate_range(params: ParameterSet, key: str) -> tuple[Decimal, Decimal]:
    raw = params.value(key)
    assert isinstance(raw, tuple)
    assert len(raw) == 2
    low, high = raw
    assert isinstance(low, Decimal)
    assert isinstance(high, Decimal)
    return low, high


def deduction_range(
    *,
    category: str,
    bidder_scale: str,
    small_micro_share: Decimal | None,
    lot_reserved: bool,
    params: ParameterSet,
) -> tuple[str, tuple[Decimal, Decimal]] | None:
    """The parameter key and the range a bid is eligible for, or None."""
    if lot_reserved:
        return None
    prefix = "works" if category == "works" else "goods_services"
    if bidder_scale in SMALL_MICRO_SCALES:
        key = f"{prefix}_small_micro"
        return key, rate_range(params, key)
    share_min = params.decimal("consortium_small_micro_share_min")
    if small_micro_share is not None and small_micro_share >= share_min:
        key = f"{prefix}_consortium"
        return key, rate_range(params, key)
    return None


def decide_price_deduction(
    *,
    category: str,
    bidder_scale: str,
    bid_price: Decimal,
    rate: Decimal,
    small_micro_share: Decimal | None,
    lot_reserved: bool,
    params: ParameterSet,
) -> PriceDeduction:
    """财库〔2020〕46号 第九条 with the ranges in force; the contract price stays the bid."""
    check_code(category, CATEGORIES, field="category")
    check_code(bidder_scale, SCALES, field="bidder_scale")
    check_positive_amount(bid_price, field="bid_price")
    check_fraction(rate, field="rate")
    if small_micro_share is not None:
        check_fraction(small_micro_share, field="small_micro_share")
    scale_zh, scale_en = SCALE_NAMES[bidder_scale]
    cat_zh, cat_en = CATEGORY_NAMES[category]
    facts: dict[str, object] = {
        "category": category,
        "bidder_scale": bidder_scale,
        "bid_price": bid_price,
        "rate": rate,
        "small_micro_share": small_micro_share,
        "lot_reserved": lot_reserved,
    }
    found = deduction_range(
        category=category,
        bidder_scale=bidder_scale,
        small_micro_share=small_micro_share,
        lot_reserved=lot_reserved,
        params=params,
    )
    bid_text = format_yuan(bid_price)
    if found is None:
        if lot_reserved:
            reason = Reason(
                f"预留给中小企业的采购包不给予价格扣除，按报价 {bid_text} 评审",
                f"A lot reserved for SMEs gets no price deduction; the bid of {bid_text} is "
                "evaluated as it is",
            )
            cite = ["consortium_small_micro_share_min"]
        else:
            share_min = params.decimal("consortium_small_micro_share_min")
            share_zh = (
                f"小微企业合同份额为 {percent(small_micro_share)}"
                if small_micro_share is not None
                else "未约定小微企业合同份额"
            )
            share_en = (
                f"gives small and micro firms {percent(small_micro_share)} of the contract"
                if small_micro_share is not None
                else "gives small and micro firms no agreed share of the contract"
            )
            reason = Reason(
                f"投标人为{scale_zh}，{share_zh}，未达到 {percent(share_min)}，不给予价格扣除，按报价 {bid_text} 评审",
                f"The bidder is a {scale_en} and {share_en}, below {percent(share_min)}, so "
                f"there is no deduction; the bid of {bid_text} is evaluated as it is",
            )
            cite = ["consortium_small_micro_share_min"]
        decision = decide(
            "not_eligible",
            params,
            reasons=[reason],
            cite=cite,
            facts={**facts, "evaluation_price": bid_price},
        )
        return PriceDeduction(False, None, Decimal("0.00"), bid_price, bid_price, decision)
    key, (low, high) = found
    range_text = f"{percent(low)}–{percent(high)}"
    if not low <= rate <= high:
        raise ValidationError(
            f"扣除比例 {percent(rate)} 不在可适用的 {range_text} 范围内（{cat_zh}，{scale_zh}），请在采购文件中于该范围内确定比例",
            f"The rate {percent(rate)} is outside the range {range_text} that applies "
            f"({cat_en}, {scale_en}); fix a rate within it in the tender documents",
            field="rate",
            code="rate_out_of_range",
        )
    evaluation = quantize_fen(bid_price * (1 - rate), "half_up")
    if key.endswith("small_micro"):
        why = Reason(
            f"投标人为{scale_zh}，{cat_zh}采购项目（非预留）对小微企业报价给予 {range_text} 的扣除",
            f"The bidder is a {scale_en}; on a non-reserved {cat_en} lot small and micro "
            f"bidders get a deduction of {range_text}",
        )
    else:
        assert small_micro_share is not None  # eligible through the share
        why = Reason(
            f"投标人为{scale_zh}，联合体或分包意向协议约定小微企业合同份额 {percent(small_micro_share)}，达到 {percent(params.decimal('consortium_small_micro_share_min'))}，给予 {range_text} 的扣除",
            f"The bidder is a {scale_en} whose consortium or subcontract gives small and micro "
            f"firms {percent(small_micro_share)} of the contract, at least "
            f"{percent(params.decimal('consortium_small_micro_share_min'))}, so it gets a "
            f"deduction of {range_text}",
        )
    applied = Reason(
        f"按采购文件确定的 {percent(rate)} 扣除，评审价 = {bid_text} ×（1 − {percent(rate)}）= {format_yuan(evaluation)}；合同价仍为报价 {bid_text}",
        f"At the tender's rate of {percent(rate)} the evaluation price is {bid_text} × (1 − "
        f"{percent(rate)}) = {format_yuan(evaluation)}; the contract price stays the bid, "
        f"{bid_text}",
    )
    decision = decide(
        "deducted",
        params,
        reasons=[why, applied],
        cite=[key, "consortium_small_micro_share_min"] if key.endswith("consortium") else [key],
        facts={**facts, "evaluation_price": evaluation},
    )
    return PriceDeduction(True, (low, high), rate, evaluation, bid_price, decision)


# --- enterprise size ----------------------------------------------------------------------


@dataclass(frozen=True)
class SizeRow:
    sme_ceiling: dict[str, Decimal]
    medium_min: dict[str, Decimal]
    small_min: dict[str, Decimal]

    @property
    def measures(self) -> tuple[str, ...]:
        used = set(self.sme_ceiling) | set(self.medium_min) | set(self.small_min)
        return tuple(m for m in MEASURES if m in used)


def _bounds(raw: object) -> dict[str, Decimal]:
    assert isinstance(raw, Mapping)  # shape fixed by _row above
    out: dict[str, Decimal] = {}
    for key, value in raw.items():
        assert isinstance(key, str)
        assert isinstance(value, int | Decimal)
        out[key] = Decimal(value)
    return out


def size_row(params: ParameterSet, industry: str) -> SizeRow:
    raw = params.value(industry)
    assert isinstance(raw, Mapping)
    return SizeRow(
        _bounds(raw["sme_ceiling"]), _bounds(raw["medium_min"]), _bounds(raw["small_min"])
    )


def _measure_text(measure: str, value: Decimal, language: str) -> str:
    zh, en = MEASURE_NAMES[measure]
    if measure == "employees":
        return f"{zh} {int(value)} 人" if language == "zh" else f"{int(value)} {en}"
    return (
        f"{zh} {format_yuan(value, '万元')}"
        if language == "zh"
        else f"{en} {format_yuan(value, '万元')}"
    )


def _bounds_text(bounds: dict[str, Decimal], joiner: tuple[str, str], language: str) -> str:
    parts = [_measure_text(m, v, language) for m, v in bounds.items()]
    return (joiner[0] if language == "zh" else joiner[1]).join(parts)


@dataclass(frozen=True)
class EnterpriseSize:
    size: str
    measures: tuple[str, ...]
    decision: Decision


def classify_enterprise(
    *,
    industry: str,
    employees: int | None,
    revenue: Decimal | None,
    assets: Decimal | None,
    params: ParameterSet,
) -> EnterpriseSize:
    """工信部联企业〔2011〕300号 第四条: ceilings strict, lower bounds inclusive; a medium or
    small firm meets every lower bound of its row, a micro firm misses one (「或」)."""
    check_code(industry, INDUSTRIES, field="industry")
    row = size_row(params, industry)
    given: dict[str, Decimal | None] = {
        "employees": None if employees is None else Decimal(employees),
        "revenue": revenue,
        "assets": assets,
    }
    values: dict[str, Decimal] = {}
    for measure in row.measures:
        value = given[measure]
        zh, en = MEASURE_NAMES[measure]
        if value is None:
            raise ValidationError(
                f"{INDUSTRY_NAMES[industry][0]}按{zh}划型，请填写{zh}",
                f"Size in {INDUSTRY_NAMES[industry][1]} depends on {en}; give it",
                field=measure,
                code="required",
            )
        if value < 0:
            raise ValidationError(
                f"{zh}不能为负数", f"{en} cannot be negative", field=measure, code="negative"
            )
        values[measure] = value
    ceiling = row.sme_ceiling
    if not any(values[m] < bound for m, bound in ceiling.items()):
        size = "large"
    elif all(values[m] >= bound for m, bound in row.medium_min.items()):
        size = "medium"
    elif all(values[m] >= bound for m, bound in row.small_min.items()):
        size = "small"
    else:
        size = "micro"
    ind_zh, ind_en = INDUSTRY_NAMES[industry]
    size_zh, size_en = SCALE_NAMES[size]
    facts_zh = "、".join(_measure_text(m, v, "zh") for m, v in values.items())
    facts_en = ", ".join(_measure_text(m, v, "en") for m, v in values.items())
    ceiling_zh = _bounds_text(ceiling, ("或", " or "), "zh")
    ceiling_en = _bounds_text(ceiling, ("或", " or "), "en")
    if size == "large":
        rule = Reason(
            f"{ind_zh}中小微型企业须{ceiling_zh}以下（不含本数）；本企业{facts_zh}，均未低于上限，划为大型企业",
            f"In {ind_en} an SME has {ceiling_en} below the ceiling (the ceiling itself "
            f"excluded); this enterprise has {facts_en}, none below it, so it is large",
        )
    else:
        bounds = row.medium_min if size == "medium" else row.small_min
        if size == "micro":
            rule = Reason(
                f"{ind_zh}小型企业须{_bounds_text(row.small_min, ('且', ' and '), 'zh')}及以上；本企业{facts_zh}，有一项低于该下限，划为微型企业",
                f"In {ind_en} a small enterprise has at least "
                f"{_bounds_text(row.small_min, (' and ', ' and '), 'en')}; this enterprise has "
                f"{facts_en}, below one of those bounds, so it is a micro enterprise",
            )
        else:
            rule = Reason(
                f"{ind_zh}{size_zh}须{_bounds_text(bounds, ('且', ' and '), 'zh')}及以上（含本数）；本企业{facts_zh}，低于中小微型企业上限（{ceiling_zh}以下），满足该下限，划为{size_zh}",
                f"In {ind_en} a {size_en} has at least "
                f"{_bounds_text(bounds, (' and ', ' and '), 'en')} (the bound itself "
                f"included); this enterprise has {facts_en}, under the SME ceiling and at "
                f"or above that bound, so it is a {size_en}",
            )
    decision = decide(
        size,
        params,
        reasons=[rule],
        cite=[industry],
        facts={"industry": industry, **{m: v for m, v in values.items()}},
    )
    return EnterpriseSize(size, row.measures, decision)


def scale_rank(scale: str) -> int:
    """micro 0 < small 1 < medium 2 < large 3: a bid is as large as its largest item."""
    return SCALES.index(scale)
