"""Public calculators: the 国家高新技术企业 self-check and the R&D super-deduction.

Anyone may call them without signing in; they store nothing. Amounts come in as yuan,
as integers or decimal strings ("5,000,000", "500万"; floats are refused because they
are not exact) and go out as decimal strings with two decimals.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import BeforeValidator, StrictBool, StrictInt, WithJsonSchema
from pydantic_core import PydanticCustomError

from rainforest.core.money import format_yuan_plain, parse_yuan
from rainforest.core.policy import Decision
from rainforest.enterprises import domain

router = Router(tags=["enterprises: tiers and R&D tax"])

# A string or an integer of yuan, checked by parse_yuan in the endpoint so a float is
# refused with its reason against the field's own name (see finance/api.py).
AmountIn = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]}, mode="validation")
]


def _date_text(value: Any) -> Any:
    # pydantic's lax mode reads a number as seconds since 1970; a date here is text.
    if not isinstance(value, str):
        raise PydanticCustomError("date_parsing", "Input should be a date YYYY-MM-DD")
    return value


DateIn = Annotated[date, BeforeValidator(_date_text)]

Industry = Literal[
    "manufacturing",
    "software_it",
    "scientific_research",
    "tobacco",
    "accommodation_catering",
    "wholesale_retail",
    "real_estate",
    "leasing_business_services",
    "entertainment",
    "other",
]
SpecialSector = Literal["none", "integrated_circuit", "machine_tool"]


class HnteIn(Schema):
    registered_on: DateIn = Field(..., description="注册成立日期 YYYY-MM-DD")
    assessed_on: DateIn = Field(..., description="评价（申请）日期 YYYY-MM-DD；据此选用参数")
    owns_core_ip: StrictBool = Field(..., description="拥有核心自主知识产权")
    tech_in_key_fields: StrictBool = Field(..., description="技术属于国家重点支持的高新技术领域")
    staff_total: StrictInt = Field(..., description="职工总数")
    staff_rd: StrictInt = Field(..., description="科技人员数")
    sales_last_year: AmountIn = Field(..., description="最近一年销售收入（元）")
    sales_3y_total: AmountIn = Field(..., description="近三年销售收入合计（元）")
    rd_3y_total: AmountIn = Field(..., description="近三年研发费用合计（元）")
    rd_3y_domestic: AmountIn = Field(..., description="其中在中国境内发生的研发费用（元）")
    high_tech_revenue_last_year: AmountIn = Field(
        ..., description="最近一年高新技术产品（服务）收入（元）"
    )
    revenue_last_year: AmountIn = Field(..., description="最近一年总收入（元）")
    innovation_score: StrictInt = Field(..., description="创新能力评价得分（0–100）")
    major_violation_last_year: StrictBool = Field(
        ..., description="申请前一年内发生重大安全、质量事故或严重环境违法行为"
    )


class CriterionOut(Schema):
    code: str
    passed: bool
    detail: str


class HnteOut(Schema):
    eligible: bool
    criteria: list[CriterionOut]
    reasons: list[str]
    citations: list[str]
    parameters_version: str


class RdIn(Schema):
    tax_year: StrictInt = Field(..., description="纳税年度（2023 年起）")
    industry: Industry
    special_sector: SpecialSector = Field(..., description="集成电路 / 工业母机企业")
    expensed_rd: AmountIn = Field(..., description="未形成无形资产、计入当期损益的研发费用（元）")
    capitalised_rd_cost: AmountIn = Field(..., description="形成无形资产的研发成本（元）")


class RdOut(Schema):
    eligible: bool
    rate: str = Field(..., description="费用化研发费用的加计扣除比例，如 1.00、1.20")
    amortisation_rate: str = Field(..., description="无形资产的摊销比例，如 2.00、2.20")
    additional_deduction: str
    amortisation_base: str
    special_rate_applied: bool
    tax_year: int
    industry: str
    special_sector: str
    expensed_rd: str
    capitalised_rd_cost: str
    reasons: list[str]
    citations: list[str]
    parameters_version: str


def _language(request: HttpRequest) -> str:
    return getattr(request, "LANGUAGE_CODE", "zh-hans") or "zh-hans"


def explained(decision: Decision, language: str) -> dict[str, Any]:
    """The reasons, citations and parameter version of a decision, for a response."""
    return {
        "reasons": decision.reasons_in(language),
        "citations": [c.text() for c in decision.citations],
        "parameters_version": f"{decision.parameters_name} {decision.parameters_version}",
    }


def _rate(rate: Decimal) -> str:
    return f"{rate:.2f}"


def hnte_facts(payload: HnteIn) -> domain.HnteFacts:
    return domain.HnteFacts(
        registered_on=payload.registered_on,
        assessed_on=payload.assessed_on,
        owns_core_ip=payload.owns_core_ip,
        tech_in_key_fields=payload.tech_in_key_fields,
        staff_total=payload.staff_total,
        staff_rd=payload.staff_rd,
        sales_last_year=parse_yuan(payload.sales_last_year, field="sales_last_year"),
        sales_3y_total=parse_yuan(payload.sales_3y_total, field="sales_3y_total"),
        rd_3y_total=parse_yuan(payload.rd_3y_total, field="rd_3y_total"),
        rd_3y_domestic=parse_yuan(payload.rd_3y_domestic, field="rd_3y_domestic"),
        high_tech_revenue_last_year=parse_yuan(
            payload.high_tech_revenue_last_year, field="high_tech_revenue_last_year"
        ),
        revenue_last_year=parse_yuan(payload.revenue_last_year, field="revenue_last_year"),
        innovation_score=payload.innovation_score,
        major_violation_last_year=payload.major_violation_last_year,
    )


@router.post(
    "/hnte-check",
    auth=None,
    response=HnteOut,
    summary="国家高新技术企业自评 / high-tech enterprise self-check",
)
def hnte_check(request: HttpRequest, payload: HnteIn) -> dict[str, Any]:
    result = domain.hnte_check(hnte_facts(payload))
    language = _language(request)
    return {
        "eligible": result.eligible,
        "criteria": [
            {"code": c.code, "passed": c.passed, "detail": c.detail.text(language)}
            for c in result.criteria
        ],
        **explained(result.decision, language),
    }


@router.post(
    "/rd-deduction",
    auth=None,
    response=RdOut,
    summary="研发费用加计扣除 / R&D super-deduction",
)
def rd_deduction(request: HttpRequest, payload: RdIn) -> dict[str, Any]:
    facts = domain.RdFacts(
        tax_year=payload.tax_year,
        industry=payload.industry,
        special_sector=payload.special_sector,
        expensed_rd=parse_yuan(payload.expensed_rd, field="expensed_rd"),
        capitalised_rd_cost=parse_yuan(payload.capitalised_rd_cost, field="capitalised_rd_cost"),
    )
    result = domain.rd_deduction(facts)
    return {
        "eligible": result.eligible,
        "rate": _rate(result.rate),
        "amortisation_rate": _rate(result.amortisation_rate),
        "additional_deduction": format_yuan_plain(result.additional_deduction),
        "amortisation_base": format_yuan_plain(result.amortisation_base),
        "special_rate_applied": result.special_rate_applied,
        "tax_year": facts.tax_year,
        "industry": facts.industry,
        "special_sector": facts.special_sector,
        "expensed_rd": format_yuan_plain(facts.expensed_rd),
        "capitalised_rd_cost": format_yuan_plain(facts.capitalised_rd_cost),
        **explained(result.decision, _language(request)),
    }
