"""Enterprise tiers and R&D tax rules (企业梯度与研发费用加计扣除), pure: no Django.

Two rules over versioned policy parameters, each value with its citation:

- the 国家高新技术企业 (national high and new technology enterprise, "HNTE") self-check
  of 国科发火〔2016〕32号 第十一条: nine criteria, each explained with the figures used;
- the R&D super-deduction (研发费用加计扣除) of 财政部 税务总局公告2023年第7号, with the
  120% / 220% of 公告2023年第44号 for integrated-circuit and industrial machine-tool
  (工业母机) enterprises in tax years 2023–2027.

Boundaries follow Chinese legal usage: 「以上」「以下」「不低于」 include the number, so a
ratio of exactly 10% passes "不低于10%" and sales of exactly 50,000,000 yuan are
"5,000万元以下". Ratios are compared by cross-multiplying (``part >= rate * whole``) so
nothing is lost to a rounded quotient; the percentages shown to people are rounded
down, so a shown value never passes a threshold the real one fails.

Also here: the codes of the enterprise registry (industries, sizes, Shenzhen districts,
tiers) and what an enterprise could apply for next, given the tiers it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from rainforest.core.errors import ValidationError
from rainforest.core.money import format_yuan, quantize_fen
from rainforest.core.policy import (
    Citation,
    Decision,
    NoParametersInForce,
    ParameterRegistry,
    ParameterSet,
    Reason,
    decide,
)

__all__ = [
    "DISTRICTS",
    "HNTE_CRITERIA",
    "INDUSTRIES",
    "PARAMETERS",
    "SIZES",
    "SPECIAL_SECTORS",
    "TIERS",
    "Criterion",
    "HnteFacts",
    "HnteResult",
    "Holding",
    "NextStep",
    "RdFacts",
    "RdResult",
    "add_years",
    "check_hnte_facts",
    "check_rd_facts",
    "hnte_check",
    "hnte_parameters_on",
    "next_steps",
    "rd_deduction",
    "rd_parameters_for",
]

# --- citations --------------------------------------------------------------------------

HNTE_MEASURES = "国科发火〔2016〕32号《高新技术企业认定管理办法》"
RD_NOTICE_7 = "财政部 税务总局公告2023年第7号"
RD_NOTICE_44 = "财政部 税务总局 国家发展改革委 工业和信息化部公告2023年第44号"
RD_CIRCULAR_119 = "财税〔2015〕119号"

HNTE = "enterprises.hnte"
RD = "enterprises.rd_deduction"


def _hnte_citation(item: str) -> Citation:
    return Citation(HNTE_MEASURES, f"第十一条（{item}）")


# --- codes ------------------------------------------------------------------------------

# Industries for the R&D super-deduction. The six excluded ones are those of
# 财税〔2015〕119号 第四条 (kept by 公告2023年第7号 第二条); the rest are examples of
# eligible industries plus "other".
INDUSTRIES: dict[str, tuple[str, str]] = {
    "manufacturing": ("制造业", "manufacturing"),
    "software_it": ("软件和信息技术服务业", "software and IT services"),
    "scientific_research": ("科学研究和技术服务业", "scientific research and technical services"),
    "tobacco": ("烟草制品业", "tobacco"),
    "accommodation_catering": ("住宿和餐饮业", "accommodation and catering"),
    "wholesale_retail": ("批发和零售业", "wholesale and retail"),
    "real_estate": ("房地产业", "real estate"),
    "leasing_business_services": ("租赁和商务服务业", "leasing and business services"),
    "entertainment": ("娱乐业", "entertainment"),
    "other": ("其他行业", "other industries"),
}

SPECIAL_SECTORS: dict[str, tuple[str, str]] = {
    "none": ("无", "none"),
    "integrated_circuit": ("集成电路企业", "integrated-circuit enterprise"),
    "machine_tool": ("工业母机企业", "industrial machine-tool enterprise"),
}

# Enterprise sizes as in 工信部联企业〔2011〕300号.
SIZES: dict[str, tuple[str, str]] = {
    "large": ("大型", "large"),
    "medium": ("中型", "medium"),
    "small": ("小型", "small"),
    "micro": ("微型", "micro"),
}

DISTRICTS: dict[str, tuple[str, str]] = {
    "futian": ("福田区", "Futian"),
    "luohu": ("罗湖区", "Luohu"),
    "yantian": ("盐田区", "Yantian"),
    "nanshan": ("南山区", "Nanshan"),
    "baoan": ("宝安区", "Bao'an"),
    "longgang": ("龙岗区", "Longgang"),
    "longhua": ("龙华区", "Longhua"),
    "pingshan": ("坪山区", "Pingshan"),
    "guangming": ("光明区", "Guangming"),
    "dapeng": ("大鹏新区", "Dapeng New Area"),
    "shenshan": ("深汕特别合作区", "Shenzhen-Shanwei Special Cooperation Zone"),
}

# Top of the pyramid first: few single champions, many HNTEs.
TIERS: dict[str, tuple[str, str]] = {
    "single_champion": ("单项冠军企业", "single champion enterprise"),
    "little_giant": ("专精特新“小巨人”企业", "specialised 'little giant' enterprise"),
    "sme_specialised": ("专精特新中小企业", "specialised and sophisticated SME"),
    "hnte": ("国家高新技术企业", "national high and new technology enterprise"),
}

HNTE_CRITERIA: dict[str, tuple[str, str]] = {
    "registered_one_year": ("注册成立一年以上", "Registered for one year or more"),
    "core_ip": ("拥有核心自主知识产权", "Owns the core intellectual property"),
    "key_field": (
        "技术属于国家重点支持的高新技术领域",
        "Technology in a national key high-tech field",
    ),
    "tech_staff_ratio": ("科技人员占比", "Share of science and technology staff"),
    "rd_intensity": ("研发费用占销售收入比例", "R&D spending over sales"),
    "rd_domestic_share": ("境内研发费用占比", "Share of R&D spent in China"),
    "high_tech_revenue_share": (
        "高新技术产品（服务）收入占比",
        "Share of revenue from high-tech products and services",
    ),
    "innovation_score": ("创新能力评价", "Innovation capability score"),
    "no_major_violation": (
        "申请前一年内无重大安全、质量事故或严重环境违法行为",
        "No major safety or quality incident or serious environmental violation in the year before",
    ),
}


# --- parameters -------------------------------------------------------------------------

PARAMETERS = ParameterRegistry(
    [
        ParameterSet(
            name=HNTE,
            version="2016.1",
            # 国科发火〔2016〕32号 第二十三条: in force from 2016-01-01.
            effective_from=date(2016, 1, 1),
            effective_to=None,
            values={
                "min_registered_years": 1,
                "requires_core_ip": True,
                "requires_key_field": True,
                "min_tech_staff_ratio": Decimal("0.10"),
                "rd_intensity_band1_sales_max": Decimal("50000000.00"),
                "rd_intensity_band1_rate": Decimal("0.05"),
                "rd_intensity_band2_sales_max": Decimal("200000000.00"),
                "rd_intensity_band2_rate": Decimal("0.04"),
                "rd_intensity_band3_rate": Decimal("0.03"),
                "min_rd_domestic_share": Decimal("0.60"),
                "min_high_tech_revenue_share": Decimal("0.60"),
                # 第十一条（七） requires the innovation evaluation to "reach the requirement";
                # the 71 of 100 points is set in the 工作指引 (国科发火〔2016〕195号).
                "min_innovation_score": 71,
                "requires_no_major_violation": True,
            },
            citations={
                "min_registered_years": _hnte_citation("一"),
                "requires_core_ip": _hnte_citation("二"),
                "requires_key_field": _hnte_citation("三"),
                "min_tech_staff_ratio": _hnte_citation("四"),
                "rd_intensity_band1_sales_max": _hnte_citation("五"),
                "rd_intensity_band1_rate": _hnte_citation("五"),
                "rd_intensity_band2_sales_max": _hnte_citation("五"),
                "rd_intensity_band2_rate": _hnte_citation("五"),
                "rd_intensity_band3_rate": _hnte_citation("五"),
                "min_rd_domestic_share": _hnte_citation("五"),
                "min_high_tech_revenue_share": _hnte_citation("六"),
                "min_innovation_score": _hnte_citation("七"),
                "requires_no_major_violation": _hnte_citation("八"),
            },
        ),
        ParameterSet(
            name=RD,
            version="2023.1",
            # 公告2023年第7号 第三条 (from 2023-01-01, no end) and 公告2023年第44号 第一条
            # (2023-01-01 to 2027-12-31): both in force together over these five years.
            effective_from=date(2023, 1, 1),
            effective_to=date(2027, 12, 31),
            values={
                "expensed_additional_rate": Decimal("1.00"),
                "capitalised_amortisation_rate": Decimal("2.00"),
                "excluded_industries": (
                    "tobacco",
                    "accommodation_catering",
                    "wholesale_retail",
                    "real_estate",
                    "leasing_business_services",
                    "entertainment",
                ),
                "special_sectors": ("integrated_circuit", "machine_tool"),
                "special_expensed_additional_rate": Decimal("1.20"),
                "special_capitalised_amortisation_rate": Decimal("2.20"),
            },
            citations={
                "expensed_additional_rate": Citation(RD_NOTICE_7, "第一条"),
                "capitalised_amortisation_rate": Citation(RD_NOTICE_7, "第一条"),
                "excluded_industries": Citation(RD_CIRCULAR_119, "第四条"),
                "special_sectors": Citation(RD_NOTICE_44, "第一条"),
                "special_expensed_additional_rate": Citation(RD_NOTICE_44, "第一条"),
                "special_capitalised_amortisation_rate": Citation(RD_NOTICE_44, "第一条"),
            },
        ),
        ParameterSet(
            name=RD,
            version="2028.1",
            # 公告2023年第44号 ends with 2027; 公告2023年第7号 has no end date.
            effective_from=date(2028, 1, 1),
            effective_to=None,
            values={
                "expensed_additional_rate": Decimal("1.00"),
                "capitalised_amortisation_rate": Decimal("2.00"),
                "excluded_industries": (
                    "tobacco",
                    "accommodation_catering",
                    "wholesale_retail",
                    "real_estate",
                    "leasing_business_services",
                    "entertainment",
                ),
                "special_sectors": (),
            },
            citations={
                "expensed_additional_rate": Citation(RD_NOTICE_7, "第一条"),
                "capitalised_amortisation_rate": Citation(RD_NOTICE_7, "第一条"),
                "excluded_industries": Citation(RD_CIRCULAR_119, "第四条"),
                "special_sectors": Citation(RD_NOTICE_44, "第一条"),
            },
        ),
    ]
)

# Upper bounds that catch typing mistakes; not policy.
MAX_STAFF = 10_000_000
MAX_TAX_YEAR = 2100


def hnte_parameters_on(day: date) -> ParameterSet:
    return PARAMETERS.in_force(HNTE, day)


def rd_parameters_for(tax_year: int) -> ParameterSet:
    """The set in force in ``tax_year``; a tax year is a calendar year (企业所得税法 第五十三条)."""
    first = min(ps.effective_from.year for ps in PARAMETERS.versions(RD))
    if tax_year < first:
        raise ValidationError(
            f"本计算器按{RD_NOTICE_7}计算，适用于{first}年及以后的纳税年度；"
            f"{tax_year}年度适用此前的规定，请向主管税务机关咨询。",
            f"This calculator applies {RD_NOTICE_7}, which covers tax years from {first}; "
            f"for {tax_year} earlier rules apply, so please ask the tax office.",
            field="tax_year",
            code="tax_year_unsupported",
        )
    if tax_year > MAX_TAX_YEAR:
        raise ValidationError(
            f"纳税年度 {tax_year} 不合理，请填写 {first} 至 {MAX_TAX_YEAR} 之间的年份。",
            f"The tax year {tax_year} is not plausible; enter a year from {first} to {MAX_TAX_YEAR}.",
            field="tax_year",
            code="tax_year_unsupported",
        )
    try:
        return PARAMETERS.in_force(RD, date(tax_year, 1, 1))
    except NoParametersInForce as exc:
        raise exc.with_field("tax_year") from None


# --- small helpers ----------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year.

    民法典 第二百零二条: a period in years ends on the corresponding day, or on the last
    day of the month when there is no corresponding day.
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _percent(part: Decimal, whole: Decimal) -> str:
    """``part / whole`` as a percentage with two decimals, rounded down."""
    if whole == 0:
        return "—"
    value = (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return f"{value}%"


def _rate(rate: Decimal) -> str:
    """0.10 → ``10%``; 1.20 → ``120%``."""
    text = format(rate * 100, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _yuan(amount: Decimal) -> str:
    return format_yuan(amount, "元")


def _wan(amount: Decimal) -> str:
    return format_yuan(amount, "auto")


def _yuan_en(amount: Decimal) -> str:
    return f"{amount:,.2f} yuan"


def _date(day: date) -> str:
    return day.isoformat()


def _no_negative(value: Decimal | int, field: str, name_zh: str, name_en: str) -> None:
    if value < 0:
        raise ValidationError(
            f"{name_zh}不能是负数，请填写零或正数。",
            f"{name_en} cannot be negative; enter zero or a positive number.",
            field=field,
            code="negative",
        )


def _not_more_than(
    part: Decimal | int,
    whole: Decimal | int,
    field: str,
    part_zh: str,
    whole_zh: str,
    part_en: str,
    whole_en: str,
    shown: tuple[str, str],
    shown_en: tuple[str, str],
) -> None:
    if part > whole:
        raise ValidationError(
            f"{part_zh}（{shown[0]}）不能多于{whole_zh}（{shown[1]}），它是其中的一部分，请检查。",
            f"{part_en} ({shown_en[0]}) cannot be more than {whole_en} ({shown_en[1]}), "
            "of which it is a part; please check both.",
            field=field,
            code="part_exceeds_whole",
        )


# --- 国家高新技术企业 self-check ------------------------------------------------------------


@dataclass(frozen=True)
class HnteFacts:
    """What the enterprise says about itself; amounts in yuan."""

    registered_on: date
    assessed_on: date
    owns_core_ip: bool
    tech_in_key_fields: bool
    staff_total: int
    staff_rd: int
    sales_last_year: Decimal
    sales_3y_total: Decimal
    rd_3y_total: Decimal
    rd_3y_domestic: Decimal
    high_tech_revenue_last_year: Decimal
    revenue_last_year: Decimal
    innovation_score: int
    major_violation_last_year: bool


@dataclass(frozen=True)
class Criterion:
    code: str
    passed: bool
    detail: Reason

    @property
    def name(self) -> tuple[str, str]:
        return HNTE_CRITERIA[self.code]


@dataclass(frozen=True)
class HnteResult:
    eligible: bool
    criteria: tuple[Criterion, ...]
    decision: Decision

    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.passed]


def check_hnte_facts(facts: HnteFacts) -> None:
    """Refuse facts that cannot be true, naming the field (422)."""
    if facts.assessed_on < facts.registered_on:
        raise ValidationError(
            f"评价日期（{_date(facts.assessed_on)}）早于注册成立日期（{_date(facts.registered_on)}），"
            "请检查两个日期。",
            f"The assessment date ({_date(facts.assessed_on)}) is before the registration date "
            f"({_date(facts.registered_on)}); please check both dates.",
            field="assessed_on",
            code="dates_out_of_order",
        )
    if facts.staff_total < 1:
        raise ValidationError(
            "职工总数应至少为 1 人。",
            "The total staff must be at least 1.",
            field="staff_total",
            code="out_of_range",
        )
    if facts.staff_total > MAX_STAFF:
        raise ValidationError(
            f"职工总数超过 {MAX_STAFF:,} 人，请检查是否填错。",
            f"The total staff is above {MAX_STAFF:,}; please check the number.",
            field="staff_total",
            code="out_of_range",
        )
    _no_negative(facts.staff_rd, "staff_rd", "科技人员数", "The science and technology staff")
    _not_more_than(
        facts.staff_rd,
        facts.staff_total,
        "staff_rd",
        "科技人员数",
        "职工总数",
        "The science and technology staff",
        "the total staff",
        (f"{facts.staff_rd} 人", f"{facts.staff_total} 人"),
        (str(facts.staff_rd), str(facts.staff_total)),
    )
    amounts = (
        ("sales_last_year", "最近一年销售收入", "Last year's sales"),
        ("sales_3y_total", "近三年销售收入合计", "The sales of the last three years"),
        ("rd_3y_total", "近三年研发费用合计", "The R&D spending of the last three years"),
        ("rd_3y_domestic", "近三年境内研发费用", "The R&D spent in China"),
        (
            "high_tech_revenue_last_year",
            "最近一年高新技术产品（服务）收入",
            "Last year's high-tech revenue",
        ),
        ("revenue_last_year", "最近一年总收入", "Last year's total revenue"),
    )
    for field, zh, en in amounts:
        _no_negative(getattr(facts, field), field, zh, en)
    for part, whole, part_zh, whole_zh, part_en, whole_en in (
        (
            "sales_last_year",
            "sales_3y_total",
            "最近一年销售收入",
            "近三年销售收入合计",
            "Last year's sales",
            "the sales of the last three years",
        ),
        (
            "rd_3y_domestic",
            "rd_3y_total",
            "境内研发费用",
            "近三年研发费用合计",
            "The R&D spent in China",
            "all R&D spending of the last three years",
        ),
        (
            "high_tech_revenue_last_year",
            "revenue_last_year",
            "高新技术产品（服务）收入",
            "最近一年总收入",
            "The high-tech revenue",
            "last year's total revenue",
        ),
    ):
        a: Decimal = getattr(facts, part)
        b: Decimal = getattr(facts, whole)
        _not_more_than(
            a,
            b,
            part,
            part_zh,
            whole_zh,
            part_en,
            whole_en,
            (_yuan(a), _yuan(b)),
            (_yuan_en(a), _yuan_en(b)),
        )
    if not 0 <= facts.innovation_score <= 100:
        raise ValidationError(
            f"创新能力评价得分应在 0 至 100 分之间，填写的是 {facts.innovation_score}。",
            f"The innovation score must be from 0 to 100; it is {facts.innovation_score}.",
            field="innovation_score",
            code="out_of_range",
        )


def _yes_no(value: bool) -> tuple[str, str]:
    return ("是", "yes") if value else ("否", "no")


def _registered(facts: HnteFacts, p: ParameterSet) -> Criterion:
    years = p.integer("min_registered_years")
    reached = add_years(facts.registered_on, years)
    passed = facts.assessed_on >= reached
    reg, on, at = _date(facts.registered_on), _date(reached), _date(facts.assessed_on)
    if passed:
        zh = f"注册成立于 {reg}，{on} 满 {years} 年；评价日期 {at} 已满 {years} 年（要求 {years} 年以上，含 {years} 年）。"
        en = f"Registered on {reg}, it reached {years} year(s) on {on}; on {at} it has been registered for {years} year(s) or more, as required."
    else:
        zh = f"注册成立于 {reg}，{on} 才满 {years} 年；评价日期 {at} 尚未满 {years} 年（要求 {years} 年以上）。"
        en = f"Registered on {reg}, it reaches {years} year(s) only on {on}; on {at} it has been registered for less than the required {years} year(s)."
    return Criterion("registered_one_year", passed, Reason(zh, en))


def _core_ip(facts: HnteFacts, _p: ParameterSet) -> Criterion:
    if facts.owns_core_ip:
        reason = Reason(
            "企业填写拥有对其主要产品（服务）在技术上发挥核心支持作用的知识产权的所有权。",
            "The enterprise says it owns intellectual property that supports its main products "
            "or services at their technical core.",
        )
    else:
        reason = Reason(
            "企业填写没有对其主要产品（服务）在技术上发挥核心支持作用的知识产权的所有权；"
            "可通过自主研发、受让、受赠、并购等方式获得。",
            "The enterprise says it does not own intellectual property that supports its main "
            "products or services at their technical core; it may obtain it by its own research, "
            "transfer, gift or acquisition.",
        )
    return Criterion("core_ip", facts.owns_core_ip, reason)


def _key_field(facts: HnteFacts, _p: ParameterSet) -> Criterion:
    if facts.tech_in_key_fields:
        reason = Reason(
            "企业填写其主要产品（服务）的核心技术属于《国家重点支持的高新技术领域》规定的范围。",
            "The enterprise says the core technology of its main products or services is in the "
            "national key high-tech fields.",
        )
    else:
        reason = Reason(
            "企业填写其主要产品（服务）的核心技术不属于《国家重点支持的高新技术领域》规定的范围。",
            "The enterprise says the core technology of its main products or services is not in "
            "the national key high-tech fields.",
        )
    return Criterion("key_field", facts.tech_in_key_fields, reason)


def _tech_staff(facts: HnteFacts, p: ParameterSet) -> Criterion:
    minimum = p.decimal("min_tech_staff_ratio")
    rd, total = Decimal(facts.staff_rd), Decimal(facts.staff_total)
    passed = rd >= minimum * total
    share, need = _percent(rd, total), _rate(minimum)
    verdict_zh = f"不低于 {need}" if passed else f"低于要求的 {need}"
    verdict_en = f"at or above the required {need}" if passed else f"below the required {need}"
    return Criterion(
        "tech_staff_ratio",
        passed,
        Reason(
            f"从事研发和相关技术创新活动的科技人员 {facts.staff_rd} 人，占当年职工总数 {facts.staff_total} 人的 {share}，{verdict_zh}。",
            f"{facts.staff_rd} science and technology staff out of {facts.staff_total} staff in "
            f"all is {share}, {verdict_en}.",
        ),
    )


def _rd_intensity(facts: HnteFacts, p: ParameterSet) -> Criterion:
    band1, band2 = (
        p.decimal("rd_intensity_band1_sales_max"),
        p.decimal("rd_intensity_band2_sales_max"),
    )
    sales = facts.sales_last_year
    if sales <= band1:
        rate = p.decimal("rd_intensity_band1_rate")
        band_zh = f"在 {_wan(band1)}以下（含）"
        band_en = f"at or below {_yuan_en(band1)}"
    elif sales <= band2:
        rate = p.decimal("rd_intensity_band2_rate")
        band_zh = f"超过 {_wan(band1)}、在 {_wan(band2)}以下（含）"
        band_en = f"above {_yuan_en(band1)} and at or below {_yuan_en(band2)}"
    else:
        rate = p.decimal("rd_intensity_band3_rate")
        band_zh = f"超过 {_wan(band2)}"
        band_en = f"above {_yuan_en(band2)}"
    need = _rate(rate)
    head_zh = (
        f"最近一年销售收入 {_yuan(sales)}，{band_zh}，研发费用占同期销售收入的比例应不低于 {need}；"
    )
    head_en = f"Last year's sales of {_yuan_en(sales)} are {band_en}, so R&D must be at least {need} of sales; "
    rd, total = facts.rd_3y_total, facts.sales_3y_total
    if total == 0:
        return Criterion(
            "rd_intensity",
            False,
            Reason(
                head_zh + "近三年销售收入合计为零，无法计算研发费用占比，不符合该项条件。",
                head_en + "the sales of the last three years total zero, so there is no ratio "
                "to meet the requirement.",
            ),
        )
    passed = rd >= rate * total
    share = _percent(rd, total)
    verdict_zh = "达到要求" if passed else "未达到要求"
    verdict_en = "which meets it" if passed else "which falls short"
    return Criterion(
        "rd_intensity",
        passed,
        Reason(
            head_zh
            + f"近三年研发费用 {_yuan(rd)}，占近三年销售收入 {_yuan(total)} 的 {share}，{verdict_zh}。",
            head_en
            + f"R&D of {_yuan_en(rd)} over three years' sales of {_yuan_en(total)} is {share}, {verdict_en}.",
        ),
    )


def _rd_domestic(facts: HnteFacts, p: ParameterSet) -> Criterion:
    minimum = p.decimal("min_rd_domestic_share")
    need = _rate(minimum)
    domestic, total = facts.rd_3y_domestic, facts.rd_3y_total
    if total == 0:
        return Criterion(
            "rd_domestic_share",
            False,
            Reason(
                f"近三年研发费用合计为零，境内研发费用占比无从计算，不符合「不低于 {need}」的要求。",
                f"There was no R&D spending in the last three years, so the share spent in China "
                f"cannot reach the required {need}.",
            ),
        )
    passed = domestic >= minimum * total
    share = _percent(domestic, total)
    verdict_zh = f"不低于 {need}" if passed else f"低于要求的 {need}"
    verdict_en = f"at or above the required {need}" if passed else f"below the required {need}"
    return Criterion(
        "rd_domestic_share",
        passed,
        Reason(
            f"在中国境内发生的研发费用 {_yuan(domestic)}，占全部研发费用 {_yuan(total)} 的 {share}，{verdict_zh}。",
            f"R&D spent in China of {_yuan_en(domestic)} out of all R&D of {_yuan_en(total)} is "
            f"{share}, {verdict_en}.",
        ),
    )


def _high_tech_revenue(facts: HnteFacts, p: ParameterSet) -> Criterion:
    minimum = p.decimal("min_high_tech_revenue_share")
    need = _rate(minimum)
    part, total = facts.high_tech_revenue_last_year, facts.revenue_last_year
    if total == 0:
        return Criterion(
            "high_tech_revenue_share",
            False,
            Reason(
                f"最近一年总收入为零，高新技术产品（服务）收入占比无从计算，不符合「不低于 {need}」的要求。",
                f"Last year's total revenue is zero, so the high-tech share cannot reach the "
                f"required {need}.",
            ),
        )
    passed = part >= minimum * total
    share = _percent(part, total)
    verdict_zh = f"不低于 {need}" if passed else f"低于要求的 {need}"
    verdict_en = f"at or above the required {need}" if passed else f"below the required {need}"
    return Criterion(
        "high_tech_revenue_share",
        passed,
        Reason(
            f"最近一年高新技术产品（服务）收入 {_yuan(part)}，占同期总收入 {_yuan(total)} 的 {share}，{verdict_zh}。",
            f"Last year's revenue from high-tech products and services of {_yuan_en(part)} out of "
            f"total revenue of {_yuan_en(total)} is {share}, {verdict_en}.",
        ),
    )


def _innovation(facts: HnteFacts, p: ParameterSet) -> Criterion:
    minimum = p.integer("min_innovation_score")
    passed = facts.innovation_score >= minimum
    verdict_zh = f"达到 {minimum} 分（含）的要求" if passed else f"低于要求的 {minimum} 分"
    verdict_en = (
        f"at or above the required {minimum}" if passed else f"below the required {minimum}"
    )
    return Criterion(
        "innovation_score",
        passed,
        Reason(
            f"创新能力评价得分 {facts.innovation_score} 分（满分 100 分），{verdict_zh}。",
            f"The innovation capability score is {facts.innovation_score} of 100, {verdict_en}.",
        ),
    )


def _violation(facts: HnteFacts, _p: ParameterSet) -> Criterion:
    passed = not facts.major_violation_last_year
    if passed:
        reason = Reason(
            "企业填写申请认定前一年内未发生重大安全、重大质量事故或严重环境违法行为。",
            "The enterprise says it had no major safety or quality incident and no serious "
            "environmental violation in the year before applying.",
        )
    else:
        reason = Reason(
            "企业填写申请认定前一年内发生过重大安全、重大质量事故或严重环境违法行为，不符合该项条件。",
            "The enterprise says it had a major safety or quality incident or a serious "
            "environmental violation in the year before applying, which rules it out.",
        )
    return Criterion("no_major_violation", passed, reason)


_HNTE_RULES = (
    (_registered, ("min_registered_years",)),
    (_core_ip, ("requires_core_ip",)),
    (_key_field, ("requires_key_field",)),
    (_tech_staff, ("min_tech_staff_ratio",)),
    (
        _rd_intensity,
        (
            "rd_intensity_band1_sales_max",
            "rd_intensity_band1_rate",
            "rd_intensity_band2_sales_max",
            "rd_intensity_band2_rate",
            "rd_intensity_band3_rate",
        ),
    ),
    (_rd_domestic, ("min_rd_domestic_share",)),
    (_high_tech_revenue, ("min_high_tech_revenue_share",)),
    (_innovation, ("min_innovation_score",)),
    (_violation, ("requires_no_major_violation",)),
)


def hnte_check(facts: HnteFacts, params: ParameterSet | None = None) -> HnteResult:
    """Every criterion of 第十一条 with its figures; eligible when all nine pass.

    ``params`` defaults to the set in force on ``facts.assessed_on``. Raises
    ``ValidationError`` naming the field for facts that cannot be true.
    """
    check_hnte_facts(facts)
    p = params if params is not None else hnte_parameters_on(facts.assessed_on)
    criteria = tuple(rule(facts, p) for rule, _keys in _HNTE_RULES)
    failed = [c for c in criteria if not c.passed]
    if failed:
        names_zh = "、".join(c.name[0] for c in failed)
        names_en = "; ".join(c.name[1] for c in failed)
        summary = Reason(
            f"{len(failed)} 项条件不符合（{names_zh}），暂不符合国家高新技术企业认定条件。",
            f"{len(failed)} of {len(criteria)} criteria not met ({names_en}); the enterprise "
            "does not yet qualify as a national high and new technology enterprise.",
        )
    else:
        summary = Reason(
            f"全部 {len(criteria)} 项条件均符合，可以申请国家高新技术企业认定；自评结果以认定机构的认定为准。",
            f"All {len(criteria)} criteria are met, so the enterprise may apply; the assessment "
            "body's decision is what counts.",
        )
    decision = decide(
        "not_eligible" if failed else "eligible",
        p,
        reasons=[summary, *(c.detail for c in failed)],
        cite=[key for _rule, keys in _HNTE_RULES for key in keys],
        facts={
            "registered_on": facts.registered_on,
            "assessed_on": facts.assessed_on,
            "owns_core_ip": facts.owns_core_ip,
            "tech_in_key_fields": facts.tech_in_key_fields,
            "staff_total": facts.staff_total,
            "staff_rd": facts.staff_rd,
            "sales_last_year": facts.sales_last_year,
            "sales_3y_total": facts.sales_3y_total,
            "rd_3y_total": facts.rd_3y_total,
            "rd_3y_domestic": facts.rd_3y_domestic,
            "high_tech_revenue_last_year": facts.high_tech_revenue_last_year,
            "revenue_last_year": facts.revenue_last_year,
            "innovation_score": facts.innovation_score,
            "major_violation_last_year": facts.major_violation_last_year,
            "failed": tuple(c.code for c in failed),
        },
    )
    return HnteResult(eligible=not failed, criteria=criteria, decision=decision)


# --- R&D super-deduction (研发费用加计扣除) ---------------------------------------------------


@dataclass(frozen=True)
class RdFacts:
    tax_year: int
    industry: str
    special_sector: str
    expensed_rd: Decimal
    capitalised_rd_cost: Decimal


@dataclass(frozen=True)
class RdResult:
    eligible: bool
    rate: Decimal
    """The additional deduction rate for expensed R&D: 1.00, 1.20, or 0 when not eligible."""
    amortisation_rate: Decimal
    """Capitalised R&D is amortised on cost times this: 2.00, 2.20, or 0 when not eligible."""
    additional_deduction: Decimal
    amortisation_base: Decimal
    special_rate_applied: bool
    decision: Decision


def check_rd_facts(facts: RdFacts) -> None:
    if facts.industry not in INDUSTRIES:
        raise ValidationError(
            f"行业代码「{facts.industry}」不在可选范围内，应为：{'、'.join(INDUSTRIES)}。",
            f"The industry code '{facts.industry}' is not one of: {', '.join(INDUSTRIES)}.",
            field="industry",
            code="unknown_code",
        )
    if facts.special_sector not in SPECIAL_SECTORS:
        raise ValidationError(
            f"特定行业代码「{facts.special_sector}」不在可选范围内，应为：{'、'.join(SPECIAL_SECTORS)}。",
            f"The special sector code '{facts.special_sector}' is not one of: "
            f"{', '.join(SPECIAL_SECTORS)}.",
            field="special_sector",
            code="unknown_code",
        )
    _no_negative(facts.expensed_rd, "expensed_rd", "费用化研发支出", "The expensed R&D")
    _no_negative(
        facts.capitalised_rd_cost,
        "capitalised_rd_cost",
        "形成无形资产的研发成本",
        "The capitalised R&D cost",
    )


def _tuple_of_str(p: ParameterSet, key: str) -> tuple[str, ...]:
    value = p.value(key)
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"parameter {key!r} of {p.label} must be a list of codes")
    return tuple(str(v) for v in value)


def rd_deduction(facts: RdFacts, params: ParameterSet | None = None) -> RdResult:
    """The extra deduction for expensed R&D and the amortisation base of capitalised R&D.

    ``params`` defaults to the set in force in ``facts.tax_year``.
    """
    check_rd_facts(facts)
    p = params if params is not None else rd_parameters_for(facts.tax_year)
    industry_zh, industry_en = INDUSTRIES[facts.industry]
    record = {
        "tax_year": facts.tax_year,
        "industry": facts.industry,
        "special_sector": facts.special_sector,
        "expensed_rd": facts.expensed_rd,
        "capitalised_rd_cost": facts.capitalised_rd_cost,
    }
    zero = Decimal("0.00")
    if facts.industry in _tuple_of_str(p, "excluded_industries"):
        decision = decide(
            "not_eligible",
            p,
            reasons=[
                Reason(
                    f"{industry_zh}不适用研发费用税前加计扣除政策，加计扣除额和加计摊销基数均为零。",
                    f"The R&D super-deduction does not apply to {industry_en}, so the additional "
                    "deduction and the amortisation base are both zero.",
                )
            ],
            cite=["excluded_industries"],
            facts=record,
        )
        return RdResult(False, zero, zero, zero, zero, False, decision)

    special = facts.special_sector != "none"
    special_in_force = special and facts.special_sector in _tuple_of_str(p, "special_sectors")
    if special_in_force:
        rate = p.decimal("special_expensed_additional_rate")
        amortisation = p.decimal("special_capitalised_amortisation_rate")
        cite = [
            "special_sectors",
            "special_expensed_additional_rate",
            "special_capitalised_amortisation_rate",
        ]
    else:
        rate = p.decimal("expensed_additional_rate")
        amortisation = p.decimal("capitalised_amortisation_rate")
        cite = ["expensed_additional_rate", "capitalised_amortisation_rate"]
    additional = quantize_fen(facts.expensed_rd * rate)
    base = quantize_fen(facts.capitalised_rd_cost * amortisation)

    reasons: list[Reason] = []
    sector_zh, sector_en = SPECIAL_SECTORS[facts.special_sector]
    if special_in_force:
        reasons.append(
            Reason(
                f"{sector_zh}在 {facts.tax_year} 年度适用 {_rate(rate)} 加计扣除和 {_rate(amortisation)} 摊销。",
                f"As an {sector_en}, the enterprise deducts an additional {_rate(rate)} and "
                f"amortises {_rate(amortisation)} in {facts.tax_year}.",
            )
        )
    elif special:
        cite.insert(0, "special_sectors")
        reasons.append(
            Reason(
                f"{sector_zh}的 120% / 220% 优惠适用于 2023 年至 2027 年，{facts.tax_year} 年度按一般规定 {_rate(rate)} / {_rate(amortisation)} 计算。",
                f"The 120% / 220% for an {sector_en} applied in 2023–2027; {facts.tax_year} "
                f"uses the general {_rate(rate)} / {_rate(amortisation)}.",
            )
        )
    reasons.append(
        Reason(
            f"未形成无形资产的研发费用 {_yuan(facts.expensed_rd)}，在据实扣除的基础上再按 {_rate(rate)} 加计扣除 {_yuan(additional)}。",
            f"Expensed R&D of {_yuan_en(facts.expensed_rd)} is deducted as spent and again at "
            f"{_rate(rate)}: an additional {_yuan_en(additional)}.",
        )
    )
    reasons.append(
        Reason(
            f"形成无形资产的研发成本 {_yuan(facts.capitalised_rd_cost)}，按 {_rate(amortisation)} 在税前摊销，摊销基数 {_yuan(base)}。",
            f"Capitalised R&D cost of {_yuan_en(facts.capitalised_rd_cost)} is amortised at "
            f"{_rate(amortisation)}: an amortisation base of {_yuan_en(base)}.",
        )
    )
    decision = decide("eligible", p, reasons=reasons, cite=cite, facts=record)
    return RdResult(True, rate, amortisation, additional, base, special_in_force, decision)


# --- what an enterprise could apply for next -----------------------------------------------


@dataclass(frozen=True)
class Holding:
    tier: str
    valid_until: date | None


@dataclass(frozen=True)
class NextStep:
    tier: str
    action: str  # "apply" | "renew"
    reason: Reason


def _valid(holdings: list[Holding], tier: str, today: date) -> bool:
    return any(
        h.tier == tier and (h.valid_until is None or h.valid_until >= today) for h in holdings
    )


def _expired(holdings: list[Holding], tier: str, today: date) -> bool:
    return any(h.tier == tier for h in holdings) and not _valid(holdings, tier, today)


def next_steps(
    holdings: Iterable[Holding], *, size: str, industry: str, today: date
) -> list[NextStep]:
    """The tiers an enterprise could go for next; guidance, not a decision.

    The SME ladder (工信部企业〔2022〕63号《优质中小企业梯度培育管理暂行办法》) goes
    专精特新中小企业 → 专精特新“小巨人”; 单项冠军 is for manufacturing enterprises that
    lead their market, typically after the ladder. The HNTE track runs alongside.
    """
    held = list(holdings)
    steps: list[NextStep] = []

    def step(tier: str, why_zh: str, why_en: str) -> None:
        action = "renew" if _expired(held, tier, today) else "apply"
        if action == "renew":
            why_zh = f"原{TIERS[tier][0]}资格已过有效期，可重新申请。" + why_zh
            why_en = f"The earlier {TIERS[tier][1]} status has expired; apply again. " + why_en
        steps.append(NextStep(tier, action, Reason(why_zh, why_en)))

    if not _valid(held, "hnte", today):
        step(
            "hnte",
            "可先用国家高新技术企业自评核对九项认定条件。",
            "Run the self-check of the nine criteria first.",
        )
    sme = size != "large"
    if sme and not _valid(held, "sme_specialised", today):
        step(
            "sme_specialised",
            "中小企业可申请专精特新中小企业认定，这是申请“小巨人”的前提。",
            "An SME may apply to be recognised as specialised and sophisticated; it is the "
            "step before 'little giant'.",
        )
    if sme and _valid(held, "sme_specialised", today) and not _valid(held, "little_giant", today):
        step(
            "little_giant",
            "已是专精特新中小企业，可申请专精特新“小巨人”企业。",
            "Already a specialised and sophisticated SME, it may apply for 'little giant'.",
        )
    if (
        industry == "manufacturing"
        and not _valid(held, "single_champion", today)
        and (_valid(held, "little_giant", today) or size == "large")
    ):
        step(
            "single_champion",
            "制造业企业在细分市场领先的，可申请单项冠军企业。",
            "A manufacturer leading its market niche may apply to be a single champion.",
        )
    return steps
